package delivery

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"piivault/internal/delivery/mailtest"
	"piivault/internal/vault"
)

// syncBuffer is a log sink safe for the dispatcher's workers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// blocking is a channel that holds every delivery until released.
type blocking struct {
	release chan struct{}
	started chan struct{}
}

func (b *blocking) Deliver(ctx context.Context, m Message) error {
	b.started <- struct{}{}
	<-b.release
	return errors.New("rejected")
}

func TestDispatcherDeliversByMode(t *testing.T) {
	mail := mailtest.Start(t, mailtest.Options{})
	g := newGateway(t, 200)
	d := New(Config{Email: smtpTo(mail), SMS: &SMSGateway{URL: g.URL}, CodeTTL: 5 * time.Minute})
	d.SendLoginCode(vault.ModeEmail, "mary@example.com", "123456")
	d.SendLoginCode(vault.ModePhone, "+447700900123", "654321")
	m := mail.Next(t, testWait)
	if m.To[0] != "mary@example.com" || !strings.Contains(m.Data, "Your login code is 123456. It is valid for 5 minutes.") {
		t.Fatalf("mail %+v", m)
	}
	if body := <-g.body; !strings.Contains(body, "654321") || !strings.Contains(body, "%2B447700900123") {
		t.Fatalf("sms body %q", body)
	}
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d.Sent() != 2 || d.Failures() != 0 {
		t.Fatalf("sent %d, failures %d", d.Sent(), d.Failures())
	}
}

func TestDispatcherFailuresAreCountedAndLoggedWithoutPII(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	rejecting := mailtest.Start(t, mailtest.Options{RejectRcpt: true})
	b := &blocking{release: make(chan struct{}), started: make(chan struct{}, 1)}
	d := New(Config{Email: smtpTo(rejecting), SMS: b, QueueSize: 1, Workers: 1, Logger: logger})

	d.SendLoginCode(vault.ModePhone, "+447700900001", "111111") // taken by the worker, held
	<-b.started
	d.SendLoginCode(vault.ModePhone, "+447700900002", "222222") // waits in the queue
	d.SendLoginCode(vault.ModePhone, "+447700900003", "333333") // queue full: dropped
	if d.Failures() != 1 {
		t.Fatalf("failures %d after a full queue, want 1", d.Failures())
	}
	close(b.release)
	<-b.started
	d.SendLoginCode(vault.ModeEmail, "victim@example.com", "444444") // the server answers 550 quoting it
	if err := d.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	d.SendLoginCode(vault.ModeEmail, "late@example.com", "555555") // after Close
	if d.Failures() != 5 || d.Sent() != 0 {
		t.Fatalf("failures %d, sent %d; want 5, 0", d.Failures(), d.Sent())
	}
	out := logs.String()
	if n := strings.Count(out, "login code delivery failed"); n != 5 {
		t.Fatalf("%d failure lines, want 5:\n%s", n, out)
	}
	for _, secret := range []string{"7700900", "111111", "222222", "333333", "444444", "555555", "victim", "late@"} {
		if strings.Contains(out, secret) {
			t.Fatalf("the log holds %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "server replied 550") {
		t.Errorf("the log should keep the reply code:\n%s", out)
	}
}

func TestDispatcherWithoutAChannelCountsAFailure(t *testing.T) {
	var hook atomic.Int64
	d := New(Config{OnFailure: func() { hook.Add(1) }})
	d.SendLoginCode(vault.ModeEmail, "a@example.com", "123456")
	d.SendLoginCode(vault.ModePhone, "+447700900123", "123456")
	d.Close(context.Background())
	if d.Failures() != 2 || hook.Load() != 2 {
		t.Fatalf("failures %d, hook %d; want 2, 2", d.Failures(), hook.Load())
	}
}

func TestOutbox(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo-outbox.log")
	d := New(Config{Email: &Outbox{Path: path}, SMS: &Outbox{Path: path}})
	d.SendLoginCode(vault.ModeEmail, "mary@example.com", "123456")
	d.SendLoginCode(vault.ModePhone, "+447700900123", "654321")
	d.Close(context.Background())
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.Contains(string(b), `to="mary@example.com" "Your login code is 123456.`) ||
		!strings.Contains(string(b), `to="+447700900123" "Your login code is 654321.`) {
		t.Fatalf("outbox:\n%s", b)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("outbox mode %v, %v; want 0600", fi.Mode(), err)
	}
}
