package sqlstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"piivault/internal/vault"
)

// BenchmarkInsertUserParallel measures acknowledged (fsynced) user inserts
// with many concurrent callers, as under HTTP load: on SQLite they share
// group commits.
func BenchmarkInsertUserParallel(b *testing.B) {
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			db := open(b, be.fresh(b))
			ctx := context.Background()
			var seq atomic.Int64
			b.SetParallelism(64) // callers per core, like concurrent requests
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					u := newUser(b, fmt.Sprint("bench", seq.Add(1)))
					if err := db.Update(ctx, func(tx vault.Tx) error { return tx.InsertUser(ctx, u) }); err != nil {
						b.Error(err)
						return
					}
				}
			})
			if db.writer != nil {
				b.ReportMetric(float64(b.N)/float64(max(1, db.writer.commits.Load())), "writes/commit")
			}
		})
	}
}

// BenchmarkUserByToken measures primary lookups from parallel readers.
func BenchmarkUserByToken(b *testing.B) {
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			db := open(b, be.fresh(b))
			ctx := context.Background()
			tokens := make([]string, 1000)
			if err := db.Update(ctx, func(tx vault.Tx) error {
				for i := range tokens {
					u := newUser(b, fmt.Sprint("read", i))
					tokens[i] = u.Token
					if err := tx.InsertUser(ctx, u); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			var seq atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := db.UserByToken(ctx, tokens[seq.Add(1)%int64(len(tokens))]); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
