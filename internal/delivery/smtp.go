package delivery

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"
)

// SMTP delivers messages through a mail server (smtp.*). It upgrades the
// connection with STARTTLS whenever the server offers it, or speaks TLS
// from the start on port 465, and authenticates with PLAIN when a user is
// set (net/smtp refuses PLAIN over an unencrypted connection to anything
// but localhost, so a password is never sent in the clear).
type SMTP struct {
	Host     string // smtp.server
	Port     int    // smtp.port; 465 means TLS from the start
	Username string // smtp.user; "" skips authentication
	Password string // smtp.pass
	From     string // smtp.sender
	// TLSConfig is used for STARTTLS and port 465; nil verifies the server
	// against the system roots under the name Host.
	TLSConfig *tls.Config
}

// SMTPError is a failed step of an SMTP delivery. It keeps the server's
// numeric reply code but never its text, which may quote the recipient.
type SMTPError struct {
	Step string // dial, tls, hello, starttls, auth, mail, rcpt, data, quit
	Code int    // the server's reply code, 0 when there was none
	Err  error  // the cause for dial and tls steps (no address of the recipient); nil otherwise
}

func (e *SMTPError) Error() string {
	switch {
	case e.Code != 0:
		return fmt.Sprintf("smtp %s: server replied %d", e.Step, e.Code)
	case e.Err != nil:
		return fmt.Sprintf("smtp %s: %v", e.Step, e.Err)
	}
	return "smtp " + e.Step + ": failed"
}

func (e *SMTPError) Unwrap() error { return e.Err }

// Deliver sends m as a plain-text mail. Errors: *SMTPError; an invalid
// recipient or sender (control characters, no @) fails before connecting.
func (s *SMTP) Deliver(ctx context.Context, m Message) error {
	if !validAddress(m.To) {
		return &SMTPError{Step: "rcpt", Err: errors.New("not a mail address")}
	}
	if !validAddress(s.From) {
		return &SMTPError{Step: "mail", Err: errors.New("smtp.sender is not a mail address")}
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return &SMTPError{Step: "dial", Err: err}
	}
	// One deadline for the whole conversation: a server that stalls
	// cannot hold a worker longer than the delivery timeout.
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	tlsConfig := s.tlsConfig()
	if s.Port == 465 {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return &SMTPError{Step: "tls", Err: err}
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		conn.Close()
		return smtpStep("hello", err)
	}
	defer c.Close()
	if err := c.Hello(helloName()); err != nil {
		return smtpStep("hello", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok && s.Port != 465 {
		if err := c.StartTLS(tlsConfig); err != nil {
			return smtpStep("starttls", err)
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, s.Host)); err != nil {
			return smtpStep("auth", err)
		}
	}
	if err := c.Mail(s.From); err != nil {
		return smtpStep("mail", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return smtpStep("rcpt", err)
	}
	w, err := c.Data()
	if err != nil {
		return smtpStep("data", err)
	}
	if _, err := w.Write(s.compose(m)); err != nil {
		return smtpStep("data", err)
	}
	if err := w.Close(); err != nil {
		return smtpStep("data", err)
	}
	if err := c.Quit(); err != nil {
		return smtpStep("quit", err)
	}
	return nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	if s.TLSConfig != nil {
		return s.TLSConfig
	}
	return &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
}

// compose writes the message with CRLF line ends; net/smtp's data writer
// dot-stuffs it.
func (s *SMTP) compose(m Message) []byte {
	var b bytes.Buffer
	hdr := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	hdr("From", s.From)
	hdr("To", m.To)
	hdr("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	hdr("Date", time.Now().UTC().Format(time.RFC1123Z))
	hdr("Message-ID", "<"+randomID()+"@"+domainOf(s.From)+">")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "8bit")
	hdr("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\n", "\r\n"))
	b.WriteString("\r\n")
	return b.Bytes()
}

// smtpStep keeps only the reply code of a server error: its text may quote
// the recipient ("550 <a@b.example>: no such user").
func smtpStep(step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		return &SMTPError{Step: step, Code: te.Code}
	}
	var ne net.Error
	if errors.As(err, &ne) || step == "starttls" {
		return &SMTPError{Step: step, Err: err}
	}
	return &SMTPError{Step: step}
}

// validAddress accepts a plausible mail address: one @ with text on both
// sides and no white space or control characters, so that no header or SMTP
// command can be injected through it.
func validAddress(a string) bool {
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 || len(a) > 254 {
		return false
	}
	for _, r := range a {
		if r <= ' ' || r == 0x7f || r == '<' || r == '>' {
			return false
		}
	}
	return true
}

func domainOf(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return addr[at+1:]
	}
	return "localhost"
}

func helloName() string {
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \r\n") {
		return h
	}
	return "localhost"
}

func randomID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
