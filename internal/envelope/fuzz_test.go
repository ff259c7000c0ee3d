package envelope

import (
	"bytes"
	"testing"

	"piivault/internal/vault"
)

// The fuzz targets feed untrusted stored bytes to every decoder. Besides
// never panicking, a decoder may only succeed on exactly what was sealed:
// GCM makes any other success a forgery. Fixtures are the golden ciphertexts,
// identical in every fuzz worker process.

func FuzzDataKeyOpen(f *testing.F) {
	g := openGolden(f)
	f.Add(g.value, goldenValueAAD)
	f.Add(g.value[:overhead], goldenValueAAD)
	f.Add([]byte{formatValue, 0, 0, 0, 1}, []byte(nil))
	f.Fuzz(func(t *testing.T, ciphertext, aad []byte) {
		got, err := g.dataKey.Open(ciphertext, aad)
		if err == nil && (!bytes.Equal(ciphertext, g.value) || !bytes.Equal(aad, goldenValueAAD) || string(got) != goldenPlain) {
			t.Fatalf("opened a ciphertext that was never sealed: %x", ciphertext)
		}
	})
}

func FuzzOpenDataKey(f *testing.F) {
	g := openGolden(f)
	f.Add(g.wrapped, goldenKeyAAD)
	f.Add(g.wrapped[:overhead], goldenKeyAAD)
	f.Fuzz(func(t *testing.T, wrapped, aad []byte) {
		if _, err := KEKVersionOf(wrapped); err != nil && len(wrapped) >= overhead && wrapped[0] == formatDataKey {
			t.Fatalf("KEKVersionOf refused a well-formed header: %v", err)
		}
		genuine := bytes.Equal(wrapped, g.wrapped) && bytes.Equal(aad, goldenKeyAAD)
		if _, err := g.keyring.OpenDataKey(wrapped, aad); err == nil && !genuine {
			t.Fatalf("opened a data key that was never wrapped: %x", wrapped)
		}
		if _, err := g.keyring.RewrapDataKey(wrapped, aad); err == nil && !genuine {
			t.Fatalf("rewrapped a data key that was never wrapped: %x", wrapped)
		}
	})
}

func FuzzOpenKeyring(f *testing.F) {
	g := openGolden(f)
	f.Add(g.kek.Wrapped, int64(1))
	f.Add(g.kek.Wrapped[:overhead], int64(1))
	f.Add([]byte{formatKEK, 0, 0, 0, 2}, int64(2))
	f.Fuzz(func(t *testing.T, wrapped []byte, version int64) {
		_, err := Open(testMaster(1), []vault.KEKRecord{{Version: version, Wrapped: wrapped, Status: "active"}})
		if err == nil && (!bytes.Equal(wrapped, g.kek.Wrapped) || version != 1) {
			t.Fatalf("opened a KEK that was never sealed: %d %x", version, wrapped)
		}
	})
}
