package vault_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"piivault/internal/envelope"
	"piivault/internal/phone"
	"piivault/internal/sqlstore"
	"piivault/internal/vault"
)

// newService builds the real service over SQLite in a temporary directory.
func newService(b *testing.B) *vault.Service {
	b.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, sqlstore.Config{Driver: sqlstore.SQLite, DSN: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	master, _ := envelope.ParseMasterKey(envelope.GenerateMasterKey())
	keys, err := envelope.Ensure(ctx, master, db, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	return vault.NewService(db, keys, vault.Options{Normalizer: vault.Normalizer{Phone: phone.Normalizer("GB")}})
}

func profile(i int64) map[string]any {
	return map[string]any{
		"login": fmt.Sprintf("user%d", i), "email": fmt.Sprintf("user%d@example.com", i),
		"name": map[string]any{"first": "Ada", "last": "Lovelace"}, "city": "London",
	}
}

// BenchmarkServiceCreateUser measures CreateUser end to end (validation,
// blind indexes, a new data key, sealing, a durable SQLite group commit)
// with many concurrent callers, as HTTP handlers would call it.
func BenchmarkServiceCreateUser(b *testing.B) {
	svc := newService(b)
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(32)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.CreateUser(ctx, vault.Root, profile(n.Add(1))); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkServiceGetUser measures GetUser by email: normalisation, a blind
// index, one indexed SELECT, a cached data-key unwrap and one AES-GCM open.
func BenchmarkServiceGetUser(b *testing.B) {
	svc := newService(b)
	ctx := context.Background()
	const users = 1000
	for i := int64(0); i < users; i++ {
		if _, err := svc.CreateUser(ctx, vault.Root, profile(i)); err != nil {
			b.Fatal(err)
		}
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id, err := svc.ParseIdentity("email", fmt.Sprintf("user%d@example.com", n.Add(1)%users))
			if err == nil {
				_, err = svc.GetUser(ctx, vault.Root, id)
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
