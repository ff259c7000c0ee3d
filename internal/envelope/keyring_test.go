package envelope

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"piivault/internal/vault"
)

func TestOpenKeyring(t *testing.T) {
	master := testMaster(1)
	v1, err := NewKEK(master, 1, testNow)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := NewKEK(master, 2, testNow)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := NewKEK(testMaster(2), 2, testNow)
	if err != nil {
		t.Fatal(err)
	}
	retiring := func(r vault.KEKRecord) vault.KEKRecord { r.Status = "retiring"; return r }
	renumbered := v2
	renumbered.Version = 3

	for _, tc := range []struct {
		name       string
		keks       []vault.KEKRecord
		wantActive int64
	}{
		{"one active version is active", []vault.KEKRecord{v1}, 1},
		{"the highest active version is active", []vault.KEKRecord{retiring(v1), v2}, 2},
		{"a higher version that is not active is only for opening", []vault.KEKRecord{v1, retiring(v2)}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := Open(master, tc.keks)
			if err != nil {
				t.Fatal(err)
			}
			if got := k.ActiveVersion(); got != tc.wantActive {
				t.Errorf("ActiveVersion = %d, want %d", got, tc.wantActive)
			}
		})
	}
	for _, tc := range []struct {
		name   string
		master []byte
		keks   []vault.KEKRecord
		wrong  bool // want ErrWrongMasterKey
	}{
		{"a wrong master key is ErrWrongMasterKey", testMaster(9), []vault.KEKRecord{v1, v2}, true},
		{"no KEKs fail", master, nil, false},
		{"no active KEK fails", master, []vault.KEKRecord{retiring(v1)}, false},
		{"a KEK that alone fails to open is tampering, not a wrong master key", master, []vault.KEKRecord{v1, foreign}, false},
		{"a KEK record given another version fails", master, []vault.KEKRecord{v1, renumbered}, false},
		{"a version stored twice fails", master, []vault.KEKRecord{v1, v1}, false},
		{"a short master key fails", master[:16], []vault.KEKRecord{v1}, false},
		{"a version out of range fails", master, []vault.KEKRecord{{Version: 1 << 32, Wrapped: v1.Wrapped, Status: "active"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := Open(tc.master, tc.keks)
			if err == nil {
				t.Fatalf("opened, active version %d", k.ActiveVersion())
			}
			if errors.Is(err, ErrWrongMasterKey) != tc.wrong {
				t.Errorf("err = %v; is ErrWrongMasterKey = %v, want %v", err, !tc.wrong, tc.wrong)
			}
			if strings.Contains(err.Error(), hex.EncodeToString(tc.master)) {
				t.Errorf("error %q holds the master key", err)
			}
		})
	}
}

func TestNewKEKRejectsBadVersions(t *testing.T) {
	for _, v := range []int64{0, -1, 1 << 32} {
		if _, err := NewKEK(testMaster(1), v, testNow); err == nil {
			t.Errorf("version %d accepted", v)
		}
	}
}

// TestRotation walks what the rotation issue will build on: a data key
// wrapped by v1 keeps opening after v2 is added, and RewrapDataKey moves it
// to v2 without changing the key.
func TestRotation(t *testing.T) {
	master := testMaster(1)
	k, v1 := newTestKeyring(t, master)
	aad := vault.AAD("users", "datakey", "u1")
	dk, wrappedV1, err := k.NewDataKey(aad)
	if err != nil {
		t.Fatal(err)
	}
	value := dk.Seal([]byte("record"), nil)

	v2, err := NewKEK(master, 2, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.AddKEK(v2); err != nil {
		t.Fatal(err)
	}
	if got := k.ActiveVersion(); got != 2 {
		t.Fatalf("ActiveVersion = %d after adding v2, want 2", got)
	}
	opens := func(t *testing.T, k *Keyring, wrapped []byte) {
		t.Helper()
		k.ForgetDataKey(wrapped) // make it unwrap, not answer from the cache
		dk, err := k.OpenDataKey(wrapped, aad)
		if err != nil {
			t.Fatalf("OpenDataKey: %v", err)
		}
		if got, err := dk.Open(value, nil); err != nil || !bytes.Equal(got, []byte("record")) {
			t.Fatalf("the data key changed: %v", err)
		}
	}
	t.Run("a key wrapped by v1 opens after v2 is added", func(t *testing.T) { opens(t, k, wrappedV1) })

	wrappedV2, err := k.RewrapDataKey(wrappedV1, aad)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("RewrapDataKey moves the key to v2", func(t *testing.T) {
		if v, err := KEKVersionOf(wrappedV2); err != nil || v != 2 {
			t.Errorf("KEKVersionOf = %d, %v; want 2", v, err)
		}
		opens(t, k, wrappedV2)
	})
	t.Run("a fresh keyring of both versions opens the rewrapped key", func(t *testing.T) {
		v1.Status = "retiring"
		fresh, err := Open(master, []vault.KEKRecord{v1, v2})
		if err != nil {
			t.Fatal(err)
		}
		opens(t, fresh, wrappedV2)
	})
	t.Run("a keyring without v2 cannot open it", func(t *testing.T) {
		old, _ := newTestKeyring(t, master)
		if _, err := old.OpenDataKey(wrappedV2, aad); !errors.Is(err, errUnknownKey) {
			t.Errorf("err = %v, want %v", err, errUnknownKey)
		}
	})
	t.Run("new data keys are wrapped by v2", func(t *testing.T) {
		_, w, err := k.NewDataKey(aad)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := KEKVersionOf(w); v != 2 {
			t.Errorf("KEKVersionOf = %d, want 2", v)
		}
	})
	t.Run("rewrapping a key of the active version returns it unchanged", func(t *testing.T) {
		again, err := k.RewrapDataKey(wrappedV2, aad)
		if err != nil || !bytes.Equal(again, wrappedV2) {
			t.Errorf("RewrapDataKey = %x, %v; want the input", again, err)
		}
	})
	t.Run("rewrapping under another row's binding fails", func(t *testing.T) {
		if _, err := k.RewrapDataKey(wrappedV1, vault.AAD("users", "datakey", "u2")); !errors.Is(err, errAuth) {
			t.Errorf("err = %v, want %v", err, errAuth)
		}
	})
	t.Run("adding an existing version fails and changes nothing", func(t *testing.T) {
		if err := k.AddKEK(v2); err == nil {
			t.Error("accepted")
		}
		if k.ActiveVersion() != 2 {
			t.Error("active version changed")
		}
	})
	t.Run("adding a version sealed by another master key fails", func(t *testing.T) {
		v3, err := NewKEK(testMaster(2), 3, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.AddKEK(v3); err == nil {
			t.Error("accepted")
		}
		if k.ActiveVersion() != 2 {
			t.Error("active version changed")
		}
	})
}
