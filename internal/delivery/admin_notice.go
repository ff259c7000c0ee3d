package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// AdminNotice mails the administrator (generic.admin_email) a short notice
// whenever a data subject files a request for approval (api.md §8). The
// notice names the kind of request only: no identity, token or content,
// so the mail is no copy of personal data. It implements
// vault.RequestNotifier: RequestFiled queues and returns at once, one
// worker sends, and a notice that finds the queue full is dropped and
// logged, never delaying a request.
type AdminNotice struct {
	ch      Channel
	to      string
	timeout time.Duration
	logger  *slog.Logger

	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool
	queue  chan string
	done   chan struct{}
}

// adminNoticeQueue bounds the notices waiting to be sent.
const adminNoticeQueue = 64

// NewAdminNotice starts the sender of notices to the address to through ch
// (the SMTP channel). logger receives failures, without the address.
func NewAdminNotice(ch Channel, to string, logger *slog.Logger) *AdminNotice {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	n := &AdminNotice{ch: ch, to: to, timeout: 10 * time.Second, logger: logger,
		queue: make(chan string, adminNoticeQueue), done: make(chan struct{})}
	go n.work()
	return n
}

// RequestFiled queues a notice about a new request of kind action
// (change-profile, forget-me, change-app-data, agreement-withdraw).
func (n *AdminNotice) RequestFiled(action string) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if n.closed {
		n.fail("queue", fmt.Errorf("notice sender closed"))
		return
	}
	select {
	case n.queue <- action:
	default:
		n.fail("queue", fmt.Errorf("queue full (%d notices waiting)", adminNoticeQueue))
	}
}

// Close stops accepting notices and waits until the queued ones are sent
// or ctx ends. Errors: ctx's error when it ended first.
func (n *AdminNotice) Close(ctx context.Context) error {
	n.mu.Lock()
	if !n.closed {
		n.closed = true
		close(n.queue)
	}
	n.mu.Unlock()
	select {
	case <-n.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (n *AdminNotice) work() {
	defer close(n.done)
	for action := range n.queue {
		ctx, cancel := context.WithTimeout(context.Background(), n.timeout)
		err := n.ch.Deliver(ctx, adminNoticeMessage(n.to, action))
		cancel()
		if err != nil {
			n.fail("deliver", err)
		}
	}
}

// adminNoticeMessage is the whole notice: the kind of request and where to
// review it.
func adminNoticeMessage(to, action string) Message {
	return Message{
		To:      to,
		Subject: "piivault: a request waits for approval",
		Text: fmt.Sprintf("A data subject filed a %s request. Review the open requests with GET /v1/requests "+
			"and approve or cancel each with POST or DELETE /v1/request/{rtoken}.", action),
	}
}

// fail logs a failure; err never holds the address (the channels of this
// package guarantee that for theirs).
func (n *AdminNotice) fail(stage string, err error) {
	n.logger.LogAttrs(context.Background(), slog.LevelWarn, "admin notice delivery failed",
		slog.String("stage", stage), slog.String("error", err.Error()))
}
