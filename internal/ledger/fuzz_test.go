package ledger

import (
	"bytes"
	"context"
	"os"
	"testing"

	"piivault/internal/vault"
)

// FuzzChain feeds arbitrary files to the chain reader, the decoder of the
// one input piivault reads from outside the database at start: it must
// never panic, and whatever it accepts must be a chain it can extend.
func FuzzChain(f *testing.F) {
	path := f.TempDir() + "/seed.ledger"
	l, err := Open(path, keyed("k"))
	if err != nil {
		f.Fatal(err)
	}
	for i := range 3 {
		if err := l.Append(context.Background(), vault.NewUUID(), int64(i)); err != nil {
			f.Fatal(err)
		}
	}
	l.Close()
	seed, _ := os.ReadFile(path)
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte("{}\n"))
	f.Add([]byte(`{"seq":1,"token":"x","when":1,"prev":"0","mac":"zz"}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := chain{mac: keyed("k"), last: genesis}
		n := 0
		if err := c.read(bytes.NewReader(data), func(entry) bool { n++; return true }); err != nil {
			return
		}
		if int64(n) != c.seq || c.size > int64(len(data)) {
			t.Fatalf("accepted %d entries with seq %d and %d of %d bytes", n, c.seq, c.size, len(data))
		}
	})
}
