package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"piivault/internal/vault"
)

// TestNotificationsJobSendsAtStartLogsWithoutPIIAndStops: the dispatcher
// sends what is queued as soon as it starts, logs a refused delivery by
// event and delivery id only (no user token, no URL query, no body), and
// ends when its context does.
func TestNotificationsJobSendsAtStartLogsWithoutPIIAndStops(t *testing.T) {
	ctx := context.Background()
	svc := jobService(t, vault.Options{Notifications: true})
	token, err := svc.CreateUser(ctx, vault.Root, map[string]any{"login": "notify-canary"})
	if err != nil {
		t.Fatal(err)
	}
	var posts atomic.Int32
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		http.Error(w, "reply-canary", http.StatusInternalServerError)
	}))
	defer rc.Close()

	records := make(recordChan, 16)
	s := &server{logger: slog.New(records)}
	jobCtx, cancel := context.WithCancel(ctx)
	done := s.notifications(jobCtx, svc, rc.URL+"/hook?key=query-canary", "secret")
	select {
	case r := <-records:
		var line strings.Builder
		r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&line, " %s=%v", a.Key, a.Value.Any()); return true })
		if r.Level != slog.LevelWarn || !strings.Contains(line.String(), "event=profilenew") {
			t.Fatalf("log record %v %q%s, want a warning naming the event", r.Level, r.Message, line.String())
		}
		for _, leak := range []string{token, "query-canary", "reply-canary", "notify-canary", rc.URL} {
			if strings.Contains(r.Message+line.String(), leak) {
				t.Errorf("log record leaks %q: %s%s", leak, r.Message, line.String())
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the dispatcher did not run at start")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the dispatcher did not stop with its context")
	}
	if posts.Load() != 1 {
		t.Fatalf("%d posts, want 1 (the retry waits 5 s)", posts.Load())
	}
}
