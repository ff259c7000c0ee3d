package envelope

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"testing"

	"piivault/internal/vault"
)

// record is the ~200-byte profile of the PERFORMANCE.md figures.
var record = bytes.Repeat([]byte(`{"k":"value"}`), 16)[:200]

func BenchmarkSeal(b *testing.B) {
	k, _ := newTestKeyring(b, testMaster(1))
	dk, _, _ := k.NewDataKey(nil)
	aad := vault.AAD("users", "profile", "0f8c7e1a-8f1e-4c55-9a63-0d1f2c3b4a59")
	b.SetBytes(int64(len(record)))
	b.ReportAllocs()
	for b.Loop() {
		dk.Seal(record, aad)
	}
}

func BenchmarkOpen(b *testing.B) {
	k, _ := newTestKeyring(b, testMaster(1))
	dk, _, _ := k.NewDataKey(nil)
	aad := vault.AAD("users", "profile", "0f8c7e1a-8f1e-4c55-9a63-0d1f2c3b4a59")
	ct := dk.Seal(record, aad)
	b.SetBytes(int64(len(record)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dk.Open(ct, aad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewDataKey(b *testing.B) {
	k, _ := newTestKeyring(b, testMaster(1))
	aad := vault.AAD("users", "datakey", "0f8c7e1a-8f1e-4c55-9a63-0d1f2c3b4a59")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := k.NewDataKey(aad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenDataKey(b *testing.B) {
	k, _ := newTestKeyring(b, testMaster(1))
	aad := vault.AAD("users", "datakey", "0f8c7e1a-8f1e-4c55-9a63-0d1f2c3b4a59")
	_, wrapped, _ := k.NewDataKey(aad)
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := k.OpenDataKey(wrapped, aad); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := k.OpenDataKey(wrapped, aad); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("uncached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			k.ForgetDataKey(wrapped)
			if _, err := k.OpenDataKey(wrapped, aad); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkBlindIndex(b *testing.B) {
	k, _ := newTestKeyring(b, testMaster(1))
	value := "alice.example@example.com" // ~30 bytes with the field, as measured
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			k.BlindIndex("email", value)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				k.BlindIndex("email", value)
			}
		})
	})
}

// BenchmarkBaseline measures bare AES-256-GCM and a reused HMAC in the same
// run, because this host's speed drifts: compare the figures above with
// these, not with numbers from another day.
func BenchmarkBaseline(b *testing.B) {
	aead, err := newAEAD(testMaster(1))
	if err != nil {
		b.Fatal(err)
	}
	nonce := make([]byte, nonceLen)
	sealed := aead.Seal(nil, nonce, record, nil)
	b.Run("gcm-seal-200B", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			aead.Seal(nil, nonce, record, nil)
		}
	})
	b.Run("gcm-open-200B", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := aead.Open(nil, nonce, sealed, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("hmac-sha256-30B", func(b *testing.B) {
		mac := hmac.New(sha256.New, testMaster(1))
		msg := []byte("email alice.example@example.co")
		var sum [sha256.Size]byte
		b.ReportAllocs()
		for b.Loop() {
			mac.Reset()
			mac.Write(msg)
			mac.Sum(sum[:0])
		}
	})
}
