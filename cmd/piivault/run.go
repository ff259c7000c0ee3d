package main

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"piivault/internal/config"
	"piivault/internal/httpapi"
	"piivault/internal/ledger"
	"piivault/internal/metrics"
	"piivault/internal/phone"
	"piivault/internal/sqlstore"
	"piivault/internal/vault"
)

// HTTP server limits of api.md §1.1.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
	// net/http reads up to MaxHeaderBytes plus 4 KiB of slack before it
	// answers 431, so this makes the request line and headers together at
	// most the contract's 64 KiB.
	maxHeaderBytes = 64<<10 - 4096
)

// server is what the shared start-up path needs beyond the configuration.
type server struct {
	cfg       *config.Config
	masterKey []byte
	rootToken string
	demo      bool
	logger    *slog.Logger
	accessLog *slog.Logger     // one line per request, buffered (see logSink)
	mets      *metrics.Metrics // set by run before any job starts
}

// serveGCPercent is the collector's target while serving, unless GOGC is set.
const serveGCPercent = 400

// errWrongMasterKey is the operator-facing form of envelope.ErrWrongMasterKey.
var errWrongMasterKey = errors.New("the master key does not match this database (it fails the stored check value and opens " +
	"none of the stored key-encryption keys); configure the key the database was initialised with, or the new one after " +
	"'piivault rekey' (keys.master_key or keys.master_key_file)")

// run opens and migrates the database, opens the keyring, serves HTTP until
// SIGINT or SIGTERM, then stops accepting, lets in-flight requests finish
// within server.shutdown_timeout, and closes the database. A clean stop
// returns nil.
func (s *server) run(ctx context.Context) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if os.Getenv("GOGC") == "" {
		// The live heap of a serving process is small (10-20 MiB) while
		// every request allocates a few KiB, so at Go's default of 100 the
		// collector runs dozens of times a second. 400 measured 5% less
		// CPU per session read for 20-40 MiB more memory; GOGC overrides.
		debug.SetGCPercent(serveGCPercent)
	}

	release, err := lockDatabase(s.cfg, false)
	if err != nil {
		return err
	}
	defer release()
	db, err := openStore(ctx, s.cfg)
	if err != nil {
		return err
	}
	defer func() {
		if err := db.Close(); err != nil {
			s.logger.Error("closing the database failed", "err", err)
		}
	}()
	keys, err := openKeyring(ctx, db, s.masterKey)
	clear(s.masterKey)
	if err != nil {
		return err
	}
	opts, err := serviceOptions(s.cfg, s.rootToken)
	if err != nil {
		return err
	}
	mets := metrics.New()
	s.mets = mets
	codes := codeDelivery(s.cfg, s.demo, s.logger, mets.CodeDeliveryFailed)
	defer func() {
		// Codes still queued get a few seconds to go out once serving has stopped.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := codes.Close(cctx); err != nil {
			s.logger.Warn("login codes still queued at shutdown were not sent")
		}
	}()
	opts.Demo, opts.Login = s.demo, loginOptions(s.cfg, codes)
	led, err := ledger.Open(ledgerPath(s.cfg, keys), keys.LedgerMAC)
	if err != nil {
		return fmt.Errorf("open the erasure ledger: %w", err)
	}
	defer led.Close()
	km := vault.NewKeyManager(db, keys, keyManagerOptions(s.cfg, s.logger))
	if notice := adminNotice(s.cfg, s.logger); notice != nil {
		defer closeAdminNotice(ctx, notice, s.logger)
		opts.RequestNotifier = notice
	}
	opts.KeyManager, opts.Erasures = km, led
	opts.Notifications = s.cfg.Notification.NotificationURL != ""
	svc := vault.NewService(db, keys, opts)
	// Before serving: a restored backup must not show anyone erased since.
	if err := replayErasures(ctx, svc, led, s.logger); err != nil {
		return err
	}
	// The key manager stops before the database closes (defers run in reverse).
	keysCtx, stopKeys := context.WithCancel(ctx)
	keysDone := make(chan struct{})
	go func() { km.Run(keysCtx); close(keysDone) }()
	defer func() {
		stopKeys()
		<-keysDone
	}()
	// The sweeper stops before the database closes (defers run in reverse).
	sweepCtx, stopSweep := context.WithCancel(ctx)
	sweepDone := s.sweep(sweepCtx, svc, s.cfg.Jobs.Interval())
	defer func() {
		stopSweep()
		<-sweepDone
	}()
	// So do the audit chainer and retention.
	auditCtx, stopAudit := context.WithCancel(ctx)
	auditDone := s.auditJobs(auditCtx, svc, s.cfg.Jobs.Interval())
	defer func() {
		stopAudit()
		<-auditDone
	}()
	// And the notification dispatcher, when a receiver is configured.
	if opts.Notifications {
		notifyCtx, stopNotify := context.WithCancel(ctx)
		notifyDone := s.notifications(notifyCtx, svc, s.cfg.Notification.NotificationURL, s.cfg.Notification.Secret.Value())
		defer func() {
			stopNotify()
			<-notifyDone
		}()
	}
	handler := httpapi.New(svc, httpapi.Options{
		MaxBodyBytes:  s.cfg.Server.MaxBodyBytes,
		MaxJSONDepth:  s.cfg.Server.MaxJSONDepth,
		CORSOrigins:   s.cfg.Server.CORSOrigins,
		HSTS:          s.cfg.Server.HSTS,
		Logger:        s.logger,
		AccessLog:     s.accessLog,
		UI:            uiOptions(s.cfg.UI),
		Metrics:       mets,
		RateLimits:    rateLimits(s.cfg),
		Configuration: s.cfg.Settings,
		// A use case makes a few storage calls, each bounded by the query
		// timeout; twice that bounds the request as a whole (api.md §1.4 503).
		RequestTimeout: 2 * s.cfg.Storage.QueryTimeout,
	})
	return s.listenAndServe(ctx, stop, handler)
}

