// Package apitest runs the real piivault HTTP stack for tests: a fresh
// database (SQLite by default), the envelope keyring, vault.Service and
// httpapi.New behind an httptest.Server, all torn down with the test.
//
// Set PIIVAULT_TEST_DRIVER=postgres or mysql to run the same tests against a
// fresh PostgreSQL or MariaDB/MySQL database, created through the admin DSN in
// PIIVAULT_TEST_POSTGRES_DSN or PIIVAULT_TEST_MYSQL_DSN (defaults: the local
// test servers) and dropped at cleanup.
package apitest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"piivault/internal/envelope"
	"piivault/internal/httpapi"
	"piivault/internal/phone"
	"piivault/internal/sqlstore"
	"piivault/internal/vault"
)

// Server is a running API over a fresh database.
type Server struct {
	// URL is the base URL, without a trailing slash.
	URL string
	// Root is the root token, to send as X-Bunker-Token.
	Root string
	// Service is the service behind the API, for tests that set up state
	// the API cannot reach directly.
	Service *vault.Service
	// DB is the open database.
	DB *sqlstore.DB
	// Handler is the API handler itself, for benchmarks that skip the network.
	Handler http.Handler

	t      testing.TB
	http   *httptest.Server
	client *http.Client
	dbPath string
	cfg    sqlstore.Config
	logs   *logBuffer
}

// Option changes how New builds the server.
type Option func(*setup)

type setup struct {
	vault vault.Options
	http  httpapi.Options
}

// WithVault lets a test change the service options (anonymous creation,
// listing, clock, policies...) before the service is built.
func WithVault(fn func(*vault.Options)) Option { return func(s *setup) { fn(&s.vault) } }

// WithHTTP lets a test change the HTTP options (limits, CORS, HSTS) before
// the handler is built. The logger is always the capturing one.
func WithHTTP(fn func(*httpapi.Options)) Option { return func(s *setup) { fn(&s.http) } }

// New starts a server over a fresh, migrated database with a new master key
// and a random root token. Everything is closed and removed when the test
// ends. It fails the test when the database cannot be prepared.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	ctx := context.Background()
	s := &Server{t: t, Root: vault.NewUUID(), logs: &logBuffer{}}

	cfg := s.database(t)
	s.cfg = cfg
	db, err := sqlstore.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("apitest: open %s database: %v", cfg.Driver, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("apitest: migrate: %v", err)
	}
	master, err := envelope.ParseMasterKey(envelope.GenerateMasterKey())
	if err != nil {
		t.Fatalf("apitest: master key: %v", err)
	}
	keys, err := envelope.Ensure(ctx, master, db, time.Now())
	if err != nil {
		t.Fatalf("apitest: keyring: %v", err)
	}

	st := setup{vault: vault.Options{
		RootTokenHash: vault.HashToken(s.Root),
		Normalizer:    vault.Normalizer{Phone: phone.Normalizer("GB")},
	}}
	for _, o := range opts {
		o(&st)
	}
	st.http.Logger = slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	s.DB = db
	s.Service = vault.NewService(db, keys, st.vault)
	s.Handler = httpapi.New(s.Service, st.http)
	s.http = httptest.NewServer(s.Handler)
	t.Cleanup(s.http.Close)
	s.URL = s.http.URL
	s.client = &http.Client{
		Transport: &http.Transport{DisableCompression: true},
		// A redirect is a failure under §17 note 3: surface it, never follow it.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(s.client.CloseIdleConnections)
	return s
}

// DBPath returns the SQLite database file, or "" on other drivers.
func (s *Server) DBPath() string { return s.dbPath }

// Logs returns everything the server has logged so far, one JSON object per line.
func (s *Server) Logs() string { return s.logs.String() }

// Response is an answer read in full.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends method path with body (none when "") and headers written as
// "Name: value" (a name given twice is sent twice). It sends nothing else:
// no token and no Content-Type unless given. It fails the test on a
// transport error.
func (s *Server) Do(method, path, body string, headers ...string) Response {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.t.Fatalf("apitest: %s %s: %v", method, path, err)
	}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			s.t.Fatalf("apitest: header %q is not \"Name: value\"", h)
		}
		req.Header.Add(name, strings.TrimSpace(value))
	}
	return s.Send(req)
}

// Send sends a prepared request, for what Do cannot express (a chunked body,
// a raw path). It fails the test on a transport error.
func (s *Server) Send(req *http.Request) Response {
	s.t.Helper()
	res, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("apitest: %s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatalf("apitest: %s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// RootHeader is the X-Bunker-Token header of the root token, for Do.
func (s *Server) RootHeader() string { return "X-Bunker-Token: " + s.Root }

// logBuffer collects log output from concurrent handlers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// sqlitePath is where New keeps the SQLite database of a test.
func sqlitePath(t testing.TB) string { return filepath.Join(t.TempDir(), "vault.db") }
