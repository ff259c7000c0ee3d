package main

import (
	"context"
	"encoding/json"
	"net/http"
)

// mixed is the plan of the mixed scenario: 70% session reads, 20% session writes and 10% user
// reads by email, drawn at random per request. Each worker reads and writes only its own session,
// so it can check for lost updates (see mixedSession).
func (b *bench) mixed(users []string) plan {
	return plan{newOp: func() op {
		s := &mixedSession{url: b.cfg.base + "/v1/session/" + newSessionID(), acked: -1}
		return func(ctx context.Context, w *worker) {
			switch r := w.rng.IntN(100); {
			case r >= 90:
				w.send(ctx, http.MethodGet, users[w.rng.IntN(len(users))], nil)
			case r >= 70 || s.acked < 0:
				s.write(ctx, w, b)
			default:
				s.read(ctx, w)
			}
		}
	}}
}

// mixedSession is one worker's own session in the mixed scenario. Only that worker writes it,
// one request at a time, with a counter that goes up by one per write; so a read must return
// the last value the server acknowledged. Anything else is a lost or torn update.
type mixedSession struct {
	url     string
	written int64 // the counter last sent
	acked   int64 // the counter last acknowledged with a 2xx, -1 before the first
	// unsure is set when a write failed: the server may or may not have stored it, so until the
	// next acknowledged write a read may return any counter in [acked, written].
	unsure bool
}

func (s *mixedSession) write(ctx context.Context, w *worker, b *bench) {
	s.written++
	status, _ := w.send(ctx, http.MethodPost, s.url, b.sessionBody(s.written))
	if status >= 200 && status <= 299 {
		s.acked, s.unsure = s.written, false
	} else {
		s.unsure = true
	}
}

func (s *mixedSession) read(ctx context.Context, w *worker) {
	status, body := w.send(ctx, http.MethodGet, s.url, nil)
	if status != http.StatusOK {
		return // already counted; a 404 here is a lost write, and shows in the status notes
	}
	var got struct {
		Data struct {
			Views *int64 `json:"views"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &got) != nil || got.Data.Views == nil {
		w.mismatch()
		return
	}
	v := *got.Data.Views
	if v == s.acked || (s.unsure && v >= s.acked && v <= s.written) {
		return
	}
	w.mismatch()
}
