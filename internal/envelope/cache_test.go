package envelope

import (
	"bytes"
	"fmt"
	"testing"

	"piivault/internal/vault"
)

// holds reports whether any slot of c refers to key, and checks that the
// index and the slots agree. It is the test's view into the cache.
func (c *keyCache) holds(t *testing.T, key *dataKey) bool {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for w, i := range c.index {
		if c.slots[i].wrapped != w || c.slots[i].key == nil {
			t.Fatalf("index and slot %d disagree", i)
		}
	}
	found := false
	for i, s := range c.slots {
		if s.key == nil && (s.wrapped != "" || s.aad != "" || s.used) {
			t.Fatalf("empty slot %d keeps material", i)
		}
		found = found || s.key == key
	}
	return found
}

func TestForgetDataKey(t *testing.T) {
	k, _ := newTestKeyring(t, testMaster(1))
	aad := vault.AAD("users", "datakey", "u1")
	created, wrapped, err := k.NewDataKey(aad)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := k.OpenDataKey(wrapped, aad)
	if err != nil {
		t.Fatal(err)
	}
	if opened != created {
		t.Fatal("OpenDataKey right after NewDataKey did not answer from the cache")
	}
	k.ForgetDataKey(wrapped)
	if k.cache.holds(t, created.(*dataKey)) {
		t.Error("the cache still holds the key after ForgetDataKey")
	}
	again, err := k.OpenDataKey(wrapped, aad)
	if err != nil {
		t.Fatal(err)
	}
	if again == created {
		t.Error("OpenDataKey after ForgetDataKey returned the forgotten copy")
	}
	if k.cache.holds(t, again.(*dataKey)) {
		t.Error("a request finishing after ForgetDataKey put the key back in the cache")
	}
	k.ForgetDataKey([]byte("never cached")) // must be harmless
}

func TestForgottenKeysAreRememberedBoundedly(t *testing.T) {
	c := newKeyCache(4)
	for i := range 3 * forgottenSize {
		c.forget([]byte(fmt.Sprint(i)))
	}
	if len(c.gone) != forgottenSize {
		t.Errorf("remembers %d erasures, want %d", len(c.gone), forgottenSize)
	}
	if _, ok := c.gone[fmt.Sprint(3*forgottenSize-1)]; !ok {
		t.Error("the latest erasure is not remembered")
	}
}

func TestRawKeyBytesAreCleared(t *testing.T) {
	raw := bytes.Repeat([]byte{0xa5}, keySize)
	if _, err := newDataKey(raw); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, make([]byte, keySize)) {
		t.Errorf("raw key left as %x after building its AEAD", raw)
	}
}

func TestCacheIsBounded(t *testing.T) {
	k, _ := newTestKeyring(t, testMaster(1))
	k.cache = newKeyCache(4)
	keys := make([]*dataKey, 10)
	wrapped := make([][]byte, 10)
	for i := range keys {
		dk, w, err := k.NewDataKey([]byte(fmt.Sprint(i)))
		if err != nil {
			t.Fatal(err)
		}
		keys[i], wrapped[i] = dk.(*dataKey), w
	}
	if n := len(k.cache.index); n != 4 {
		t.Errorf("cache holds %d keys, want 4", n)
	}
	for i := range 6 {
		if k.cache.holds(t, keys[i]) {
			t.Errorf("key %d, among the oldest, was not evicted", i)
		}
	}
	t.Run("a recently used key survives the next eviction", func(t *testing.T) {
		if k.cache.get(wrapped[6], []byte("6")) == nil {
			t.Fatal("key 6 not cached")
		}
		if _, _, err := k.NewDataKey([]byte("new")); err != nil {
			t.Fatal(err)
		}
		if !k.cache.holds(t, keys[6]) {
			t.Error("key 6 was evicted although just used")
		}
		if k.cache.holds(t, keys[7]) {
			t.Error("key 7, unused and next in line, was kept")
		}
	})
	t.Run("evicted keys still open", func(t *testing.T) {
		dk, err := k.OpenDataKey(wrapped[0], []byte("0"))
		if err != nil {
			t.Fatal(err)
		}
		ct := keys[0].Seal([]byte("x"), nil)
		if _, err := dk.Open(ct, nil); err != nil {
			t.Errorf("reopened key differs: %v", err)
		}
	})
}
