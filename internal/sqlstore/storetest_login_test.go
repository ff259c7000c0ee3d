package sqlstore

// The login-code and login-token contract (vault.LoginReader, LoginWriter)
// on every dialect.

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"piivault/internal/vault"
)

func TestLoginConformance(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, db *DB)
	}{
		{"a login code is stored, counted and deleted", testLoginCodeLifecycle},
		{"a second pending code for one user conflicts", testLoginCodeDuplicate},
		{"a login token is found by its hash only", testLoginTokenInsertAndGet},
		{"erasing a user deletes their code and tokens, nobody else's", testEraseRemovesLogin},
		{"expired codes and tokens are swept in bounded batches", testSweepLogin},
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t, b.fresh(t))) })
			}
		})
	}
}

func loginUpdate(t testing.TB, db *DB, fn func(ctx context.Context, tx vault.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := db.Update(ctx, func(tx vault.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatalf("update: %v", err)
	}
}

func newLoginCode(user string, exptime int64) *vault.LoginCodeRecord {
	return &vault.LoginCodeRecord{UserToken: user, Hash: hash("code:" + user), ExpTime: exptime, Created: 1700000000}
}

func newLoginToken(seed, user string, exptime int64) *vault.LoginTokenRecord {
	return &vault.LoginTokenRecord{Hash: hash("login-token:" + seed), UserToken: user, ExpTime: exptime, Created: 1700000000}
}

func testLoginCodeLifecycle(t *testing.T, db *DB) {
	ctx := context.Background()
	user := newToken(t)
	want := newLoginCode(user, 4000)
	loginUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.InsertLoginCode(ctx, want) })
	got, err := db.LoginCodeByUser(ctx, user)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %v; want %+v", got, err, want)
	}
	loginUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.SetLoginCodeAttempts(ctx, user, 3) })
	if got, err := db.LoginCodeByUser(ctx, user); err != nil || got.Attempts != 3 {
		t.Fatalf("after counting: %+v, %v", got, err)
	}
	loginUpdate(t, db, func(ctx context.Context, tx vault.Tx) error {
		if err := tx.DeleteLoginCode(ctx, user); err != nil {
			return err
		}
		// Deleting and counting what is not there are no errors.
		if err := tx.DeleteLoginCode(ctx, user); err != nil {
			return err
		}
		return tx.SetLoginCodeAttempts(ctx, user, 1)
	})
	_, err = db.LoginCodeByUser(ctx, user)
	wantCode(t, err, vault.ENOTFOUND, "not found")
}

func testLoginCodeDuplicate(t *testing.T, db *DB) {
	ctx := context.Background()
	user := newToken(t)
	loginUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.InsertLoginCode(ctx, newLoginCode(user, 4000)) })
	err := db.Update(ctx, func(tx vault.Tx) error { return tx.InsertLoginCode(ctx, newLoginCode(user, 5000)) })
	wantCode(t, err, vault.ECONFLICT, "")
	if got, err := db.LoginCodeByUser(ctx, user); err != nil || got.ExpTime != 4000 {
		t.Fatalf("the first code must stay: %+v, %v", got, err)
	}
}

func testLoginTokenInsertAndGet(t *testing.T, db *DB) {
	ctx := context.Background()
	want := newLoginToken("a", newToken(t), 4000)
	loginUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.InsertLoginToken(ctx, want) })
	got, err := db.LoginTokenByHash(ctx, want.Hash)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %v; want %+v", got, err, want)
	}
	_, err = db.LoginTokenByHash(ctx, hash("login-token:other"))
	wantCode(t, err, vault.ENOTFOUND, "not found")
	err = db.Update(ctx, func(tx vault.Tx) error { return tx.InsertLoginToken(ctx, newLoginToken("a", newToken(t), 9)) })
	wantCode(t, err, vault.ECONFLICT, "")
}

func testEraseRemovesLogin(t *testing.T, db *DB) {
	ctx := context.Background()
	gone, kept := newUser(t, "gone"), newUser(t, "kept")
	insert(t, db, gone, kept)
	loginUpdate(t, db, func(ctx context.Context, tx vault.Tx) error {
		for _, u := range []*vault.UserRecord{gone, kept} {
			if err := tx.InsertLoginCode(ctx, newLoginCode(u.Token, 4000)); err != nil {
				return err
			}
			for i := range 2 {
				if err := tx.InsertLoginToken(ctx, newLoginToken(fmt.Sprint(u.Token, i), u.Token, 4000)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	loginUpdate(t, db, func(ctx context.Context, tx vault.Tx) error { return tx.EraseUser(ctx, gone.Token, 1700000001) })
	_, err := db.LoginCodeByUser(ctx, gone.Token)
	wantCode(t, err, vault.ENOTFOUND, "")
	for i := range 2 {
		_, err := db.LoginTokenByHash(ctx, hash("login-token:"+fmt.Sprint(gone.Token, i)))
		wantCode(t, err, vault.ENOTFOUND, "")
		if _, err := db.LoginTokenByHash(ctx, hash("login-token:"+fmt.Sprint(kept.Token, i))); err != nil {
			t.Fatalf("another user's token: %v", err)
		}
	}
	if _, err := db.LoginCodeByUser(ctx, kept.Token); err != nil {
		t.Fatalf("another user's code: %v", err)
	}
}

func testSweepLogin(t *testing.T, db *DB) {
	ctx := context.Background()
	const now = 5000
	var liveUsers []string
	loginUpdate(t, db, func(ctx context.Context, tx vault.Tx) error {
		for i := range 7 {
			u := newToken(t)
			if err := tx.InsertLoginCode(ctx, newLoginCode(u, now-int64(i))); err != nil { // exptime == now included
				return err
			}
			if err := tx.InsertLoginToken(ctx, newLoginToken(u, u, now-int64(i))); err != nil {
				return err
			}
		}
		for i := range 3 {
			u := newToken(t)
			liveUsers = append(liveUsers, u)
			if err := tx.InsertLoginCode(ctx, newLoginCode(u, now+1+int64(i))); err != nil {
				return err
			}
			if err := tx.InsertLoginToken(ctx, newLoginToken(u, u, now+1+int64(i))); err != nil {
				return err
			}
		}
		return nil
	})
	for name, del := range map[string]func(vault.Tx) (int, error){
		"codes":  func(tx vault.Tx) (int, error) { return tx.DeleteExpiredLoginCodes(ctx, now, 3) },
		"tokens": func(tx vault.Tx) (int, error) { return tx.DeleteExpiredLoginTokens(ctx, now, 3) },
	} {
		for _, want := range []int{3, 3, 1, 0} {
			var n int
			loginUpdate(t, db, func(ctx context.Context, tx vault.Tx) error {
				var err error
				n, err = del(tx)
				return err
			})
			if n != want {
				t.Fatalf("sweep %s: %d, want %d", name, n, want)
			}
		}
	}
	for _, u := range liveUsers {
		if _, err := db.LoginCodeByUser(ctx, u); err != nil {
			t.Fatalf("a live code was swept: %v", err)
		}
		if _, err := db.LoginTokenByHash(ctx, hash("login-token:"+u)); err != nil {
			t.Fatalf("a live token was swept: %v", err)
		}
	}
}
