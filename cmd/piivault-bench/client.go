package main

import (
	"bytes"
	"context"
	cryptorand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"syscall"
	"time"
)

// maxResponse bounds what one answer may occupy in a worker's buffer; the answers measured here
// are a few hundred bytes.
const maxResponse = 1 << 20

// bench is one run: the shared client, the target and what makes created records unique.
type bench struct {
	cfg     config
	client  *http.Client
	stop    context.Context // cancelled when the operator interrupts the run
	stderr  io.Writer
	tty     bool     // stderr is a terminal: the progress line rewrites itself
	token   []string // the X-Bunker-Token header value, shared by every request
	bareURL string

	// run tags every login and email this run creates, and phoneRun every phone number, so runs
	// against a server that keeps its data never collide on a unique index.
	run      string
	phoneRun int64
	seq      atomic.Int64 // numbers created users across all scenarios
	seed     uint64       // seeds each worker's random source
	session  sessionDoc   // template for session bodies
}

func newBench(ctx context.Context, cfg config, stderr io.Writer) *bench {
	now := time.Now()
	return &bench{
		cfg:      cfg,
		client:   newClient(cfg.conc),
		stop:     ctx,
		stderr:   stderr,
		token:    []string{cfg.token},
		run:      hex.EncodeToString(randomBytes(4)),
		phoneRun: rand.Int64N(100_000), // random, not the clock: benches started together differ
		seed:     rand.Uint64(),
		session:  newSessionDoc(now),
	}
}

// newClient returns the one HTTP client every scenario shares, bare included, so the ratio to
// bare compares servers rather than client code paths. Its dialer refuses non-loopback
// addresses, so neither a host name that resolves elsewhere nor a redirect can carry the load off
// this machine; redirects are not followed anyway (the API never sends one).
func newClient(conc int) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: loopbackOnly}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:           dialer.DialContext,
			MaxIdleConns:          2 * conc, // the bare server and the target each keep a pool
			MaxIdleConnsPerHost:   conc,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			DisableCompression:    true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// loopbackOnly is a net.Dialer Control hook: it runs after name resolution, on the address
// actually dialled, and refuses anything outside 127.0.0.0/8 and ::1.
func loopbackOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to connect to %s: only loopback addresses may be loaded", address)
	}
	return nil
}

// do sends one request and reads the whole answer into buf, so the connection can be reused.
// It returns the status and the body, which stays valid until buf is next used. Only a request
// that got no complete answer returns an error.
func (b *bench) do(ctx context.Context, method, target string, body []byte, buf *bytes.Buffer) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, nil, withoutURL(err)
	}
	req.Header["X-Bunker-Token"] = b.token
	if body != nil {
		req.Header["Content-Type"] = jsonType
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, nil, withoutURL(err)
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxResponse)); err != nil {
		return 0, nil, fmt.Errorf("read answer: %w", withoutURL(err))
	}
	return resp.StatusCode, buf.Bytes(), nil
}

var jsonType = []string{"application/json"}

// expectOK is do for setup requests: anything but 200 is an error quoting the server's answer
// (API error bodies hold only a fixed message, never submitted values).
func (b *bench) expectOK(ctx context.Context, method, target string, body []byte, buf *bytes.Buffer) ([]byte, error) {
	status, resp, err := b.do(ctx, method, target, body, buf)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d %.200s", status, bytes.TrimSpace(resp))
	}
	return resp, nil
}

// withoutURL drops the request URL from a client error: paths here hold emails and tokens,
// which have no place in a report.
func withoutURL(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

// randomBytes returns n bytes from the system's cryptographic source.
func randomBytes(n int) []byte {
	p := make([]byte, n)
	cryptorand.Read(p) // never fails: it crashes the program rather than return short
	return p
}
