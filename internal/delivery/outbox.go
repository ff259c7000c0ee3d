package delivery

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// Outbox is demo mode's stand-in for sending (api.md §6): each message is
// appended to a file (created 0600) that the operator reads, one line per
// message, instead of being mailed or texted. The file holds addresses and
// codes in the clear, which is why only demo mode uses it.
type Outbox struct {
	Path string
	mu   sync.Mutex
}

// Deliver appends m to the outbox file as one line:
// <RFC 3339 time> to=<quoted address> <quoted text>.
// Errors: the file cannot be opened or written.
func (o *Outbox) Deliver(_ context.Context, m Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	f, err := os.OpenFile(o.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	line := time.Now().UTC().Format(time.RFC3339) + " to=" + strconv.Quote(m.To) + " " + strconv.Quote(m.Text) + "\n"
	_, err = f.WriteString(line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}
