package sqlstore

// The contracts of app records, requests, shared records and expirations
// (vault.AppReader/Writer, RequestReader/Writer, ShareReader/Writer,
// ExpirationReader/Writer) on every dialect, and what erasure does to them.

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"piivault/internal/vault"
)

func TestGDPRConformance(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, db *DB)
	}{
		{"app records are put, replaced keeping their creation time, listed in byte order and deleted", testAppRecords},
		{"app names are distinct, sorted and of live users only", testAppNames},
		{"one open request per kind; closing frees the kind", testRequestOpenKey},
		{"requests are listed by status and by user, oldest first, paged", testRequestLists},
		{"shares are found by key, listed live and oldest first, deleted and swept in batches", testShares},
		{"expirations are replaced, found by link key, read in bulk and listed when due", testExpirations},
		{"erasure removes app records, shares and the schedule and cancels open requests", testEraseGDPRRecords},
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t, b.fresh(t))) })
			}
		})
	}
}

func gdprUpdate(t testing.TB, db *DB, fn func(ctx context.Context, tx vault.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := db.Update(ctx, func(tx vault.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatalf("update: %v", err)
	}
}

func testAppRecords(t *testing.T, db *DB) {
	ctx := context.Background()
	u := newUser(t, "apps")
	insert(t, db, u)
	for i, name := range []string{"ab", "a_b", "a1"} {
		rec := &vault.AppRecord{UserToken: u.Token, App: name, Data: []byte("sealed-" + name), Created: int64(100 + i), Updated: int64(100 + i)}
		gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.PutAppRecord(ctx, rec) })
	}
	repl := &vault.AppRecord{UserToken: u.Token, App: "ab", Data: []byte("sealed-ab-2"), Created: 999, Updated: 200}
	gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.PutAppRecord(ctx, repl) })
	got, err := db.AppRecord(ctx, u.Token, "ab")
	want := &vault.AppRecord{UserToken: u.Token, App: "ab", Data: []byte("sealed-ab-2"), Created: 100, Updated: 200}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("replaced record: got %+v, %v; want %+v", got, err, want)
	}
	all, err := db.AppRecords(ctx, u.Token)
	var names []string
	for _, a := range all {
		names = append(names, a.App)
	}
	if err != nil || !slices.Equal(names, []string{"a1", "a_b", "ab"}) {
		t.Fatalf("list: %v, %v; want byte order", names, err)
	}
	if _, err := db.AppRecord(ctx, u.Token, "zz"); !isNotFound(err) {
		t.Fatalf("missing record: %v", err)
	}
	gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.DeleteAppRecord(ctx, u.Token, "ab") })
	err = db.Update(ctx, func(tx vault.Tx) error { return tx.DeleteAppRecord(ctx, u.Token, "ab") })
	if !isNotFound(err) {
		t.Fatalf("deleting a missing record: %v", err)
	}
}

func testAppNames(t *testing.T, db *DB) {
	ctx := context.Background()
	a, b, gone := newUser(t, "names-a"), newUser(t, "names-b"), newUser(t, "names-gone")
	insert(t, db, a, b, gone)
	put := func(user, app string) {
		gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error {
			return tx.PutAppRecord(ctx, &vault.AppRecord{UserToken: user, App: app, Data: []byte("x")})
		})
	}
	put(a.Token, "shop")
	put(b.Token, "shop")
	put(b.Token, "a_z")
	put(gone.Token, "secret_app")
	gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.EraseUser(ctx, gone.Token, 1700000100) })
	names, err := db.AppNames(ctx)
	if err != nil || !slices.Equal(names, []string{"a_z", "shop"}) {
		t.Fatalf("names: %v, %v", names, err)
	}
}

func newRequest(user, action, app string, created int64) *vault.RequestRecord {
	return &vault.RequestRecord{RToken: vault.NewUUID(), UserToken: user, Action: action, App: app, Method: "POST",
		Change: []byte("sealed-change"), Status: vault.RequestOpen, Created: created, When: created}
}

