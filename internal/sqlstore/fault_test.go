package sqlstore

import (
	"context"
	"database/sql"
	"net"
	"strings"
	"testing"
	"time"

	"piivault/internal/vault"
)

// deadPort returns a loopback port with nothing listening on it.
func deadPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	return port
}

func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	port := deadPort(t)
	tests := []Config{
		{Driver: Postgres, DSN: "postgres://postgres@127.0.0.1:" + port + "/x?sslmode=disable"},
		{Driver: MySQL, DSN: "root@tcp(127.0.0.1:" + port + ")/x"},
	}
	for _, cfg := range tests {
		t.Run(cfg.Driver, func(t *testing.T) {
			cfg.QueryTimeout = 2 * time.Second
			start := time.Now()
			db, err := Open(context.Background(), cfg)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded against a closed port")
			}
			wantCode(t, err, vault.EUNAVAILABLE, "service unavailable")
			if d := time.Since(start); d > cfg.QueryTimeout+time.Second {
				t.Fatalf("Open took %v, past QueryTimeout %v", d, cfg.QueryTimeout)
			}
		})
	}
}

func TestBadConfigIsInvalid(t *testing.T) {
	tests := []Config{
		{Driver: "oracle", DSN: "x"},
		{Driver: Postgres, DSN: "postgres://u:secret@[::1"},
		{Driver: MySQL, DSN: "u:secret@tcp(127.0.0.1:3306"},
	}
	for _, cfg := range tests {
		_, err := Open(context.Background(), cfg)
		wantCode(t, err, vault.EINVALID, "")
		if strings.Contains(err.Error(), "secret") {
			t.Fatalf("error leaks the password: %v", err)
		}
	}
}

// TestHeldRowLockIsUnavailable holds a row lock from outside: an Update
// that needs the row fails with EUNAVAILABLE within QueryTimeout instead
// of hanging.
func TestHeldRowLockIsUnavailable(t *testing.T) {
	for _, b := range backends()[1:] { // SQLite: TestSQLiteLockedIsUnavailable
		t.Run(b.name, func(t *testing.T) {
			cfg := b.fresh(t)
			cfg.BusyTimeout = time.Second
			cfg.QueryTimeout = 3 * time.Second
			db := open(t, cfg)
			u := newUser(t, "locked")
			insert(t, db, u)
			ctx := context.Background()
			holder, err := db.pool.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer holder.Rollback()
			var tok string
			if err := holder.QueryRowContext(ctx, db.d.text(sqlUserByToken, true), u.Token).Scan(&tok, new([]byte), new([]byte),
				new(sql.NullString), new(sql.NullString), new(sql.NullString), new(sql.NullString), new(int64), new(int64), new(int64)); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = db.Update(ctx, func(tx vault.Tx) error {
				_, err := tx.UserByToken(ctx, u.Token)
				return err
			})
			wantCode(t, err, vault.EUNAVAILABLE, "service unavailable")
			if d := time.Since(start); d > cfg.QueryTimeout+time.Second {
				t.Fatalf("Update took %v, past QueryTimeout %v", d, cfg.QueryTimeout)
			}
		})
	}
}

// TestUniqueConstraintBackstop inserts past checkIndex, as a concurrent
// transaction would, to check that each dialect's constraint names map
// back to the right field.
func TestUniqueConstraintBackstop(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db := open(t, b.fresh(t))
			a := newUser(t, "a")
			insert(t, db, a)
			ctx := context.Background()
			for _, f := range append(vault.IndexFields, vault.ModeToken) {
				u := newUser(t, "b")
				want := "duplicate token"
				if f == vault.ModeToken {
					u.Token = a.Token
				} else {
					u.Index.Set(f, a.Index.Get(f))
					want = "duplicate index: " + string(f)
				}
				err := db.update(ctx, func(t *txn) error {
					_, err := t.run.ExecContext(ctx, t.sql(sqlInsertUser, false), u.Token, u.DataKey, u.Profile,
						nullString(u.Index.Login), nullString(u.Index.Email), nullString(u.Index.Phone), nullString(u.Index.Custom),
						u.Created, u.Updated)
					return t.d.wrap("insert user", t.userConflict(err))
				})
				wantCode(t, err, vault.ECONFLICT, want)
			}
		})
	}
}
