package sqlstore

// The user cases of the conformance suite (runConformance).

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"piivault/internal/vault"
)

func testInsertAndGet(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	u := newUser(t, "alice")
	insert(t, db, u, newUser(t, "bob"))
	ctx := context.Background()
	got, err := db.UserByToken(ctx, u.Token)
	if err != nil {
		t.Fatalf("by token: %v", err)
	}
	if !reflect.DeepEqual(got, u) {
		t.Fatalf("by token: got %+v, want %+v", got, u)
	}
	for _, f := range vault.IndexFields {
		got, err := db.UserByIndex(ctx, f, u.Index.Get(f))
		if err != nil {
			t.Fatalf("by %s: %v", f, err)
		}
		if !reflect.DeepEqual(got, u) {
			t.Fatalf("by %s: got %+v, want %+v", f, got, u)
		}
	}
	// Inside a transaction the reads go through it and see its writes.
	v := newUser(t, "carol")
	err = db.Update(ctx, func(tx vault.Tx) error {
		if err := tx.InsertUser(ctx, v); err != nil {
			return err
		}
		if _, err := tx.UserByIndex(ctx, vault.ModeEmail, v.Index.Email); err != nil {
			return err
		}
		users, total, err := tx.ListUsers(ctx, 0, 10)
		if err != nil || total != 3 || len(users) != 3 {
			return fmt.Errorf("list in tx: %d users, total %d, %v", len(users), total, err)
		}
		_, err = tx.UserByToken(ctx, v.Token)
		return err
	})
	if err != nil {
		t.Fatalf("read own writes: %v", err)
	}
}

func testNotFound(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	u := newUser(t, "alice")
	insert(t, db, u)
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
	}{
		{"unknown token", func() error { _, err := db.UserByToken(ctx, newToken(t)); return err }},
		{"unknown email", func() error { _, err := db.UserByIndex(ctx, vault.ModeEmail, hash("nobody")); return err }},
		{"empty hash", func() error { _, err := db.UserByIndex(ctx, vault.ModeEmail, ""); return err }},
		{"a hash of another field", func() error { _, err := db.UserByIndex(ctx, vault.ModePhone, u.Index.Email); return err }},
		{"update of a missing user", func() error {
			return db.Update(ctx, func(tx vault.Tx) error { return tx.UpdateUser(ctx, newUser(t, "ghost")) })
		}},
		{"erase of a missing user", func() error {
			return db.Update(ctx, func(tx vault.Tx) error { return tx.EraseUser(ctx, newToken(t), 1) })
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, vault.ErrNotFound) {
				t.Fatalf("got %v, want ErrNotFound", err)
			}
			wantCode(t, err, vault.ENOTFOUND, "not found")
		})
	}
	if _, err := db.UserByIndex(ctx, vault.ModeToken, u.Token); !errors.Is(err, vault.ErrBadMode) {
		t.Fatalf("by token mode: got %v, want ErrBadMode", err)
	}
}

func testInsertDuplicate(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	a, b := newUser(t, "a"), newUser(t, "b")
	insert(t, db, a, b)
	tests := []struct {
		name  string
		index vault.Index
		field string
	}{
		{"login", vault.Index{Login: a.Index.Login}, "login"},
		{"email", vault.Index{Email: a.Index.Email}, "email"},
		{"phone", vault.Index{Phone: a.Index.Phone}, "phone"},
		{"custom", vault.Index{Custom: a.Index.Custom}, "custom"},
		{"email before phone", vault.Index{Email: b.Index.Email, Phone: a.Index.Phone}, "email"},
		{"login before custom of another user", vault.Index{Login: b.Index.Login, Custom: a.Index.Custom}, "login"},
		{"phone before custom", vault.Index{Login: hash("new"), Phone: a.Index.Phone, Custom: b.Index.Custom}, "phone"},
	}
	ctx := context.Background()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := newUser(t, "x")
			u.Index = tc.index
			err := db.Update(ctx, func(tx vault.Tx) error { return tx.InsertUser(ctx, u) })
			wantCode(t, err, vault.ECONFLICT, "duplicate index: "+tc.field)
			if _, err := db.UserByToken(ctx, u.Token); !errors.Is(err, vault.ErrNotFound) {
				t.Fatalf("the refused user was stored: %v", err)
			}
		})
	}
	t.Run("a value of one field may equal another field's", func(t *testing.T) {
		u := newUser(t, "y")
		u.Index.Custom = a.Index.Login // same digest, different column
		insert(t, db, u)
	})
}

func testUpdateDuplicate(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	a, b := newUser(t, "a"), newUser(t, "b")
	insert(t, db, a, b)
	ctx := context.Background()
	update := func(u *vault.UserRecord) error {
		return db.Update(ctx, func(tx vault.Tx) error { return tx.UpdateUser(ctx, u) })
	}
	same := *b
	same.Profile = []byte("changed")
	if err := update(&same); err != nil {
		t.Fatalf("update keeping own indexes: %v", err)
	}
	// Identical values: MySQL must count matched, not changed, rows.
	if err := update(&same); err != nil {
		t.Fatalf("update changing nothing: %v", err)
	}
	clash := *b
	clash.Index.Phone, clash.Index.Custom = a.Index.Phone, a.Index.Custom
	wantCode(t, update(&clash), vault.ECONFLICT, "duplicate index: phone")
	got, err := db.UserByToken(ctx, b.Token)
	if err != nil || got.Index != b.Index || string(got.Profile) != "changed" {
		t.Fatalf("after refused update: %+v, %v", got, err)
	}
}

