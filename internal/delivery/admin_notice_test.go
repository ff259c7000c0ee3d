package delivery

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"piivault/internal/delivery/mailtest"
)

func TestAdminNoticeMailsTheKindOfRequestOnly(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{STARTTLS: true})
	n := NewAdminNotice(smtpTo(srv), "dpo@example.org", nil)
	n.RequestFiled("forget-me")
	m := srv.Next(t, testWait)
	if len(m.To) != 1 || m.To[0] != "dpo@example.org" || !m.TLS {
		t.Fatalf("sent to %v (TLS %v), want the administrator over STARTTLS", m.To, m.TLS)
	}
	for _, want := range []string{"Subject: piivault: a request waits for approval", "filed a forget-me request", "GET /v1/requests"} {
		if !strings.Contains(m.Data, want) {
			t.Errorf("the notice lacks %q:\n%s", want, m.Data)
		}
	}
	n.RequestFiled("change-app-data")
	if m := srv.Next(t, testWait); !strings.Contains(m.Data, "filed a change-app-data request") {
		t.Errorf("second notice:\n%s", m.Data)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	if err := n.Close(ctx); err != nil {
		t.Fatal(err)
	}
	n.RequestFiled("forget-me") // after Close: dropped, not a panic
	srv.None(t, 200*time.Millisecond)
}

func TestAdminNoticeFailureIsLoggedWithoutTheAddress(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{RejectRcpt: true})
	var logs bytes.Buffer
	n := NewAdminNotice(smtpTo(srv), "dpo.secret@example.org", slog.New(slog.NewTextHandler(&logs, nil)))
	n.RequestFiled("change-profile")
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	if err := n.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "admin notice delivery failed") {
		t.Fatalf("no failure logged: %s", logs.String())
	}
	if strings.Contains(strings.ToLower(logs.String()), "dpo.secret") {
		t.Fatalf("the log quotes the address: %s", logs.String())
	}
}