func testRequestOpenKey(t *testing.T, db *DB) {
	ctx := context.Background()
	u := newToken(t)
	first := newRequest(u, vault.ActionChangeAppData, "shop", 1)
	gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.InsertRequest(ctx, first) })
	got, err := db.OpenRequest(ctx, u, vault.ActionChangeAppData, "shop", "")
	if err != nil || !reflect.DeepEqual(got, first) {
		t.Fatalf("open request: %+v, %v; want %+v", got, err, first)
	}
	err = db.Update(ctx, func(tx vault.Tx) error {
		return tx.InsertRequest(ctx, newRequest(u, vault.ActionChangeAppData, "shop", 2))
	})
	if vault.ErrorCode(err) != vault.ECONFLICT {
		t.Fatalf("a second open request of one kind: %v", err)
	}
	other := newRequest(u, vault.ActionChangeAppData, "billing", 3)
	gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.InsertRequest(ctx, other) })
	first.Status, first.Reason, first.Note, first.When = vault.RequestApproved, []byte("sealed-reason"), "", 9
	gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.CloseRequest(ctx, first) })
	if got, err := db.RequestByToken(ctx, first.RToken); err != nil || !reflect.DeepEqual(got, first) {
		t.Fatalf("closed request: %+v, %v; want %+v", got, err, first)
	}
	if err := db.Update(ctx, func(tx vault.Tx) error { return tx.CloseRequest(ctx, first) }); !isNotFound(err) {
		t.Fatalf("closing a closed request: %v", err)
	}
	if _, err := db.OpenRequest(ctx, u, vault.ActionChangeAppData, "shop", ""); !isNotFound(err) {
		t.Fatalf("no open request of the closed kind: %v", err)
	}
	gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error {
		return tx.InsertRequest(ctx, newRequest(u, vault.ActionChangeAppData, "shop", 4))
	})
}

func testRequestLists(t *testing.T, db *DB) {
	ctx := context.Background()
	a, b := newToken(t), newToken(t)
	var all []*vault.RequestRecord
	for i := range 5 {
		user := a
		if i%2 == 1 {
			user = b
		}
		q := newRequest(user, vault.ActionChangeAppData, fmt.Sprintf("app%d", i), int64(10-i)) // creation order, not time, orders
		all = append(all, q)
		gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.InsertRequest(ctx, q) })
	}
	all[2].Status, all[2].When = vault.RequestCanceled, 20
	gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.CloseRequest(ctx, all[2]) })
	rtokens := func(qs []*vault.RequestRecord) []string {
		var out []string
		for _, q := range qs {
			out = append(out, q.RToken)
		}
		return out
	}
	open, total, err := db.RequestsByStatus(ctx, vault.RequestOpen, 1, 2)
	if err != nil || total != 4 || !slices.Equal(rtokens(open), []string{all[1].RToken, all[3].RToken}) {
		t.Fatalf("open page: %v total %d, %v", rtokens(open), total, err)
	}
	mine, total, err := db.RequestsByUser(ctx, a, 0, 10)
	if err != nil || total != 3 || !slices.Equal(rtokens(mine), []string{all[0].RToken, all[2].RToken, all[4].RToken}) {
		t.Fatalf("a's requests: %v total %d, %v", rtokens(mine), total, err)
	}
	if none, total, err := db.RequestsByStatus(ctx, vault.RequestApproved, 0, 10); err != nil || total != 0 || len(none) != 0 {
		t.Fatalf("approved: %d rows, total %d, %v", len(none), total, err)
	}
}

func testShares(t *testing.T, db *DB) {
	ctx := context.Background()
	u := newToken(t)
	var shares []*vault.ShareRecord
	for i := range 7 {
		s := &vault.ShareRecord{Key: hash(fmt.Sprint("share", u, i)), SealedRecord: []byte("sealed-id"), UserToken: u,
			Target: vault.ShareProfile, Spec: []byte("sealed-spec"), ExpTime: int64(100 + i), Created: int64(i)}
		if i == 1 {
			s.Target, s.SessionKey = vault.ShareSession, hash("session")
		}
		shares = append(shares, s)
		gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.InsertShare(ctx, s) })
	}
	if got, err := db.ShareByKey(ctx, shares[1].Key); err != nil || !reflect.DeepEqual(got, shares[1]) {
		t.Fatalf("share: %+v, %v; want %+v", got, err, shares[1])
	}
	live, err := db.SharesByUser(ctx, u, 104)
	if err != nil || len(live) != 2 || live[0].Key != shares[5].Key || live[1].Key != shares[6].Key {
		t.Fatalf("live at 104: %d, %v", len(live), err)
	}
	gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.DeleteShare(ctx, shares[6].Key) })
	if err := db.Update(ctx, func(tx vault.Tx) error { return tx.DeleteShare(ctx, shares[6].Key) }); !isNotFound(err) {
		t.Fatalf("deleting a deleted share: %v", err)
	}
	var n1, n2 int
	gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) (err error) {
		n1, err = tx.DeleteExpiredShares(ctx, 104, 3)
		return
	})
	gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) (err error) {
		n2, err = tx.DeleteExpiredShares(ctx, 104, 3)
		return
	})
	if n1 != 3 || n2 != 2 {
		t.Fatalf("swept %d then %d, want 3 then 2", n1, n2)
	}
	if _, err := db.ShareByKey(ctx, shares[5].Key); err != nil {
		t.Fatalf("a live share was swept: %v", err)
	}
}

