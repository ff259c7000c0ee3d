// Package ledger keeps the erasure ledger: an append-only file outside the
// database that records every erasure (user token and time), so that
// restoring an older backup of the database cannot bring an erased person
// back (api.md §3.5). piivault replays it at start and on `piivault
// erasures replay`; vault.Service.ReplayErasures erases again whatever the
// database still holds.
//
// The file holds one JSON object per line:
//
//	{"seq":1,"token":"<uuid>","when":1767225600,"prev":"<hex>","mac":"<hex>"}
//
// seq counts from 1, prev is the previous entry's mac (64 zeros for the
// first), and mac is an HMAC-SHA-256 over the entry's fields and prev under
// a subkey of the master key. The chain makes a removed, reordered or
// changed entry detectable by anyone holding the master key, and cannot be
// rebuilt without it, as a plain hash chain could. (Cutting entries off the
// end is not detectable by the chain alone; keep the ledger where the
// database's attackers cannot write.) Each append is fsynced before it
// returns. A last line without its newline is a torn write of an append
// that never returned; the next writer cuts it off.
package ledger

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"

	"piivault/internal/vault"
)

// MAC computes the chain's keyed MAC of msg; envelope.Keyring.LedgerMAC is
// the one piivault uses.
type MAC func(msg []byte) []byte

// Ledger is an open erasure ledger. It implements vault.ErasureLog and is
// safe for concurrent use. Several processes may append to one file (two
// instances sharing a data directory or a shared volume): each append
// takes an exclusive lock on the file and first reads what the others
// appended, so that all of them write one chain.
type Ledger struct {
	path     string
	mac      MAC
	readOnly bool

	mu   sync.Mutex
	f    *os.File // nil until the file exists or after Close
	seq  int64
	last string // mac of the last entry
	size int64  // bytes of complete entries
}

var _ vault.ErasureLog = (*Ledger)(nil)

// entry is one line of the file.
type entry struct {
	Seq   int64  `json:"seq"`
	Token string `json:"token"`
	When  int64  `json:"when"`
	Prev  string `json:"prev"`
	MAC   string `json:"mac"`
}

// genesis is the prev of the first entry.
var genesis = string(bytes.Repeat([]byte("0"), 64))

// ErrBroken means the file is not an unbroken chain under this MAC key:
// changed, reordered or removed entries, garbage, or another master key.
var ErrBroken = errors.New("ledger: the erasure ledger is broken")

// Open opens the ledger at path for appending and verifies its whole chain,
// cutting off a torn last line. A missing file is created, with its
// directory (0700), by the first Append, so that a vault that never erases
// leaves no file behind.
// Errors: ErrBroken (wrapped, naming the line); I/O errors.
func Open(path string, mac MAC) (*Ledger, error) {
	l := &Ledger{path: path, mac: mac, last: genesis}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	} else if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	l.f = f
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.locked(l.catchUp); err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

// OpenReadOnly opens the ledger at path for Entries only, taking no lock,
// so that `piivault erasures replay` can read it while a server appends.
// Errors: I/O errors (a missing file included).
func OpenReadOnly(path string, mac MAC) (*Ledger, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return &Ledger{path: path, mac: mac, readOnly: true, last: genesis}, nil
}

// Path returns the file's path.
func (l *Ledger) Path() string { return l.path }

// Len returns the number of entries verified or appended so far by this
// process.
func (l *Ledger) Len() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seq
}

// Append records that token was erased at when and returns once the entry
// is fsynced. A failed write is cut off again, so that the file stays a
// chain. It implements vault.ErasureLog.
// Errors: a read-only or closed ledger; ErrBroken when entries appended by
// another process do not verify; I/O errors (disk full).
func (l *Ledger) Append(ctx context.Context, token string, when int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if l.readOnly {
		return errors.New("ledger: opened read-only")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		if err := l.create(); err != nil {
			return err
		}
	}
	return l.locked(func() error {
		if err := l.catchUp(); err != nil {
			return err
		}
		e := entry{Seq: l.seq + 1, Token: token, When: when, Prev: l.last}
		e.MAC = hex.EncodeToString(l.mac(e.signed()))
		line, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
		line = append(line, '\n')
		if _, err := l.f.WriteAt(line, l.size); err != nil {
			return l.undo(err)
		}
		if err := l.f.Sync(); err != nil {
			return l.undo(err)
		}
		l.seq, l.last, l.size = e.Seq, e.MAC, l.size+int64(len(line))
		return nil
	})
}

