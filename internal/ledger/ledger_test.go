package ledger

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"piivault/internal/vault"
)

// keyed returns an HMAC-SHA-256 MAC; the real one is envelope's, whose key
// derivation has its own tests.
func keyed(key string) MAC {
	return func(msg []byte) []byte {
		m := hmac.New(sha256.New, []byte(key))
		m.Write(msg)
		return m.Sum(nil)
	}
}

func collect(t *testing.T, l *Ledger) ([]vault.Erasure, error) {
	t.Helper()
	var out []vault.Erasure
	for e, err := range l.Entries() {
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

// filled returns a ledger file with n entries, closed.
func filled(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sub", "erasures.ledger")
	l, err := Open(path, keyed("k"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := l.Append(context.Background(), vault.NewUUID(), int64(1767225600+i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAppendAndReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "erasures.ledger")
	l, err := Open(path, keyed("k"))
	if err != nil {
		t.Fatal(err)
	}
	want := []vault.Erasure{{Token: vault.NewUUID(), When: 1}, {Token: vault.NewUUID(), When: 2}}
	for _, e := range want {
		if err := l.Append(ctx, e.Token, e.When); err != nil {
			t.Fatal(err)
		}
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", info.Mode().Perm())
	}
	t.Run("a reader sees the entries while it is open", func(t *testing.T) {
		r, err := OpenReadOnly(path, keyed("k"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := collect(t, r)
		if err != nil || len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Fatalf("Entries = %v, %v", got, err)
		}
	})
	l.Close()
	l, err = Open(path, keyed("k"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Len() != 2 {
		t.Fatalf("Len = %d after reopening", l.Len())
	}
	third := vault.Erasure{Token: vault.NewUUID(), When: 3}
	if err := l.Append(ctx, third.Token, third.When); err != nil {
		t.Fatal(err)
	}
	got, err := collect(t, l)
	if err != nil || len(got) != 3 || got[2] != third {
		t.Fatalf("Entries after reopening and appending = %v, %v", got, err)
	}
}

func TestTornLastLineIsCutOff(t *testing.T) {
	path := filled(t, 2)
	whole, _ := os.ReadFile(path)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"seq":3,"token":"half-writ`)
	f.Close()
	r, _ := OpenReadOnly(path, keyed("k"))
	if got, err := collect(t, r); err != nil || len(got) != 2 {
		t.Fatalf("a reader: %d entries, %v", len(got), err)
	}
	l, err := Open(path, keyed("k"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if now, _ := os.ReadFile(path); !bytes.Equal(now, whole) {
		t.Fatalf("the torn line was not cut off:\n%s", now)
	}
	if err := l.Append(context.Background(), vault.NewUUID(), 9); err != nil {
		t.Fatal(err)
	}
	if got, err := collect(t, l); err != nil || len(got) != 3 {
		t.Fatalf("after the cut: %d entries, %v", len(got), err)
	}
}

func TestBrokenChains(t *testing.T) {
	edit := func(fn func(lines []string) []string) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			b, _ := os.ReadFile(path)
			lines := strings.SplitAfter(string(b), "\n")
			os.WriteFile(path, []byte(strings.Join(fn(lines[:len(lines)-1]), "")), 0o600)
		}
	}
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
		key    string
	}{
		{"a removed entry", edit(func(l []string) []string { return append(l[:1:1], l[2:]...) }), "k"},
		{"swapped entries", edit(func(l []string) []string { l[0], l[1] = l[1], l[0]; return l }), "k"},
		{"a changed token", edit(func(l []string) []string {
			l[1] = strings.Replace(l[1], `"token":"`, `"token":"0`, 1)
			return l
		}), "k"},
		{"a changed time", edit(func(l []string) []string {
			l[2] = strings.Replace(l[2], `"when":`, `"when":1`, 1)
			return l
		}), "k"},
		{"garbage", edit(func(l []string) []string { return append(l, "not json\n") }), "k"},
		{"another master key", func(*testing.T, string) {}, "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused on open and by a reader", func(t *testing.T) {
			path := filled(t, 3)
			tt.damage(t, path)
			if _, err := Open(path, keyed(tt.key)); !errors.Is(err, ErrBroken) {
				t.Errorf("Open: %v, want ErrBroken", err)
			}
			r, _ := OpenReadOnly(path, keyed(tt.key))
			if _, err := collect(t, r); !errors.Is(err, ErrBroken) {
				t.Errorf("Entries: %v, want ErrBroken", err)
			}
		})
	}
}

func TestReadOnlyCannotAppend(t *testing.T) {
	r, err := OpenReadOnly(filled(t, 1), keyed("k"))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Append(context.Background(), vault.NewUUID(), 1); err == nil {
		t.Fatal("a read-only ledger appended")
	}
	if _, err := OpenReadOnly(filepath.Join(t.TempDir(), "missing"), keyed("k")); err == nil {
		t.Fatal("a missing file opened")
	}
}

func TestTheFileIsCreatedByTheFirstAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "erasures.ledger")
	l, err := Open(path, keyed("k"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Fatalf("Open created the directory: %v", err)
	}
	if got, err := collect(t, l); err != nil || len(got) != 0 {
		t.Fatalf("Entries of a missing file = %v, %v", got, err)
	}
	if err := l.Append(context.Background(), vault.NewUUID(), 1); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("after the first append: %v, %v", info, err)
	}
}

// TestTwoWritersShareOneChain plays two instances appending to one file:
// each catches up with the other's entries under the lock, so the file
// stays one chain that both and a fresh reader verify.
func TestTwoWritersShareOneChain(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "erasures.ledger")
	a, err := Open(path, keyed("k"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(path, keyed("k"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var wg sync.WaitGroup
	for _, l := range []*Ledger{a, b, a, b} {
		wg.Go(func() {
			for i := range 10 {
				if err := l.Append(ctx, vault.NewUUID(), int64(i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	r, _ := OpenReadOnly(path, keyed("k"))
	got, err := collect(t, r)
	if err != nil || len(got) != 40 {
		t.Fatalf("Entries = %d, %v; want 40 in one chain", len(got), err)
	}
	if err := a.Append(ctx, vault.NewUUID(), 1); err != nil || a.Len() != 41 {
		t.Errorf("A after B's appends: Len %d, %v", a.Len(), err)
	}
}