// listenAndServe serves handler until ctx ends, then shuts down gracefully
// (go-chi _examples/graceful). stop restores default signal handling, so a
// second Ctrl-C during a slow shutdown kills the process at once.
func (s *server) listenAndServe(ctx context.Context, stop func(), handler http.Handler) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	tlsOn := s.cfg.SSL.Enabled()
	if tlsOn {
		cert, err := tls.LoadX509KeyPair(s.cfg.SSL.Certificate, s.cfg.SSL.CertificateKey)
		if err != nil {
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	ln, err := net.Listen("tcp", s.cfg.Server.Addr())
	if err != nil {
		return err
	}
	s.logger.Info("piivault listening", "version", buildVersion(), "addr", ln.Addr().String(),
		"tls", tlsOn, "storage", s.cfg.Storage.Driver, "demo", s.demo)

	errc := make(chan error, 1)
	go func() {
		if tlsOn {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	stop()
	s.logger.Info("shutting down: finishing requests in flight", "timeout", s.cfg.Server.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Server.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shutdown: requests still running after %s were cut off: %w", s.cfg.Server.ShutdownTimeout, err)
	}
	<-errc // http.ErrServerClosed once Serve has returned
	s.logger.Info("piivault stopped")
	return nil
}

// sweep deletes expired sessions and vault tokens (§1.14) at start and then
// every interval until ctx ends; the returned channel is closed once it has
// stopped. Each sweep works in bounded batches, so requests interleave. It
// logs counts and error chains, which carry no personal data.
func (s *server) sweep(ctx context.Context, svc *vault.Service, interval time.Duration) <-chan struct{} {
	if interval <= 0 {
		interval = time.Minute
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			res, err := svc.SweepExpired(ctx)
			s.mets.JobRun("sweep", err)
			s.mets.Expired("session", res.Sessions)
			s.mets.Expired("token", res.Tokens)
			s.mets.Expired("agreement", res.Agreements)
			s.mets.Expired("shared_record", res.Shares)
			s.mets.Expired("user", res.Users)
			if n, err := svc.LiveSessions(ctx); err == nil {
				s.mets.SetSessionsLive(n)
			}
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				s.logger.Error("expiry sweep failed", "err", err, "sessions", res.Sessions, "tokens", res.Tokens, "agreements", res.Agreements)
			case res.Sessions > 0 || res.Tokens > 0 || res.Agreements > 0:
				s.logger.Info("expiry sweep", "sessions", res.Sessions, "tokens", res.Tokens, "agreements", res.Agreements)
			}
			if res.Shares > 0 || res.Users > 0 {
				s.logger.Info("retention sweep", "shared_records", res.Shares, "users_erased", res.Users)
			}
			if res.LoginCodes > 0 || res.LoginTokens > 0 {
				s.logger.Info("login sweep", "login_codes", res.LoginCodes, "login_tokens", res.LoginTokens)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return done
}

// serviceOptions maps the configuration onto the vault's options.
func serviceOptions(cfg *config.Config, rootToken string) (vault.Options, error) {
	scoped := make([]vault.ScopedToken, 0, len(cfg.Auth.ScopedTokens))
	for _, t := range cfg.Auth.ScopedTokens {
		st := vault.ScopedToken{Name: t.Name, Scopes: t.Scopes}
		if n, err := hex.Decode(st.SHA256[:], []byte(t.SHA256)); err != nil || n != len(st.SHA256) {
			return vault.Options{}, fmt.Errorf("auth.scoped_tokens: %s: bad sha256", t.Name) // Validate rules this out
		}
		scoped = append(scoped, st)
	}
	return vault.Options{
		RootTokenHash:       vault.HashToken(rootToken),
		AnonymousCreate:     cfg.Generic.CreateUserWithoutAccessToken,
		ListUsers:           cfg.Generic.ListUsers,
		Normalizer:          vault.Normalizer{Phone: phone.Normalizer(cfg.SMS.DefaultCountry)},
		MaxSessionRetention: cfg.Policy.MaxSessionRetention,
		MaxTokenRetention:   cfg.Policy.MaxTokenRetention,
		TokenEmailDomain:    cfg.Tokenization.EmailDomain,
		ScopedTokens:        scoped,
		SelfService: vault.SelfService{
			ForgetMe:         cfg.SelfService.ForgetMe,
			UserRecordChange: cfg.SelfService.UserRecordChange,
			AppRecordChange:  cfg.SelfService.AppRecordChange,
		},
		MaxShareRetention: cfg.Policy.MaxShareableRecordRetention,
		MaxUserRetention:  cfg.Policy.MaxUserRetention,
	}, nil
}

// openStore creates the SQLite data directory when needed, opens the
// database and applies pending migrations.
func openStore(ctx context.Context, cfg *config.Config) (*sqlstore.DB, error) {
	if cfg.Storage.Driver == sqlstore.SQLite {
		if err := os.MkdirAll(cfg.Server.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	st := cfg.Storage
	db, err := sqlstore.Open(ctx, sqlstore.Config{
		Driver:          st.Driver,
		DSN:             st.DSN.Value(),
		MaxOpenConns:    st.MaxOpenConns,
		MaxIdleConns:    st.MaxIdleConns,
		ConnMaxLifetime: st.ConnMaxLifetime,
		ConnMaxIdleTime: st.ConnMaxIdleTime,
		BusyTimeout:     st.BusyTimeout,
		QueryTimeout:    st.QueryTimeout,
	})
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", st.Driver, err)
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s database: %w", st.Driver, err)
	}
	return db, nil
}
