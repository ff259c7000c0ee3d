package envelope

import "sync"

// keyCache holds unwrapped data keys by wrapped form, so that a hot subject
// costs one map lookup instead of an unwrap and an AES key schedule per
// request. It is bounded and evicts with the CLOCK algorithm: a fixed ring of
// slots and a hand that spares each recently used slot once. That needs no
// per-entry allocation besides the map key, unlike a linked-list LRU.
type keyCache struct {
	mu    sync.Mutex
	index map[string]int // wrapped form -> slot
	slots []cacheSlot
	hand  int

	// Recently forgotten wrapped forms, never cached again: a request that
	// read a wrapped key just before its erasure may finish unwrapping after
	// ForgetDataKey, and must not put the key back. Wrapped forms are unique
	// (random key and nonce), so refusing them is always right; the ring
	// bounds memory and outlives any request in flight.
	gone     map[string]struct{}
	goneRing []string
	goneNext int
}

// forgottenSize bounds the remembered erasures.
const forgottenSize = 1024

// cacheSlot is one cached data key. aad is kept because the same wrapped
// bytes under another binding must not open: a hit requires both to match.
type cacheSlot struct {
	wrapped string
	aad     string
	key     *dataKey
	used    bool
}

func newKeyCache(size int) *keyCache {
	return &keyCache{
		index:    make(map[string]int, size),
		slots:    make([]cacheSlot, size),
		gone:     make(map[string]struct{}, forgottenSize),
		goneRing: make([]string, forgottenSize),
	}
}

// get returns the cached key for wrapped under aad, or nil.
func (c *keyCache) get(wrapped, aad []byte) *dataKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	i, ok := c.index[string(wrapped)]
	if !ok || c.slots[i].aad != string(aad) {
		return nil
	}
	c.slots[i].used = true
	return c.slots[i].key
}

// put caches key under wrapped and aad and returns the key to use: the one
// already cached if another goroutine won the race, so that all callers share
// one AEAD.
func (c *keyCache) put(wrapped, aad []byte, key *dataKey) *dataKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, gone := c.gone[string(wrapped)]; gone || len(c.slots) == 0 {
		return key
	}
	if i, ok := c.index[string(wrapped)]; ok {
		if c.slots[i].aad == string(aad) {
			c.slots[i].used = true
			return c.slots[i].key
		}
		c.drop(i)
	}
	for c.slots[c.hand].used {
		c.slots[c.hand].used = false
		c.hand = (c.hand + 1) % len(c.slots)
	}
	i := c.hand
	c.drop(i)
	c.slots[i] = cacheSlot{wrapped: string(wrapped), aad: string(aad), key: key}
	c.index[c.slots[i].wrapped] = i
	c.hand = (i + 1) % len(c.slots)
	return key
}

// forget drops the cached key for wrapped, if any, and refuses to cache it
// again.
func (c *keyCache) forget(wrapped []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i, ok := c.index[string(wrapped)]; ok {
		c.drop(i)
	}
	if _, ok := c.gone[string(wrapped)]; ok {
		return
	}
	delete(c.gone, c.goneRing[c.goneNext])
	c.goneRing[c.goneNext] = string(wrapped)
	c.gone[c.goneRing[c.goneNext]] = struct{}{}
	c.goneNext = (c.goneNext + 1) % len(c.goneRing)
}

// drop empties slot i. The cache holds no raw key bytes to zero: they are
// cleared as soon as the AEAD is built, and the AES key schedule inside the
// AEAD (which contains the key) cannot be scrubbed from Go. Dropping the last
// reference is what erasure can do; requests still holding the DataKey keep a
// working one until they finish.
func (c *keyCache) drop(i int) {
	if c.slots[i].key != nil {
		delete(c.index, c.slots[i].wrapped)
	}
	c.slots[i] = cacheSlot{}
}
