package sqlstore

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"piivault/internal/vault"
	"piivault/migrations"
)

func newPostgresDialect() *dialect {
	return &dialect{
		name:         Postgres,
		dollar:       true,
		forUpdate:    " FOR UPDATE",
		migrations:   migrations.Postgres,
		duplicateKey: postgresDuplicateKey,
		unavailable:  postgresUnavailable,
		retryable:    postgresRetryable,
	}
}

// openPostgres opens a pool for the postgres:// URL in cfg.DSN.
// Connections are made lazily; Open's Ping makes the first.
func openPostgres(cfg Config) (*DB, error) {
	cc, err := pgx.ParseConfig(cfg.DSN)
	if err != nil {
		// The parse error quotes the DSN, password included: keep it out.
		return nil, vault.Errorf(vault.EINVALID, "postgres: bad DSN")
	}
	if cc.RuntimeParams == nil {
		cc.RuntimeParams = map[string]string{}
	}
	// A lock wait fails after BusyTimeout instead of holding a request.
	cc.RuntimeParams["lock_timeout"] = strconv.FormatInt(cfg.BusyTimeout.Milliseconds(), 10)
	if cc.ConnectTimeout == 0 || cc.ConnectTimeout > cfg.QueryTimeout {
		cc.ConnectTimeout = cfg.QueryTimeout
	}
	pool := stdlib.OpenDB(*cc)
	configurePool(pool, cfg)
	return &DB{d: newPostgresDialect(), pool: pool}, nil
}

// postgresDuplicateKey returns the violated constraint's name, which the
// migrations spell <table>_<column>.
func postgresDuplicateKey(err error) (string, bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return pe.ConstraintName, true
	}
	return "", false
}

func postgresUnavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 08: connection exception; 53: insufficient resources (disk full,
		// out of memory, too many connections); 57P0x: shutting down or
		// starting; 57014: cancelled; 55P03: lock wait timed out.
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "53") ||
			strings.HasPrefix(pe.Code, "57P") || pe.Code == "57014" || pe.Code == "55P03"
	}
	var ce *pgconn.ConnectError
	// A connection the server dropped (ErrConnClosed, or an error pgconn
	// knows was raised before anything was sent) is an outage, not a bug.
	return errors.As(err, &ce) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) || errors.Is(err, pgconn.ErrConnClosed)
}

// postgresRetryable: serialization_failure and deadlock_detected abort the
// transaction, which may then simply run again.
func postgresRetryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}
