package envelope

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"piivault/internal/vault"
)

func TestDataKeySealOpenRoundTrip(t *testing.T) {
	k, _ := newTestKeyring(t, testMaster(1))
	dk, _, err := k.NewDataKey(vault.AAD("users", "datakey", "u1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		plaintext []byte
		aad       []byte
	}{
		{"an empty value opens", nil, vault.AAD("users", "profile", "u1")},
		{"a one-byte value opens", []byte{0}, vault.AAD("users", "profile", "u1")},
		{"a 200-byte record opens", bytes.Repeat([]byte("x"), 200), vault.AAD("users", "profile", "u1")},
		{"a 64 KiB record opens", bytes.Repeat([]byte{0xa5}, 64<<10), vault.AAD("users", "profile", "u1")},
		{"a value without associated data opens", []byte("v"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct := dk.Seal(tc.plaintext, tc.aad)
			if len(ct) != len(tc.plaintext)+overhead {
				t.Errorf("len(ciphertext) = %d, want %d", len(ct), len(tc.plaintext)+overhead)
			}
			if len(tc.plaintext) > 8 && bytes.Contains(ct, tc.plaintext[:8]) {
				t.Error("ciphertext contains plaintext")
			}
			got, err := dk.Open(ct, tc.aad)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, tc.plaintext) {
				t.Error("Open returned other bytes than were sealed")
			}
		})
	}
	t.Run("two seals of one value differ", func(t *testing.T) {
		a, b := dk.Seal([]byte("same"), nil), dk.Seal([]byte("same"), nil)
		if bytes.Equal(a, b) {
			t.Error("nonce reused")
		}
	})
}

func TestCiphertextHeaderLayout(t *testing.T) {
	k, _ := newTestKeyring(t, testMaster(1))
	aad := vault.AAD("users", "datakey", "u1")
	dk, wrapped, err := k.NewDataKey(aad)
	if err != nil {
		t.Fatal(err)
	}
	ct := dk.Seal([]byte("v"), nil)
	for _, tc := range []struct {
		name   string
		ct     []byte
		format byte
		id     uint32
	}{
		{"a sealed value names data-key generation 1", ct, formatValue, 1},
		{"a wrapped data key names KEK version 1", wrapped, formatDataKey, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ct[0] != tc.format || binary.BigEndian.Uint32(tc.ct[1:5]) != tc.id {
				t.Errorf("header = % x, want %02x %08x", tc.ct[:5], tc.format, tc.id)
			}
		})
	}
}

// TestEveryFlippedByteFails flips each byte (header, nonce, body, tag) of
// each kind of ciphertext in two ways; none may open.
func TestEveryFlippedByteFails(t *testing.T) {
	master := testMaster(1)
	k, rec := newTestKeyring(t, master)
	aad := vault.AAD("users", "datakey", "u1")
	dk, wrapped, err := k.NewDataKey(aad)
	if err != nil {
		t.Fatal(err)
	}
	valueAAD := vault.AAD("users", "profile", "u1")
	value := dk.Seal(bytes.Repeat([]byte("p"), 40), valueAAD)
	wrap, err := wrappingAEAD(master)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		ct   []byte
		open func(ct []byte) error
	}{
		{"a sealed value", value, func(ct []byte) error { _, err := dk.Open(ct, valueAAD); return err }},
		{"a wrapped data key", wrapped, func(ct []byte) error { _, err := k.OpenDataKey(ct, aad); return err }},
		{"a wrapped KEK", rec.Wrapped, func(ct []byte) error {
			r := rec
			r.Wrapped = ct
			_, err := openKEK(wrap, r)
			return err
		}},
	} {
		t.Run(tc.name+" fails to open with any byte flipped", func(t *testing.T) {
			if err := tc.open(tc.ct); err != nil {
				t.Fatalf("unaltered: %v", err)
			}
			for i := range tc.ct {
				for _, mask := range []byte{0x01, 0x80} {
					if err := tc.open(flipped(tc.ct, i, mask)); err == nil {
						t.Errorf("byte %d ^ %#x: opened", i, mask)
					}
				}
			}
		})
	}
}

func TestTruncatedCiphertextFails(t *testing.T) {
	k, _ := newTestKeyring(t, testMaster(1))
	aad := vault.AAD("users", "datakey", "u1")
	dk, wrapped, err := k.NewDataKey(aad)
	if err != nil {
		t.Fatal(err)
	}
	value := dk.Seal([]byte("some value"), nil)
	for n := range len(value) {
		if _, err := dk.Open(value[:n], nil); err == nil {
			t.Errorf("value cut to %d bytes: opened", n)
		}
	}
	for n := range len(wrapped) {
		if _, err := k.OpenDataKey(wrapped[:n], aad); err == nil {
			t.Errorf("wrapped key cut to %d bytes: opened", n)
		}
		if _, err := k.RewrapDataKey(wrapped[:n], aad); err == nil {
			t.Errorf("wrapped key cut to %d bytes: rewrapped", n)
		}
	}
	if _, err := dk.Open(append(bytes.Clone(value), 0), nil); err == nil {
		t.Error("value with a byte appended: opened")
	}
}

