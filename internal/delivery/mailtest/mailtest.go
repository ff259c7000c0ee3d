// Package mailtest runs a small SMTP server for tests: enough of RFC 5321
// (EHLO/HELO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT) to
// receive what piivault sends, over a real TCP listener. It is for tests
// only.
package mailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Mail is one message the server accepted.
type Mail struct {
	From     string
	To       []string
	Data     string // the message as sent, dot-unstuffed, CRLF line ends
	TLS      bool   // sent over a STARTTLS-upgraded connection
	AuthUser string // the user of AUTH PLAIN, "" without authentication
}

// Options shape the server's behaviour.
type Options struct {
	// STARTTLS offers STARTTLS with a self-signed certificate for
	// "localhost"; ClientTLS returns a config that trusts it.
	STARTTLS bool
	// User and Pass, when User is set, are the only AUTH PLAIN credentials
	// accepted (535 otherwise). Authentication is always optional.
	User, Pass string
	// RejectRcpt answers every RCPT with 550 quoting the address, as real
	// servers do.
	RejectRcpt bool
}

// Server is a running SMTP server, closed when the test ends.
type Server struct {
	Host string // 127.0.0.1
	Port int

	opts  Options
	ln    net.Listener
	tls   *tls.Config
	roots *x509.CertPool
	mails chan Mail
	wg    sync.WaitGroup
}

// Start listens on a free port of 127.0.0.1 and serves until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s := &Server{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, opts: opts, ln: ln, mails: make(chan Mail, 100)}
	if opts.STARTTLS {
		s.tls, s.roots = selfSigned(t)
	}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// ClientTLS returns a client configuration that trusts the server's
// certificate, for STARTTLS.
func (s *Server) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: s.roots, ServerName: "localhost", MinVersion: tls.VersionTLS12}
}

// Next returns the next accepted message, failing the test when none
// arrives within timeout.
func (s *Server) Next(t testing.TB, timeout time.Duration) Mail {
	t.Helper()
	select {
	case m := <-s.mails:
		return m
	case <-time.After(timeout):
		t.Fatalf("mailtest: no mail within %s", timeout)
		return Mail{}
	}
}

// None fails the test when a message arrives within wait.
func (s *Server) None(t testing.TB, wait time.Duration) {
	t.Helper()
	select {
	case m := <-s.mails:
		t.Fatalf("mailtest: unexpected mail to %v", m.To)
	case <-time.After(wait):
	}
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(30 * time.Second))
			s.session(conn)
		}()
	}
}

// session speaks SMTP on one connection.
func (s *Server) session(conn net.Conn) {
	tp := textproto.NewConn(conn)
	reply := func(code int, msg string) { tp.PrintfLine("%d %s", code, msg) }
	reply(220, "mailtest ESMTP")
	var (
		cur    Mail
		secure bool
		user   string
	)
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			ext := []string{"250-mailtest", "250-8BITMIME"}
			if s.tls != nil && !secure {
				ext = append(ext, "250-STARTTLS")
			}
			ext = append(ext, "250 AUTH PLAIN")
			for _, e := range ext {
				tp.PrintfLine("%s", e)
			}
		case "STARTTLS":
			if s.tls == nil || secure {
				reply(502, "not offered")
				continue
			}
			reply(220, "go ahead")
			tc := tls.Server(conn, s.tls)
			if tc.Handshake() != nil {
				return
			}
			conn, secure = tc, true
			tp = textproto.NewConn(conn) // reply writes to the new tp

		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			b, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(b), "\x00")
			if !strings.EqualFold(mech, "PLAIN") || err != nil || len(parts) != 3 ||
				(s.opts.User != "" && (parts[1] != s.opts.User || parts[2] != s.opts.Pass)) {
				reply(535, "authentication failed")
				continue
			}
			user = parts[1]
			reply(235, "authenticated")
		case "MAIL":
			cur = Mail{From: address(arg), TLS: secure, AuthUser: user}
			reply(250, "ok")
		case "RCPT":
			a := address(arg)
			if s.opts.RejectRcpt {
				reply(550, "<"+a+">: recipient address rejected: user unknown")
				continue
			}
			cur.To = append(cur.To, a)
			reply(250, "ok")
		case "DATA":
			if len(cur.To) == 0 {
				reply(503, "no recipients")
				continue
			}
			reply(354, "end with <CRLF>.<CRLF>")
			lines, err := tp.ReadDotLines()
			if err != nil {
				return
			}
			cur.Data = strings.Join(lines, "\r\n")
			s.mails <- cur
			cur = Mail{}
			reply(250, "queued")
		case "RSET":
			cur = Mail{}
			reply(250, "ok")
		case "NOOP":
			reply(250, "ok")
		case "QUIT":
			reply(221, "bye")
			return
		default:
			reply(500, "unknown command")
		}
	}
}

// address extracts the address of "FROM:<a@b> SIZE=…" or "TO:<a@b>".
func address(arg string) string {
	if i := strings.IndexByte(arg, '<'); i >= 0 {
		if j := strings.IndexByte(arg[i:], '>'); j > 0 {
			return arg[i+1 : i+j]
		}
	}
	_, a, _ := strings.Cut(arg, ":")
	return strings.TrimSpace(a)
}

// selfSigned makes a certificate for localhost and a pool that trusts it.
func selfSigned(t testing.TB) (*tls.Config, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("mailtest: key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("mailtest: certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("mailtest: certificate: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

// Addr returns host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }
