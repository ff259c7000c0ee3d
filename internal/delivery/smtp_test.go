package delivery

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"piivault/internal/delivery/mailtest"
)

const testWait = 10 * time.Second

func smtpTo(srv *mailtest.Server) *SMTP {
	return &SMTP{Host: srv.Host, Port: srv.Port, From: "vault@example.org", TLSConfig: srv.ClientTLS()}
}

func deliver(t *testing.T, ch Channel, m Message) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	return ch.Deliver(ctx, m)
}

func TestSMTPDelivers(t *testing.T) {
	msg := Message{To: "Mary.Major@example.com", Subject: "Your login code", Text: "Your login code is 012345.\n.\nA line that is only a dot survives."}
	tests := []struct {
		name     string
		opts     mailtest.Options
		user     string
		wantTLS  bool
		wantUser string
	}{
		{"in the clear when the server offers no STARTTLS", mailtest.Options{}, "", false, ""},
		{"over STARTTLS whenever the server offers it", mailtest.Options{STARTTLS: true}, "", true, ""},
		{"authenticated over STARTTLS", mailtest.Options{STARTTLS: true, User: "piivault", Pass: "s3cret"}, "piivault", true, "piivault"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := mailtest.Start(t, tc.opts)
			s := smtpTo(srv)
			s.Username, s.Password = tc.user, tc.opts.Pass
			if err := deliver(t, s, msg); err != nil {
				t.Fatal(err)
			}
			m := srv.Next(t, testWait)
			if m.From != "vault@example.org" || len(m.To) != 1 || m.To[0] != msg.To || m.TLS != tc.wantTLS || m.AuthUser != tc.wantUser {
				t.Fatalf("received %+v", m)
			}
			for _, want := range []string{"To: Mary.Major@example.com\r\n", "Subject: Your login code\r\n",
				"Content-Type: text/plain; charset=utf-8\r\n", "\r\n\r\nYour login code is 012345.\r\n.\r\nA line"} {
				if !strings.Contains(m.Data, want) {
					t.Errorf("message lacks %q:\n%s", want, m.Data)
				}
			}
		})
	}
}

func TestSMTPFailuresNeverQuoteTheRecipient(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()

	const to = "victim@example.com"
	tests := []struct {
		name     string
		smtp     func(t *testing.T) *SMTP
		to       string
		wantStep string
		wantCode int
	}{
		{"a rejected recipient keeps only the reply code", func(t *testing.T) *SMTP {
			return smtpTo(mailtest.Start(t, mailtest.Options{RejectRcpt: true}))
		}, to, "rcpt", 550},
		{"wrong credentials", func(t *testing.T) *SMTP {
			s := smtpTo(mailtest.Start(t, mailtest.Options{User: "right", Pass: "right"}))
			s.Username, s.Password = "wrong", "wrong"
			return s
		}, to, "auth", 535},
		{"no server listening", func(t *testing.T) *SMTP {
			return &SMTP{Host: "127.0.0.1", Port: closedPort, From: "vault@example.org"}
		}, to, "dial", 0},
		{"an untrusted certificate stops STARTTLS", func(t *testing.T) *SMTP {
			s := smtpTo(mailtest.Start(t, mailtest.Options{STARTTLS: true}))
			s.TLSConfig = nil // system roots do not know the test certificate
			return s
		}, to, "starttls", 0},
		{"a recipient with a line break is refused before connecting", func(t *testing.T) *SMTP {
			return &SMTP{Host: "127.0.0.1", Port: closedPort, From: "vault@example.org"}
		}, "victim@example.com\r\nBcc: thief@example.net", "rcpt", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := deliver(t, tc.smtp(t), Message{To: tc.to, Text: "code 987654"})
			var se *SMTPError
			if !errors.As(err, &se) || se.Step != tc.wantStep || se.Code != tc.wantCode {
				t.Fatalf("error %v (%#v), want step %s code %d", err, err, tc.wantStep, tc.wantCode)
			}
			if s := err.Error(); strings.Contains(s, "victim") || strings.Contains(s, "987654") {
				t.Fatalf("error text quotes the recipient or code: %s", s)
			}
		})
	}
}

func TestSMTPTimeout(t *testing.T) {
	// A server that accepts but never greets must not hold a worker longer
	// than the delivery's deadline.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	release := make(chan struct{})
	defer close(release)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			<-release
			c.Close()
		}
	}()
	s := &SMTP{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, From: "vault@example.org"}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := s.Deliver(ctx, Message{To: "a@example.com", Text: "x"}); err == nil {
		t.Fatal("a silent server did not fail the delivery")
	}
}
