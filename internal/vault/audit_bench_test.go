package vault_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"piivault/internal/vault"
)

// BenchmarkServiceGetUserConcurrent is BenchmarkServiceGetUser with 32
// callers per core, as a loaded HTTP server has: every read commits its
// audit event before it answers, so what matters is how many reads share
// one durable commit.
func BenchmarkServiceGetUserConcurrent(b *testing.B) {
	svc := newService(b)
	ctx := context.Background()
	const users = 1000
	for i := int64(0); i < users; i++ {
		if _, err := svc.CreateUser(ctx, vault.Root, profile(i)); err != nil {
			b.Fatal(err)
		}
	}
	var n atomic.Int64
	b.SetParallelism(32)
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
