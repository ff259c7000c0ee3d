package envelope

import (
	"encoding/hex"
	"testing"

	"piivault/internal/vault"
)

// Ciphertexts made once by this package under testMaster(1). They must keep
// opening: the database holds such bytes for years. Fuzz workers run in
// separate processes, so their fixtures must be fixed bytes, not random keys
// made afresh in each process.
const (
	goldenKEK     = "0100000001fc68a4fb1ee031ad502046bd36b0ff26378fa0c946e09204ac72180409b14e8b92870d451527def96998c44f4235800a49691aa1b37fab84ed3ca341"
	goldenDataKey = "020000000107ae23a447acb18bfa92497fb4950d931520e738dff2b00037b2d826d7c5e5e493fe71add7b9e89aece53d9de11da72f6e7d77e22fb2cbb599796664"
	goldenValue   = "0300000001935aedcc804ce08ee7ab2c6a9d326691b161fb281d03e03eb43fba728c24f7041fd06b7348bf85b1"
	goldenPlain   = `{"name":"x"}`
)

var (
	goldenKeyAAD   = vault.AAD("users", "datakey", "u1")
	goldenValueAAD = vault.AAD("users", "profile", "u1")
)

type golden struct {
	kek            vault.KEKRecord
	keyring        *Keyring
	wrapped, value []byte
	dataKey        vault.DataKey
}

func openGolden(t testing.TB) golden {
	t.Helper()
	unhex := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	g := golden{
		kek:     vault.KEKRecord{Version: 1, Wrapped: unhex(goldenKEK), Status: "active", Created: testNow.Unix()},
		wrapped: unhex(goldenDataKey),
		value:   unhex(goldenValue),
	}
	var err error
	if g.keyring, err = Open(testMaster(1), []vault.KEKRecord{g.kek}); err != nil {
		t.Fatalf("the stored KEK no longer opens: %v", err)
	}
	if g.dataKey, err = g.keyring.OpenDataKey(g.wrapped, goldenKeyAAD); err != nil {
		t.Fatalf("the stored data key no longer opens: %v", err)
	}
	return g
}

func TestStoredCiphertextsKeepOpening(t *testing.T) {
	g := openGolden(t)
	got, err := g.dataKey.Open(g.value, goldenValueAAD)
	if err != nil {
		t.Fatalf("the stored value no longer opens: %v", err)
	}
	if string(got) != goldenPlain {
		t.Errorf("the stored value opens as %q, want %q", got, goldenPlain)
	}
}
