// Package delivery sends one-time login codes (api.md §6) by e-mail (SMTP)
// and by text message (an HTTP SMS gateway), or in demo mode writes them to
// an outbox file for the operator. Delivery runs off the request path: the
// Dispatcher queues each code and a few workers send them, so the time a
// prelogin takes does not depend on whether a code was sent.
//
// Nothing here logs an address or a code: a failure is logged by channel and
// step (and the server's numeric reply code), and counted.
package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"piivault/internal/vault"
)

// Message is one text to deliver.
type Message struct {
	To      string // an e-mail address or an E.164 phone number
	Subject string // e-mail only
	Text    string
}

// Channel delivers a message to one address. Deliver returns once the
// message is handed over or has failed; errors never quote the address,
// the text or a server's reply text.
type Channel interface {
	Deliver(ctx context.Context, m Message) error
}

// Config configures a Dispatcher. Zero values take the defaults noted.
type Config struct {
	// Email delivers codes for mode email; nil means none is sent (each one
	// counts as a failure and is logged as such).
	Email Channel
	// SMS delivers codes for mode phone; nil as for Email.
	SMS Channel
	// CodeTTL is the life of a code, stated in the message; default 5 minutes.
	CodeTTL time.Duration
	// Timeout bounds one delivery; default 10 s.
	Timeout time.Duration
	// QueueSize bounds the codes waiting to be sent; default 256. A code
	// that finds the queue full is dropped and counted as a failure.
	QueueSize int
	// Workers is the number of concurrent deliveries; default 2.
	Workers int
	// Logger receives failures (without address or code); default discards.
	Logger *slog.Logger
	// OnFailure, when set, is called once per failure, for metrics
	// (piivault_login_code_delivery_failures_total).
	OnFailure func()
}

// Dispatcher queues login codes and delivers them in the background. It
// implements vault.LoginCodeSender and is safe for concurrent use.
type Dispatcher struct {
	cfg      Config
	queue    chan job
	workers  sync.WaitGroup
	mu       sync.RWMutex // guards closed against sends on a closed queue
	closed   bool
	failures atomic.Int64
	sent     atomic.Int64
}

type job struct {
	mode vault.Mode
	to   string
	code string
}

// New starts a Dispatcher with cfg's workers.
func New(cfg Config) *Dispatcher {
	if cfg.CodeTTL <= 0 {
		cfg.CodeTTL = 5 * time.Minute
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 256
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{cfg: cfg, queue: make(chan job, cfg.QueueSize)}
	for range cfg.Workers {
		d.workers.Add(1)
		go d.work()
	}
	return d
}

// SendLoginCode queues code for delivery to to and returns at once. A full
// queue or a closed Dispatcher drops the code, logs and counts a failure.
func (d *Dispatcher) SendLoginCode(mode vault.Mode, to, code string) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		d.fail(mode, "queue", fmt.Errorf("dispatcher closed"))
		return
	}
	select {
	case d.queue <- job{mode: mode, to: to, code: code}:
	default:
		d.fail(mode, "queue", fmt.Errorf("queue full (%d codes waiting)", d.cfg.QueueSize))
	}
}

// Close stops accepting codes and waits until the queued ones are delivered
// or ctx ends, whichever comes first. Errors: ctx's error when it ended first.
func (d *Dispatcher) Close(ctx context.Context) error {
	d.mu.Lock()
	if !d.closed {
		d.closed = true
		close(d.queue)
	}
	d.mu.Unlock()
	done := make(chan struct{})
	go func() { d.workers.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Failures returns how many codes could not be delivered: channel errors,
// codes for a mode with no channel, and codes dropped from a full queue
// (piivault_login_code_delivery_failures_total).
func (d *Dispatcher) Failures() int64 { return d.failures.Load() }

// Sent returns how many codes were handed over successfully.
func (d *Dispatcher) Sent() int64 { return d.sent.Load() }

func (d *Dispatcher) work() {
	defer d.workers.Done()
	for j := range d.queue {
		d.deliver(j)
	}
}

func (d *Dispatcher) deliver(j job) {
	ch := d.cfg.Email
	if j.mode == vault.ModePhone {
		ch = d.cfg.SMS
	}
	if ch == nil {
		d.fail(j.mode, "config", fmt.Errorf("no delivery configured for this mode"))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), d.cfg.Timeout)
	defer cancel()
	if err := ch.Deliver(ctx, d.message(j)); err != nil {
		d.fail(j.mode, "deliver", err)
		return
	}
	d.sent.Add(1)
}

func (d *Dispatcher) message(j job) Message {
	minutes := max(1, int(d.cfg.CodeTTL.Round(time.Minute)/time.Minute))
	return Message{
		To:      j.to,
		Subject: "Your login code",
		Text:    fmt.Sprintf("Your login code is %s. It is valid for %d minutes. If you did not ask for it, ignore this message.", j.code, minutes),
	}
}

// fail counts and logs a failure. err must not hold the address or code:
// the channels of this package guarantee that for theirs.
func (d *Dispatcher) fail(mode vault.Mode, stage string, err error) {
	d.failures.Add(1)
	if d.cfg.OnFailure != nil {
		d.cfg.OnFailure()
	}
	d.cfg.Logger.LogAttrs(context.Background(), slog.LevelWarn, "login code delivery failed",
		slog.String("mode", string(mode)),
		slog.String("stage", stage),
		slog.String("error", err.Error()))
}