func TestAssociatedDataBindsThePlace(t *testing.T) {
	k, _ := newTestKeyring(t, testMaster(1))
	keyAAD := vault.AAD("users", "datakey", "u1")
	dk, wrapped, err := k.NewDataKey(keyAAD)
	if err != nil {
		t.Fatal(err)
	}
	sealedAt := vault.AAD("users", "profile", "u1")
	value := dk.Seal([]byte(`{"name":"x"}`), sealedAt)
	for _, tc := range []struct {
		name string
		aad  []byte
	}{
		{"a value moved to another row fails", vault.AAD("users", "profile", "u2")},
		{"a value moved to another column fails", vault.AAD("users", "email", "u1")},
		{"a value moved to another table fails", vault.AAD("sessions", "profile", "u1")},
		{"a value opened without associated data fails", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := dk.Open(value, tc.aad); !errors.Is(err, errAuth) {
				t.Errorf("Open = %v, want %v", err, errAuth)
			}
		})
	}
	t.Run("a wrapped key moved to another row fails even while cached", func(t *testing.T) {
		if _, err := k.OpenDataKey(wrapped, keyAAD); err != nil {
			t.Fatal(err)
		}
		if _, err := k.OpenDataKey(wrapped, vault.AAD("users", "datakey", "u2")); !errors.Is(err, errAuth) {
			t.Errorf("OpenDataKey = %v, want %v", err, errAuth)
		}
		if _, err := k.OpenDataKey(wrapped, keyAAD); err != nil {
			t.Errorf("the rightful row no longer opens: %v", err)
		}
	})
	t.Run("another subject's data key fails", func(t *testing.T) {
		other, _, err := k.NewDataKey(vault.AAD("users", "datakey", "u2"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.Open(value, sealedAt); !errors.Is(err, errAuth) {
			t.Errorf("Open = %v, want %v", err, errAuth)
		}
	})
}

func TestUnknownKeyIDFails(t *testing.T) {
	k, _ := newTestKeyring(t, testMaster(1))
	aad := vault.AAD("users", "datakey", "u1")
	dk, wrapped, err := k.NewDataKey(aad)
	if err != nil {
		t.Fatal(err)
	}
	value := dk.Seal([]byte("v"), nil)
	withID := func(ct []byte, id uint32) []byte {
		c := bytes.Clone(ct)
		binary.BigEndian.PutUint32(c[1:5], id)
		return c
	}
	for _, id := range []uint32{0, 2, 1 << 31} {
		if _, err := dk.Open(withID(value, id), nil); !errors.Is(err, errUnknownKey) {
			t.Errorf("value with data-key id %d: err = %v, want %v", id, err, errUnknownKey)
		}
		if _, err := k.OpenDataKey(withID(wrapped, id), aad); !errors.Is(err, errUnknownKey) {
			t.Errorf("data key with KEK id %d: err = %v, want %v", id, err, errUnknownKey)
		}
	}
}

func TestOneKindOfCiphertextIsNeverAnother(t *testing.T) {
	k, rec := newTestKeyring(t, testMaster(1))
	dk, wrapped, err := k.NewDataKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	value := dk.Seal(make([]byte, keySize), nil)
	if _, err := dk.Open(wrapped, nil); !errors.Is(err, errFormat) {
		t.Errorf("a wrapped data key opened as a value: %v", err)
	}
	if _, err := k.OpenDataKey(value, nil); !errors.Is(err, errFormat) {
		t.Errorf("a value opened as a wrapped data key: %v", err)
	}
	if _, err := k.OpenDataKey(rec.Wrapped, nil); !errors.Is(err, errFormat) {
		t.Errorf("a wrapped KEK opened as a wrapped data key: %v", err)
	}
	if _, err := KEKVersionOf(value); err == nil {
		t.Error("KEKVersionOf accepted a value")
	}
}

// TestHeaderIsAuthenticated opens with the very key that sealed, so that only
// GCM's associated data can notice a changed header: the format and id checks
// that normally come first are bypassed.
func TestHeaderIsAuthenticated(t *testing.T) {
	aead, err := newAEAD(testMaster(7))
	if err != nil {
		t.Fatal(err)
	}
	ct := seal(aead, formatValue, 1, []byte("value"), []byte("aad"))
	if _, err := open(aead, ct, []byte("aad")); err != nil {
		t.Fatalf("unaltered: %v", err)
	}
	for i := range headerLen {
		if _, err := open(aead, flipped(ct, i, 0x01), []byte("aad")); !errors.Is(err, errAuth) {
			t.Errorf("header byte %d flipped: err = %v, want %v", i, err, errAuth)
		}
	}
}
