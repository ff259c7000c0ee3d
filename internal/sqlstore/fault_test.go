package sqlstore

import (
	"context"
	"database/sql"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

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
				new(sql.NullString), new(sql.NullString), new(sql.NullString), new(sql.NullString), new(int64), new(int64), new(int64),
				new(sql.NullInt64)); err != nil {
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

// TestDeadlockIsRetried makes two Updates lock two rows in opposite
// order: the database aborts one, Update runs it again, both succeed.
func TestDeadlockIsRetried(t *testing.T) {
	for _, b := range backends()[1:] { // SQLite has one writer: no deadlocks
		t.Run(b.name, func(t *testing.T) {
			db := open(t, b.fresh(t))
			x, y := newUser(t, "x"), newUser(t, "y")
			insert(t, db, x, y)
			ctx := context.Background()
			var (
				runs    atomic.Int32
				arrived sync.WaitGroup
			)
			arrived.Add(2)
			lockBoth := func(first, second *vault.UserRecord) error {
				return db.Update(ctx, func(tx vault.Tx) error {
					_, err := tx.UserByToken(ctx, first.Token)
					if runs.Add(1) <= 2 { // the first attempts meet between their two locks
						arrived.Done()
						arrived.Wait()
					}
					if err != nil {
						return err
					}
					_, err = tx.UserByToken(ctx, second.Token)
					return err
				})
			}
			errs := make(chan error, 2)
			go func() { errs <- lockBoth(x, y) }()
			go func() { errs <- lockBoth(y, x) }()
			for range 2 {
				if err := <-errs; err != nil {
					t.Fatalf("update: %v", err)
				}
			}
			if n := runs.Load(); n < 3 {
				t.Fatalf("fn ran %d times: no deadlock was retried", n)
			}
		})
	}
}

// TestLostServerIsUnavailable cuts every connection to a live server, as
// a crash or network fault would: Update and reads fail with EUNAVAILABLE
// within QueryTimeout.
func TestLostServerIsUnavailable(t *testing.T) {
	for _, b := range backends()[1:] {
		t.Run(b.name, func(t *testing.T) {
			cfg := b.fresh(t)
			p := newProxy(t, &cfg)
			cfg.QueryTimeout = 2 * time.Second
			db := open(t, cfg)
			insert(t, db, newUser(t, "before"))
			p.stop()
			ctx := context.Background()
			start := time.Now()
			err := db.Update(ctx, func(tx vault.Tx) error { return tx.InsertUser(ctx, newUser(t, "after")) })
			wantCode(t, err, vault.EUNAVAILABLE, "service unavailable")
			_, err = db.UserByToken(ctx, newToken(t))
			wantCode(t, err, vault.EUNAVAILABLE, "service unavailable")
			if d := time.Since(start); d > 2*cfg.QueryTimeout+time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}

// proxy forwards TCP to the server of a config, whose DSN it rewrites to
// point at itself, until stop cuts every connection and stops listening.
type proxy struct {
	l     net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(t *testing.T, cfg *Config) *proxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var target string
	switch cfg.Driver {
	case Postgres:
		u, _ := url.Parse(cfg.DSN)
		target, u.Host = u.Host, l.Addr().String()
		cfg.DSN = u.String()
	case MySQL:
		mc, _ := mysql.ParseDSN(cfg.DSN)
		target, mc.Addr = mc.Addr, l.Addr().String()
		cfg.DSN = mc.FormatDSN()
	}
	p := &proxy{l: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) stop() {
	p.l.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
