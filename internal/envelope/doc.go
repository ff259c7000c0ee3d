// Package envelope is the only package that touches ciphers and MACs. It
// implements vault.Keys: the operator's master key wraps versioned
// key-encryption keys (KEKs) stored in the database, the active KEK wraps one
// random data key per subject, and each data key seals that subject's values
// with AES-256-GCM. Blind indexes are HMAC-SHA-256 under a key derived from
// the master key, so they survive KEK rotation.
//
// Every ciphertext, whatever it protects, has the same layout:
//
//	format (1 byte) | key id (uint32, big-endian) | nonce (12 bytes) | AES-256-GCM output
//
// The format byte says which kind of key sealed it and the key id says which
// one. Both are part of the associated data given to GCM, so a changed header
// fails to open just like a changed body. Nonces are random: each key seals
// far fewer than the 2^32 messages GCM allows with random nonces (a KEK wraps
// one data key per subject, a data key seals one subject's values).
package envelope
