package envelope

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"testing"

	xhkdf "golang.org/x/crypto/hkdf"
)

// The known answers below pin the derivations: if one changes, every stored
// KEK or blind index becomes unreadable. They are computed again here with
// golang.org/x/crypto/hkdf and crypto/hmac, independently of the package,
// and were checked once more against RFC 5869 written out in Python.
const (
	katWrapKey   = "6917160b459a18ed8794e80a82a8a39eb557955df23d5f562019dab7cf9e3154"
	katIndexKey  = "275eb3582314fdafc35997588fdaf91fd8d017ff35d0f9f497510033cda8fab0"
	katLoginHash = "a604078dc0ea8ee27c4be6f52ce5d983162691313f9c8114c9fdd2979def8494"
)

// independentKey derives a subkey with x/crypto's HKDF instead of the
// package's.
func independentKey(t *testing.T, master []byte, info string) []byte {
	t.Helper()
	key := make([]byte, 32)
	if _, err := io.ReadFull(xhkdf.New(sha256.New, master, nil, []byte(info)), key); err != nil {
		t.Fatal(err)
	}
	return key
}

func TestKnownAnswers(t *testing.T) {
	master := testMaster(0) // 00 01 02 ... 1f
	t.Run("the KEK wrapping key is pinned", func(t *testing.T) {
		got, err := deriveKey(master, infoKEKWrap)
		if err != nil {
			t.Fatal(err)
		}
		if h := hex.EncodeToString(got); h != katWrapKey || h != hex.EncodeToString(independentKey(t, master, "piivault v1 kek wrapping")) {
			t.Errorf("wrapping key = %s, want %s", h, katWrapKey)
		}
	})
	t.Run("the blind index key is pinned", func(t *testing.T) {
		got, err := deriveKey(master, infoBlindIndex)
		if err != nil {
			t.Fatal(err)
		}
		if h := hex.EncodeToString(got); h != katIndexKey || h != hex.EncodeToString(independentKey(t, master, "piivault v1 blind index")) {
			t.Errorf("index key = %s, want %s", h, katIndexKey)
		}
	})
	t.Run("a blind index is pinned", func(t *testing.T) {
		k, _ := newTestKeyring(t, master)
		mac := hmac.New(sha256.New, independentKey(t, master, "piivault v1 blind index"))
		mac.Write(binary.BigEndian.AppendUint32(nil, uint32(len("login"))))
		mac.Write([]byte("login"))
		mac.Write([]byte("alice"))
		want := hex.EncodeToString(mac.Sum(nil))
		if got := k.BlindIndex("login", "alice"); got != katLoginHash || got != want {
			t.Errorf("BlindIndex = %s, want %s (independent: %s)", got, katLoginHash, want)
		}
	})
	t.Run("a KEK opens by the documented format alone", func(t *testing.T) {
		rec, err := NewKEK(master, 3, testNow)
		if err != nil {
			t.Fatal(err)
		}
		block, err := aes.NewCipher(independentKey(t, master, "piivault v1 kek wrapping"))
		if err != nil {
			t.Fatal(err)
		}
		gcm, err := cipher.NewGCM(block)
		if err != nil {
			t.Fatal(err)
		}
		w := rec.Wrapped
		if w[0] != 0x01 || binary.BigEndian.Uint32(w[1:5]) != 3 {
			t.Fatalf("header = % x, want 01 00000003", w[:5])
		}
		kek, err := gcm.Open(nil, w[5:17], w[17:], w[:5])
		if err != nil {
			t.Fatalf("open with the header as associated data: %v", err)
		}
		if len(kek) != 32 {
			t.Errorf("KEK is %d bytes, want 32", len(kek))
		}
	})
}
