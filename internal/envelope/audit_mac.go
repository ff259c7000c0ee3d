package envelope

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// infoAuditChain keys the HMAC chain of the audit trail. It is expanded from
// the erasure ledger's key rather than from the root directly because the
// keyring keeps only the keys it derived, not the root; both survive
// master-key changes (see Rekey), so the chain stays verifiable across them.
// Pinned by a known-answer test: changing it breaks every stored chain.
const infoAuditChain = "piivault v1 audit chain"

// AuditMAC returns HMAC-SHA-256, under the audit chain's subkey, of prev
// (length-prefixed, so that no prev/msg split collides with another) followed
// by msg. The audit trail links each event to the previous one with it: prev
// is the previous event's MAC (nil for the first), msg the event's canonical
// encoding. Without the master key no event can be changed, removed or moved
// without breaking every later link.
//
// The subkey is derived on every call (about two microseconds): the chain is
// built by a background job, not on the request path.
func (k *Keyring) AuditMAC(prev, msg []byte) []byte {
	key, err := hkdf.Key(sha256.New, k.ledger, nil, infoAuditChain, keySize)
	if err != nil {
		// Only an output length beyond 255 hash blocks fails; keySize is 32.
		panic("envelope: derive the audit chain key: " + err.Error())
	}
	mac := hmac.New(sha256.New, key)
	clear(key)
	mac.Write(binary.BigEndian.AppendUint32(nil, uint32(len(prev))))
	mac.Write(prev)
	mac.Write(msg)
	return mac.Sum(nil)
}
