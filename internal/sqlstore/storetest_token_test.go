package sqlstore

// The vault-token cases of the conformance suite (runConformance).

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"

	"piivault/internal/vault"
)

// newTokenRecord returns a token record distinct per seed; unique "" makes
// a token that is not unique.
func newTokenRecord(seed, unique string, exptime int64) *vault.TokenRecord {
	return &vault.TokenRecord{
		Key:         hash("vtoken:" + seed),
		SealedToken: []byte("sealed-token-" + seed),
		DataKey:     []byte("wrapped-key-" + seed),
		Value:       []byte("sealed-value-" + seed),
		Format:      "creditcard",
		Unique:      unique,
		ExpTime:     exptime,
		Created:     1700000000,
	}
}

func insertTokens(t testing.TB, db *DB, toks ...*vault.TokenRecord) {
	t.Helper()
	ctx := context.Background()
	if err := db.Update(ctx, func(tx vault.Tx) error {
		for _, tok := range toks {
			if err := tx.InsertToken(ctx, tok); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("insert tokens: %v", err)
	}
}

func testTokenInsertAndGet(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	plain, uniq := newTokenRecord("plain", "", 0), newTokenRecord("uniq", hash("uniq-value"), 4000)
	insertTokens(t, db, plain, uniq, newTokenRecord("another-plain", "", 0)) // two NULL uniq_idx coexist
	ctx := context.Background()
	for _, want := range []*vault.TokenRecord{plain, uniq} {
		got, err := db.TokenByKey(ctx, want.Key)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("by key: got %+v, %v; want %+v", got, err, want)
		}
	}
	if got, err := db.TokenByUnique(ctx, uniq.Unique); err != nil || !reflect.DeepEqual(got, uniq) {
		t.Fatalf("by unique: got %+v, %v", got, err)
	}
	for name, call := range map[string]func() error{
		"unknown key":    func() error { _, err := db.TokenByKey(ctx, hash("nope")); return err },
		"unknown unique": func() error { _, err := db.TokenByUnique(ctx, hash("nope")); return err },
		"empty unique":   func() error { _, err := db.TokenByUnique(ctx, ""); return err },
		"delete unknown": func() error {
			return db.Update(ctx, func(tx vault.Tx) error { return tx.DeleteToken(ctx, hash("nope")) })
		},
	} {
		if err := call(); !errors.Is(err, vault.ErrNotFound) {
			t.Fatalf("%s: got %v, want ErrNotFound", name, err)
		}
	}
	if err := db.Update(ctx, func(tx vault.Tx) error { return tx.DeleteToken(ctx, uniq.Key) }); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := db.TokenByUnique(ctx, uniq.Unique); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("deleted token still found by unique: %v", err)
	}
	// Its unique index is free again.
	insertTokens(t, db, newTokenRecord("uniq-2", uniq.Unique, 0))
}

func testTokenDuplicates(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	a := newTokenRecord("a", hash("a-value"), 0)
	insertTokens(t, db, a)
	ctx := context.Background()
	sameKey := newTokenRecord("b", "", 0)
	sameKey.Key = a.Key
	sameUnique := newTokenRecord("c", a.Unique, 0)
	for name, tok := range map[string]*vault.TokenRecord{"key": sameKey, "unique": sameUnique} {
		err := db.Update(ctx, func(tx vault.Tx) error { return tx.InsertToken(ctx, tok) })
		wantCode(t, err, vault.ECONFLICT, "duplicate token")
		if name == "unique" {
			if _, err := db.TokenByKey(ctx, tok.Key); !errors.Is(err, vault.ErrNotFound) {
				t.Fatalf("the refused token was stored: %v", err)
			}
		}
	}
	// Of concurrent inserts claiming one unique index exactly one wins.
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			tok := newTokenRecord(fmt.Sprint("race", i), hash("race-value"), 0)
			errs[i] = db.Update(ctx, func(tx vault.Tx) error { return tx.InsertToken(ctx, tok) })
		})
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
			continue
		}
		wantCode(t, err, vault.ECONFLICT, "duplicate token")
	}
	if wins != 1 {
		t.Fatalf("%d unique inserts won, want exactly 1", wins)
	}
}

// testTokensByKeys covers more keys than one statement takes, missing keys
// and repeated keys.
func testTokensByKeys(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	var stored []*vault.TokenRecord
	for i := range 2*tokenChunk + 10 {
		stored = append(stored, newTokenRecord(fmt.Sprint("t", i), "", int64(i%3)))
	}
	insertTokens(t, db, stored...)
	var keys, wantKeys []string
	for i, tok := range stored {
		if i%2 == 0 {
			keys = append(keys, tok.Key)
			wantKeys = append(wantKeys, tok.Key)
		}
		keys = append(keys, hash(fmt.Sprint("missing", i)))
	}
	keys = append(keys, stored[0].Key) // asked twice, returned once
	ctx := context.Background()
	got, err := db.TokensByKeys(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	gotKeys := make([]string, len(got))
	for i, tok := range got {
		gotKeys[i] = tok.Key
	}
	sort.Strings(gotKeys)
	sort.Strings(wantKeys)
	if !reflect.DeepEqual(gotKeys, wantKeys) {
		t.Fatalf("got %d tokens, want %d", len(gotKeys), len(wantKeys))
	}
	for _, tok := range got {
		if want, _ := db.TokenByKey(ctx, tok.Key); !reflect.DeepEqual(tok, want) {
			t.Fatalf("bulk row %+v differs from %+v", tok, want)
		}
	}
	if got, err := db.TokensByKeys(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("no keys: %v, %v", got, err)
	}
}

func testSweepTokens(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	const now = 5000
	var dead, kept []*vault.TokenRecord
	for i := range 5 {
		dead = append(dead, newTokenRecord(fmt.Sprint("dead", i), "", now-int64(i))) // exptime == now included
	}
	kept = append(kept, newTokenRecord("never", "", 0), newTokenRecord("live", hash("u"), now+1))
	insertTokens(t, db, append(dead, kept...)...)
	ctx := context.Background()
	for _, want := range []int{2, 2, 1, 0} {
		var n int
		if err := db.Update(ctx, func(tx vault.Tx) error {
			var err error
			n, err = tx.DeleteExpiredTokens(ctx, now, 2)
			return err
		}); err != nil || n != want {
			t.Fatalf("sweep: %d, %v; want %d", n, err, want)
		}
	}
	for _, tok := range dead {
		if _, err := db.TokenByKey(ctx, tok.Key); !errors.Is(err, vault.ErrNotFound) {
			t.Fatalf("expired token survived the sweep: %v", err)
		}
	}
	for _, tok := range kept {
		if _, err := db.TokenByKey(ctx, tok.Key); err != nil {
			t.Fatalf("a live token was swept: %v", err)
		}
	}
}
