package vault_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"piivault/internal/vault"
)

// BenchmarkRotation measures the background re-wrap over SQLite with no
// other load: one op is one data key re-wrapped (unwrapped, wrapped under
// the new version and replaced if unchanged, in batches of the default
// size with the cursor saved per batch). Reported as data keys per second.
func BenchmarkRotation(b *testing.B) {
	ctx := context.Background()
	in := newInstance(b, filepath.Join(b.TempDir(), "vault.db"), newMasterKey(b), vault.KeyManagerOptions{})
	for i := range b.N {
		if _, err := in.svc.CreateUser(ctx, vault.Root, map[string]any{"login": fmt.Sprintf("u%d", i)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	job, err := in.km.Rotate(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for job.Done < int64(b.N) {
		in.km.Tick(ctx)
		if job, err = in.db.LatestKeyJob(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "datakeys/s")
}
