package envelope

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
)

// indexer is a reusable keyed HMAC with a scratch buffer. Building an HMAC
// costs about four times using one, so the keyring pools them.
type indexer struct {
	mac hash.Hash
	buf []byte
	sum [sha256.Size]byte
}

func newIndexer(key []byte) *indexer {
	return &indexer{mac: hmac.New(sha256.New, key), buf: make([]byte, 0, 128)}
}

// BlindIndex returns HMAC-SHA-256, under the index key HKDF derives from the
// master key, of the length-prefixed field followed by the normalised value,
// as 64 lower-case hex digits. The prefix keeps ("ab","c") and ("a","bc")
// apart; the master-derived key keeps indexes valid across KEK rotation. It
// implements vault.Keys.
func (k *Keyring) BlindIndex(field, normalised string) string {
	ix := k.index.Get().(*indexer)
	defer k.index.Put(ix)
	ix.buf = binary.BigEndian.AppendUint32(ix.buf[:0], uint32(len(field)))
	ix.buf = append(ix.buf, field...)
	ix.buf = append(ix.buf, normalised...)
	ix.mac.Reset()
	ix.mac.Write(ix.buf)
	sum := ix.mac.Sum(ix.sum[:0])
	clear(ix.buf) // the value is PII: leave no copy in the pool
	if cap(ix.buf) > 4096 {
		ix.buf = make([]byte, 0, 128) // do not pin a huge value's buffer in the pool
	}
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum)
	return string(out[:])
}
