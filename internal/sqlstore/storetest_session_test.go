package sqlstore

// The session cases of the conformance suite (runConformance).

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"

	"piivault/internal/vault"
)

// newSession returns a session record whose fields are distinct per seed;
// user "" leaves it unbound.
func newSession(seed, user string, exptime, when int64) *vault.SessionRecord {
	return &vault.SessionRecord{
		Key:       hash("session:" + seed),
		SealedID:  []byte("sealed-id-" + seed),
		DataKey:   []byte("wrapped-key-" + seed),
		Data:      []byte("sealed-data-" + seed),
		UserToken: user,
		ExpTime:   exptime,
		When:      when,
	}
}

func putSessions(t testing.TB, db *DB, sessions ...*vault.SessionRecord) {
	t.Helper()
	ctx := context.Background()
	for _, s := range sessions {
		if err := db.Update(ctx, func(tx vault.Tx) error { return tx.PutSession(ctx, s) }); err != nil {
			t.Fatalf("put session: %v", err)
		}
	}
}

func getSession(t testing.TB, db *DB, key string) *vault.SessionRecord {
	t.Helper()
	s, err := db.SessionByKey(context.Background(), key)
	if err != nil {
		t.Fatalf("get session: %v", err)
	}
	return s
}

func testSessionPutReplace(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	u := newUser(t, "owner")
	insert(t, db, u)
	a := newSession("a", u.Token, 2000, 1000)
	putSessions(t, db, a)
	if a.Seq <= 0 {
		t.Fatalf("seq after the first put: %d", a.Seq)
	}
	if got := getSession(t, db, a.Key); !reflect.DeepEqual(got, a) {
		t.Fatalf("got %+v, want %+v", got, a)
	}

	b := newSession("b", "", 2000, 1000)
	putSessions(t, db, b)
	// The replacement takes everything from the new write: data, keys,
	// binding (here: none), expiry, time, and a higher seq.
	a2 := newSession("a-again", "", 3000, 1000)
	a2.Key = a.Key
	putSessions(t, db, a2)
	if a2.Seq <= b.Seq || b.Seq <= a.Seq {
		t.Fatalf("seq does not rise with each write: %d, %d, %d", a.Seq, b.Seq, a2.Seq)
	}
	if got := getSession(t, db, a.Key); !reflect.DeepEqual(got, a2) {
		t.Fatalf("after replace: got %+v, want %+v", got, a2)
	}
	if rows, total, err := db.SessionsByUser(context.Background(), u.Token, 0, 0, 10); err != nil || total != 0 || len(rows) != 0 {
		t.Fatalf("the replaced session is still listed under its old user: %d rows, total %d, %v", len(rows), total, err)
	}

	ctx := context.Background()
	if _, err := db.SessionByKey(ctx, hash("nobody")); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("unknown key: got %v, want ErrNotFound", err)
	}
	for _, key := range []string{a.Key, hash("nobody")} { // deleting a missing session is fine
		if err := db.Update(ctx, func(tx vault.Tx) error { return tx.DeleteSession(ctx, key) }); err != nil {
			t.Fatalf("delete: %v", err)
		}
	}
	if _, err := db.SessionByKey(ctx, a.Key); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("deleted session: got %v, want ErrNotFound", err)
	}
	getSession(t, db, b.Key)
}

