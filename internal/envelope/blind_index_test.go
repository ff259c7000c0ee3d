package envelope

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestBlindIndex(t *testing.T) {
	k, _ := newTestKeyring(t, testMaster(1))
	other, _ := newTestKeyring(t, testMaster(2))
	t.Run("it is deterministic per field and value", func(t *testing.T) {
		if a, b := k.BlindIndex("email", "a@example.com"), k.BlindIndex("email", "a@example.com"); a != b {
			t.Errorf("%s != %s", a, b)
		}
	})
	t.Run("it is 64 lower-case hex digits", func(t *testing.T) {
		h := k.BlindIndex("email", "a@example.com")
		if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
			t.Errorf("BlindIndex = %q", h)
		}
	})
	t.Run("it survives adding a KEK version", func(t *testing.T) {
		before := k.BlindIndex("login", "bob")
		rec, err := NewKEK(testMaster(1), 2, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.AddKEK(rec); err != nil {
			t.Fatal(err)
		}
		if after := k.BlindIndex("login", "bob"); after != before {
			t.Error("blind index changed with the KEK version")
		}
	})
	for _, tc := range []struct {
		name   string
		a, b   *Keyring
		fa, va string
		fb, vb string
	}{
		{"it differs across fields", k, k, "email", "x", "login", "x"},
		{"it differs across values", k, k, "email", "x", "email", "y"},
		{"it differs across master keys", k, other, "email", "x", "email", "x"},
		{"the field/value boundary is unambiguous", k, k, "ab", "c", "a", "bc"},
		{"an empty value differs from an empty field", k, k, "", "email", "email", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.a.BlindIndex(tc.fa, tc.va) == tc.b.BlindIndex(tc.fb, tc.vb) {
				t.Error("indexes collide")
			}
		})
	}
}

// TestBlindIndexConcurrent lets -race check the pooled hashers.
func TestBlindIndexConcurrent(t *testing.T) {
	k, _ := newTestKeyring(t, testMaster(1))
	want := make([]string, 50)
	for i := range want {
		want[i] = k.BlindIndex("login", fmt.Sprint("user", i))
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range want {
				if got := k.BlindIndex("login", fmt.Sprint("user", i)); got != want[i] {
					t.Errorf("user%d: %s, want %s", i, got, want[i])
				}
			}
		})
	}
	wg.Wait()
}
