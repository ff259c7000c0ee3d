package envelope

import (
	"bytes"
	"testing"

	"piivault/internal/vault"
)

// The fuzz targets feed untrusted stored bytes to every decoder. Besides
// never panicking, a decoder may only succeed on exactly what was sealed:
// GCM makes any other success a forgery.

func FuzzDataKeyOpen(f *testing.F) {
	k, _ := newTestKeyring(f, testMaster(1))
	dk, _, err := k.NewDataKey(nil)
	if err != nil {
		f.Fatal(err)
	}
	aad := vault.AAD("users", "profile", "u1")
	sealed := dk.Seal([]byte(`{"name":"x"}`), aad)
	f.Add(sealed, aad)
	f.Add(sealed[:overhead], aad)
	f.Add([]byte{formatValue, 0, 0, 0, 1}, []byte(nil))
	f.Fuzz(func(t *testing.T, ciphertext, aad2 []byte) {
		got, err := dk.Open(ciphertext, aad2)
		if err == nil && (!bytes.Equal(ciphertext, sealed) || !bytes.Equal(aad2, aad) || string(got) != `{"name":"x"}`) {
			t.Fatalf("opened a ciphertext that was never sealed: %x", ciphertext)
		}
	})
}

func FuzzOpenDataKey(f *testing.F) {
	k, _ := newTestKeyring(f, testMaster(1))
	aad := vault.AAD("users", "datakey", "u1")
	_, wrapped, err := k.NewDataKey(aad)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(wrapped, aad)
	f.Add(wrapped[:overhead], aad)
	f.Fuzz(func(t *testing.T, w, aad2 []byte) {
		if _, err := KEKVersionOf(w); err != nil && len(w) >= overhead && w[0] == formatDataKey {
			t.Fatalf("KEKVersionOf refused a well-formed header: %v", err)
		}
		_, err := k.OpenDataKey(w, aad2)
		if err == nil && (!bytes.Equal(w, wrapped) || !bytes.Equal(aad2, aad)) {
			t.Fatalf("opened a data key that was never wrapped: %x", w)
		}
		_, err = k.RewrapDataKey(w, aad2)
		if err == nil && (!bytes.Equal(w, wrapped) || !bytes.Equal(aad2, aad)) {
			t.Fatalf("rewrapped a data key that was never wrapped: %x", w)
		}
	})
}

func FuzzOpenKeyring(f *testing.F) {
	master := testMaster(1)
	rec, err := NewKEK(master, 1, testNow)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(rec.Wrapped, int64(1))
	f.Add(rec.Wrapped[:overhead], int64(1))
	f.Add([]byte{formatKEK, 0, 0, 0, 2}, int64(2))
	f.Fuzz(func(t *testing.T, wrapped []byte, version int64) {
		_, err := Open(master, []vault.KEKRecord{{Version: version, Wrapped: wrapped, Status: "active"}})
		if err == nil && (!bytes.Equal(wrapped, rec.Wrapped) || version != 1) {
			t.Fatalf("opened a KEK that was never sealed: %d %x", version, wrapped)
		}
	})
}