// testSessionConcurrentPut: writers of one id never fail, the stored
// session is exactly one of the written ones (never a mix of two), and a
// later write still gets a higher seq.
func testSessionConcurrentPut(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	ctx := context.Background()
	first := newSession("first", "", 5000, 1000)
	putSessions(t, db, first)
	const n = 64
	errs := make([]error, n)
	written := make([]*vault.SessionRecord, n)
	var wg sync.WaitGroup
	for i := range n {
		written[i] = newSession(fmt.Sprint("w", i), "", int64(6000+i), int64(1000+i))
		written[i].Key = first.Key
		wg.Go(func() {
			errs[i] = db.Update(ctx, func(tx vault.Tx) error { return tx.PutSession(ctx, written[i]) })
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d failed: %v", i, err)
		}
	}
	got := getSession(t, db, first.Key)
	i := slices.IndexFunc(written, func(w *vault.SessionRecord) bool { return string(w.Data) == string(got.Data) })
	if i < 0 {
		t.Fatalf("stored data %q is none of the written", got.Data)
	}
	w := written[i]
	if string(got.SealedID) != string(w.SealedID) || string(got.DataKey) != string(w.DataKey) ||
		got.ExpTime != w.ExpTime || got.When != w.When || got.Seq != w.Seq {
		t.Fatalf("stored session mixes writes: got %+v, want %+v", got, w)
	}
	last := newSession("last", "", 9000, 2000)
	last.Key = first.Key
	putSessions(t, db, last)
	for _, w := range written {
		if last.Seq <= w.Seq {
			t.Fatalf("seq %d of a later write is not above %d", last.Seq, w.Seq)
		}
	}
}

func testSessionsByUser(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	u, other := newUser(t, "u"), newUser(t, "other")
	insert(t, db, u, other)
	const now = 1500
	// Written out of key order; two share a second and keep commit order.
	s3 := newSession("s3", u.Token, 9000, 1003)
	s1a := newSession("s1a", u.Token, 9000, 1001)
	s1b := newSession("s1b", u.Token, 9000, 1001)
	s0 := newSession("s0", u.Token, 9000, 1000)
	s2 := newSession("s2", u.Token, now+1, 1002)
	expired := newSession("expired", u.Token, now, 999) // exptime == now is expired
	putSessions(t, db, s3, s1a, s1b, s0, s2, expired, newSession("x", other.Token, 9000, 1000), newSession("y", "", 9000, 1000))
	want := []*vault.SessionRecord{s0, s1a, s1b, s2, s3}
	ctx := context.Background()
	tests := []struct {
		offset, limit int
		want          []*vault.SessionRecord
	}{
		{0, 10, want},
		{0, 2, want[:2]},
		{2, 2, want[2:4]},
		{4, 2, want[4:]},
		{5, 2, nil},
		{9, 2, nil},
		{0, 0, nil},
	}
	for _, tc := range tests {
		got, total, err := db.SessionsByUser(ctx, u.Token, now, tc.offset, tc.limit)
		if err != nil || total != len(want) {
			t.Fatalf("offset %d limit %d: total %d, %v", tc.offset, tc.limit, total, err)
		}
		if got == nil || len(got) != len(tc.want) || (len(got) > 0 && !reflect.DeepEqual(got, tc.want)) {
			t.Fatalf("offset %d limit %d: got %v, want %v", tc.offset, tc.limit, keysOf(got), keysOf(tc.want))
		}
	}
	if got, total, err := db.SessionsByUser(ctx, newToken(t), now, 0, 10); err != nil || total != 0 || len(got) != 0 {
		t.Fatalf("user without sessions: %d rows, total %d, %v", len(got), total, err)
	}
}

func keysOf(ss []*vault.SessionRecord) []string {
	keys := make([]string, len(ss))
	for i, s := range ss {
		keys[i] = string(s.Data)
	}
	return keys
}

func testDeleteUserSessions(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	u, other := newUser(t, "u"), newUser(t, "other")
	insert(t, db, u, other)
	mine := []*vault.SessionRecord{newSession("a", u.Token, 9000, 1), newSession("b", u.Token, 9000, 1), newSession("old", u.Token, 1, 1)}
	theirs, unbound := newSession("c", other.Token, 9000, 1), newSession("d", "", 9000, 1)
	putSessions(t, db, append(mine, theirs, unbound)...)
	ctx := context.Background()
	var n int
	if err := db.Update(ctx, func(tx vault.Tx) error {
		var err error
		n, err = tx.DeleteUserSessions(ctx, u.Token)
		return err
	}); err != nil || n != len(mine) {
		t.Fatalf("deleted %d, %v; want %d (expired ones included)", n, err, len(mine))
	}
	for _, s := range mine {
		if _, err := db.SessionByKey(ctx, s.Key); !errors.Is(err, vault.ErrNotFound) {
			t.Fatalf("a deleted session remains: %v", err)
		}
	}
	getSession(t, db, theirs.Key)
	getSession(t, db, unbound.Key)
	if err := db.Update(ctx, func(tx vault.Tx) error {
		var err error
		n, err = tx.DeleteUserSessions(ctx, u.Token)
		return err
	}); err != nil || n != 0 {
		t.Fatalf("second delete: %d, %v", n, err)
	}
}

func testEraseRemovesSessions(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	u, other := newUser(t, "u"), newUser(t, "other")
	insert(t, db, u, other)
	mine, theirs := newSession("a", u.Token, 9000, 1), newSession("b", other.Token, 9000, 1)
	putSessions(t, db, mine, theirs)
	ctx := context.Background()
	if err := db.Update(ctx, func(tx vault.Tx) error { return tx.EraseUser(ctx, u.Token, 1800000000) }); err != nil {
		t.Fatalf("erase: %v", err)
	}
	if _, err := db.SessionByKey(ctx, mine.Key); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("the erased user's session remains: %v", err)
	}
	getSession(t, db, theirs.Key)
	// A failed erasure (unknown user) removes nothing.
	err := db.Update(ctx, func(tx vault.Tx) error { return tx.EraseUser(ctx, newToken(t), 1800000000) })
	if !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("erase of a missing user: %v", err)
	}
	getSession(t, db, theirs.Key)
}

func testSweepSessions(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	const now = 5000
	var live []*vault.SessionRecord
	for i := range 7 {
		putSessions(t, db, newSession(fmt.Sprint("dead", i), "", now-int64(i), 1)) // exptime == now included
	}
	for i := range 3 {
		s := newSession(fmt.Sprint("live", i), "", now+1+int64(i), 1)
		live = append(live, s)
		putSessions(t, db, s)
	}
	ctx := context.Background()
	for _, want := range []int{3, 3, 1, 0} {
		var n int
		if err := db.Update(ctx, func(tx vault.Tx) error {
			var err error
			n, err = tx.DeleteExpiredSessions(ctx, now, 3)
			return err
		}); err != nil || n != want {
			t.Fatalf("sweep: %d, %v; want %d", n, err, want)
		}
	}
	for _, s := range live {
		getSession(t, db, s.Key)
	}
}