func testExpirations(t *testing.T, db *DB) {
	ctx := context.Background()
	var tokens []string
	for i := range 130 { // more than one ExpirationsOf chunk
		tok := newToken(t)
		tokens = append(tokens, tok)
		if i%2 == 0 {
			e := &vault.ExpirationRecord{UserToken: tok, ExpTime: int64(1000 - i), Status: vault.ExpWait, TokenKey: hash("exp" + tok), SealedToken: []byte("sealed")}
			gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.PutExpiration(ctx, e) })
		}
	}
	retained := &vault.ExpirationRecord{UserToken: tokens[0], Status: vault.ExpRetain}
	gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.PutExpiration(ctx, retained) })
	if got, err := db.Expiration(ctx, tokens[0]); err != nil || !reflect.DeepEqual(got, retained) {
		t.Fatalf("replaced schedule: %+v, %v", got, err)
	}
	if _, err := db.ExpirationByKey(ctx, hash("exp"+tokens[0])); !isNotFound(err) {
		t.Fatalf("the replaced link key still finds it: %v", err)
	}
	if got, err := db.ExpirationByKey(ctx, hash("exp"+tokens[2])); err != nil || got.UserToken != tokens[2] {
		t.Fatalf("by link key: %+v, %v", got, err)
	}
	m, err := db.ExpirationsOf(ctx, tokens)
	if err != nil || len(m) != 65 || m[tokens[128]] == nil || m[tokens[1]] != nil {
		t.Fatalf("bulk: %d schedules, %v", len(m), err)
	}
	due, err := db.DueExpirations(ctx, 1000-124, 2) // users 124, 126, 128 are due; earliest first
	if err != nil || !slices.Equal(due, []string{tokens[128], tokens[126]}) {
		t.Fatalf("due: %v, %v", due, err)
	}
	gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.DeleteExpiration(ctx, tokens[128]) })
	gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.DeleteExpiration(ctx, tokens[128]) })
	if _, err := db.Expiration(ctx, tokens[128]); !isNotFound(err) {
		t.Fatalf("deleted schedule: %v", err)
	}
}

func testEraseGDPRRecords(t *testing.T, db *DB) {
	ctx := context.Background()
	u, other := newUser(t, "erase-gdpr"), newUser(t, "keep-gdpr")
	insert(t, db, u, other)
	open := newRequest(u.Token, vault.ActionForgetMe, "", 1)
	done := newRequest(u.Token, vault.ActionChangeProfile, "", 2)
	keep := newRequest(other.Token, vault.ActionForgetMe, "", 3)
	gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error {
		for _, user := range []string{u.Token, other.Token} {
			if err := tx.PutAppRecord(ctx, &vault.AppRecord{UserToken: user, App: "shop", Data: []byte("x")}); err != nil {
				return err
			}
			if err := tx.InsertShare(ctx, &vault.ShareRecord{Key: hash("s" + user), SealedRecord: []byte("r"), UserToken: user,
				Target: vault.ShareProfile, Spec: []byte("s"), ExpTime: 9e9}); err != nil {
				return err
			}
			if err := tx.PutExpiration(ctx, &vault.ExpirationRecord{UserToken: user, ExpTime: 5, Status: vault.ExpWait}); err != nil {
				return err
			}
		}
		for _, q := range []*vault.RequestRecord{open, done, keep} {
			if err := tx.InsertRequest(ctx, q); err != nil {
				return err
			}
		}
		done.Status, done.Reason, done.When = vault.RequestApproved, []byte("sealed-reason"), 3
		return tx.CloseRequest(ctx, done)
	})
	gdprUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.EraseUser(ctx, u.Token, 1700000500) })
	if _, err := db.AppRecord(ctx, u.Token, "shop"); !isNotFound(err) {
		t.Errorf("app record after erasure: %v", err)
	}
	if _, err := db.ShareByKey(ctx, hash("s"+u.Token)); !isNotFound(err) {
		t.Errorf("share after erasure: %v", err)
	}
	if _, err := db.Expiration(ctx, u.Token); !isNotFound(err) {
		t.Errorf("schedule after erasure: %v", err)
	}
	got, err := db.RequestByToken(ctx, open.RToken)
	if err != nil || got.Status != vault.RequestCanceled || got.Note != vault.NoteUserErased || got.When != 1700000500 || got.Change != nil {
		t.Errorf("the open request after erasure: %+v, %v", got, err)
	}
	if got, err := db.RequestByToken(ctx, done.RToken); err != nil || got.Status != vault.RequestApproved || got.Reason != nil || got.Change != nil {
		t.Errorf("the approved request after erasure: %+v, %v", got, err)
	}
	if _, err := db.AppRecord(ctx, other.Token, "shop"); err != nil {
		t.Errorf("another user's record went too: %v", err)
	}
	if got, err := db.RequestByToken(ctx, keep.RToken); err != nil || got.Status != vault.RequestOpen || got.Change == nil {
		t.Errorf("another user's request changed: %+v, %v", got, err)
	}
	if _, err := db.Expiration(ctx, other.Token); err != nil {
		t.Errorf("another user's schedule went too: %v", err)
	}
}