func testConcurrentClaim(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	ctx := context.Background()
	email := hash("shared@example.com")
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			u := newUser(t, fmt.Sprint("claim", i))
			u.Index.Email = email
			errs[i] = db.Update(ctx, func(tx vault.Tx) error { return tx.InsertUser(ctx, u) })
		})
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
			continue
		}
		wantCode(t, err, vault.ECONFLICT, "duplicate index: email")
		if strings.Contains(err.Error(), email) {
			t.Fatalf("error leaks the index value: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d inserts won, want exactly 1", wins)
	}
}

func testUpdateReindex(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	u := newUser(t, "a")
	insert(t, db, u)
	ctx := context.Background()
	old := u.Index
	changed := *u
	changed.Index.Email = hash("new-email")
	changed.Index.Phone = "" // dropped
	changed.Updated = u.Updated + 60
	if err := db.Update(ctx, func(tx vault.Tx) error {
		cur, err := tx.UserByToken(ctx, u.Token) // locks the row
		if err != nil {
			return err
		}
		changed.DataKey = cur.DataKey
		return tx.UpdateUser(ctx, &changed)
	}); err != nil {
		t.Fatalf("update: %v", err)
	}
	if got, err := db.UserByIndex(ctx, vault.ModeEmail, changed.Index.Email); err != nil || !reflect.DeepEqual(got, &changed) {
		t.Fatalf("by new email: %+v, %v", got, err)
	}
	for f, h := range map[vault.Mode]string{vault.ModeEmail: old.Email, vault.ModePhone: old.Phone} {
		if _, err := db.UserByIndex(ctx, f, h); !errors.Is(err, vault.ErrNotFound) {
			t.Fatalf("by old %s: got %v, want ErrNotFound", f, err)
		}
	}
	// The freed values are free for another user.
	v := newUser(t, "b")
	v.Index.Email, v.Index.Phone = old.Email, old.Phone
	insert(t, db, v)
}

func testErase(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	u := newUser(t, "a")
	insert(t, db, u, newUser(t, "b"))
	ctx := context.Background()
	const when = 1800000000
	if err := db.Update(ctx, func(tx vault.Tx) error { return tx.EraseUser(ctx, u.Token, when) }); err != nil {
		t.Fatalf("erase: %v", err)
	}
	got, err := db.UserByToken(ctx, u.Token)
	if err != nil {
		t.Fatalf("erased user by token: %v", err)
	}
	want := &vault.UserRecord{Token: u.Token, Created: u.Created, Updated: u.Updated, Erased: when}
	if !reflect.DeepEqual(got, want) || got.Live() {
		t.Fatalf("erased user: got %+v, want %+v", got, want)
	}
	var nonNull int
	if err := db.pool.QueryRow(db.d.text("SELECT COUNT(*) FROM users WHERE token = ? AND (datakey IS NOT NULL OR profile IS NOT NULL"+
		" OR login_idx IS NOT NULL OR email_idx IS NOT NULL OR phone_idx IS NOT NULL OR custom_idx IS NOT NULL)", false), u.Token).Scan(&nonNull); err != nil || nonNull != 0 {
		t.Fatalf("erased row keeps non-NULL columns: %d, %v", nonNull, err)
	}
	for _, f := range vault.IndexFields {
		if _, err := db.UserByIndex(ctx, f, u.Index.Get(f)); !errors.Is(err, vault.ErrNotFound) {
			t.Fatalf("erased user by %s: got %v, want ErrNotFound", f, err)
		}
	}
	err = db.Update(ctx, func(tx vault.Tx) error { return tx.EraseUser(ctx, u.Token, when) })
	wantCode(t, err, vault.ENOTFOUND, "not found")
	err = db.Update(ctx, func(tx vault.Tx) error { return tx.UpdateUser(ctx, u) })
	wantCode(t, err, vault.ENOTFOUND, "not found")

	reuse := newUser(t, "a") // the same index values as the erased user
	insert(t, db, reuse)
	again := newUser(t, "c")
	again.Token = u.Token
	err = db.Update(ctx, func(tx vault.Tx) error { return tx.InsertUser(ctx, again) })
	wantCode(t, err, vault.ECONFLICT, "")
	if strings.Contains(err.Error(), u.Token) {
		t.Fatalf("error leaks the token: %v", err)
	}
	if _, total, err := db.ListUsers(ctx, 0, 10); err != nil || total != 2 {
		t.Fatalf("list after erase: total %d, %v; want 2", total, err)
	}
}

func testList(t *testing.T, fresh func(testing.TB) Config) {
	db := open(t, fresh(t))
	ctx := context.Background()
	var users []*vault.UserRecord
	for i := range 6 {
		u := newUser(t, fmt.Sprint("u", i))
		users = append(users, u)
		insert(t, db, u)
	}
	if err := db.Update(ctx, func(tx vault.Tx) error { return tx.EraseUser(ctx, users[2].Token, 1) }); err != nil {
		t.Fatal(err)
	}
	live := append(append([]*vault.UserRecord{}, users[:2]...), users[3:]...)
	tests := []struct {
		offset, limit int
		want          []*vault.UserRecord
	}{
		{0, 2, live[:2]},
		{2, 2, live[2:4]},
		{4, 10, live[4:]},
		{0, 100, live},
		{5, 10, nil},
		{50, 10, nil},
		{0, 0, nil},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("offset %d limit %d", tc.offset, tc.limit), func(t *testing.T) {
			got, total, err := db.ListUsers(ctx, tc.offset, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if total != len(live) {
				t.Fatalf("total %d, want %d", total, len(live))
			}
			if len(got) != len(tc.want) || (len(got) > 0 && !reflect.DeepEqual(got, tc.want)) {
				t.Fatalf("got %d users, want %d (or wrong order)", len(got), len(tc.want))
			}
		})
	}
}