// create makes the file and its directory on the first append.
func (l *Ledger) create() error {
	dir := filepath.Dir(l.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	if err := syncDir(dir); err != nil {
		f.Close()
		return fmt.Errorf("ledger: %w", err)
	}
	l.f = f
	return nil
}

// locked runs fn holding the exclusive lock on the file, which every
// process's appends take.
func (l *Ledger) locked(fn func() error) error {
	if err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("ledger: lock: %w", err)
	}
	defer syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	return fn()
}

// catchUp verifies what was appended since l last looked (by another
// process, or everything on open) and cuts off a torn last line, which
// under the lock can only be an append that crashed.
func (l *Ledger) catchUp() error {
	info, err := l.f.Stat()
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	switch {
	case info.Size() < l.size:
		return fmt.Errorf("%w: it shrank from %d to %d bytes while open", ErrBroken, l.size, info.Size())
	case info.Size() == l.size:
		return nil
	}
	c := chain{mac: l.mac, seq: l.seq, last: l.last}
	if err := c.read(io.NewSectionReader(l.f, l.size, info.Size()-l.size), func(entry) bool { return true }); err != nil {
		return err
	}
	l.seq, l.last, l.size = c.seq, c.last, l.size+c.size
	if l.size < info.Size() {
		if err := l.f.Truncate(l.size); err != nil {
			return fmt.Errorf("ledger: cut off a torn entry: %w", err)
		}
	}
	return nil
}

// undo cuts a failed append off and reports its error.
func (l *Ledger) undo(err error) error {
	if terr := l.f.Truncate(l.size); terr != nil {
		err = errors.Join(err, terr)
	}
	return fmt.Errorf("ledger: append: %w", err)
}

// Close closes the file. Appends after Close reopen it.
func (l *Ledger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Entries reads the file from the start, verifying the chain as it goes,
// and yields each erasure. It stops at a torn last line (an append in
// progress in another process) and yields ErrBroken at the first bad
// entry.
func (l *Ledger) Entries() iter.Seq2[vault.Erasure, error] {
	return func(yield func(vault.Erasure, error) bool) {
		f, err := os.Open(l.path)
		if errors.Is(err, fs.ErrNotExist) {
			return // nothing erased yet
		} else if err != nil {
			yield(vault.Erasure{}, fmt.Errorf("ledger: %w", err))
			return
		}
		defer f.Close()
		c := chain{mac: l.mac, last: genesis}
		err = c.read(f, func(e entry) bool { return yield(vault.Erasure{Token: e.Token, When: e.When}, nil) })
		if err != nil {
			yield(vault.Erasure{}, err)
		}
	}
}

// chain checks entries one after the other.
type chain struct {
	mac  MAC
	seq  int64
	last string
	size int64 // bytes of the complete entries read
}

// read verifies every complete line of r and calls each with its entry
// until each returns false.
func (c *chain) read(r io.Reader, each func(entry) bool) error {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return nil // a last line without a newline is a torn write
		}
		if err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
		var e entry
		n := c.seq + 1
		if err := json.Unmarshal(line, &e); err != nil {
			return fmt.Errorf("%w: line %d is not an entry", ErrBroken, n)
		}
		want := c.mac(e.signed())
		got, err := hex.DecodeString(e.MAC)
		switch {
		case e.Seq != n:
			return fmt.Errorf("%w: line %d has sequence number %d", ErrBroken, n, e.Seq)
		case e.Prev != c.last:
			return fmt.Errorf("%w: line %d does not follow line %d", ErrBroken, n, n-1)
		case err != nil || subtle.ConstantTimeCompare(got, want) != 1:
			return fmt.Errorf("%w: line %d fails its MAC (changed, or another master key)", ErrBroken, n)
		}
		c.seq, c.last, c.size = e.Seq, e.MAC, c.size+int64(len(line))
		if !each(e) {
			return nil
		}
	}
}

// signed is what an entry's MAC covers: every field but the MAC, in a
// fixed, unambiguous form (the token is a UUID and cannot hold a newline,
// but its length is written anyway).
func (e entry) signed() []byte {
	b := []byte("piivault erasure ledger v1\n")
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, '\n')
	b = strconv.AppendInt(b, int64(len(e.Token)), 10)
	b = append(b, ':')
	b = append(b, e.Token...)
	b = append(b, '\n')
	b = strconv.AppendInt(b, e.When, 10)
	b = append(b, '\n')
	return append(b, e.Prev...)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
