package sqlstore

import (
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"

	"piivault/internal/vault"
	"piivault/migrations"
)

func newMySQLDialect() *dialect {
	return &dialect{
		name:         MySQL,
		forUpdate:    " FOR UPDATE",
		migrations:   migrations.MySQL,
		duplicateKey: mysqlDuplicateKey,
		unavailable:  mysqlUnavailable,
		retryable:    mysqlRetryable,
	}
}

// openMySQL opens a pool for the go-sql-driver DSN in cfg.DSN, forcing the
// options the store relies on.
func openMySQL(cfg Config) (*DB, error) {
	mc, err := mysql.ParseDSN(cfg.DSN)
	if err != nil {
		// The parse error may quote the DSN, password included: keep it out.
		return nil, vault.Errorf(vault.EINVALID, "mysql: bad DSN")
	}
	// UPDATE reports matched rows, not changed ones: an update that
	// rewrites identical values must not read as "not found".
	mc.ClientFoundRows = true
	// One round trip per statement instead of prepare, execute, close;
	// safe with the utf8mb4 connection character set.
	mc.InterpolateParams = true
	// The migration runner splits files itself, so no query can ever chain
	// a second statement.
	mc.MultiStatements = false
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	// A row lock wait fails after BusyTimeout (whole seconds, at least 1)
	// instead of holding a request for InnoDB's default 50s.
	mc.Params["innodb_lock_wait_timeout"] = strconv.FormatInt(max(1, int64(cfg.BusyTimeout.Seconds())), 10)
	// The driver's statements watch their context, but ROLLBACK and COMMIT
	// do not: bound every network read and write so that a stalled server
	// cannot hold a request past the query timeout.
	if mc.ReadTimeout == 0 {
		mc.ReadTimeout = cfg.QueryTimeout
	}
	if mc.WriteTimeout == 0 {
		mc.WriteTimeout = cfg.QueryTimeout
	}
	if mc.Timeout == 0 || mc.Timeout > cfg.QueryTimeout {
		mc.Timeout = cfg.QueryTimeout
	}
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, vault.Wrap(vault.EINVALID, "mysql: bad DSN", err)
	}
	pool := sql.OpenDB(conn)
	configurePool(pool, cfg)
	return &DB{d: newMySQLDialect(), pool: pool}, nil
}

// mysqlDuplicateKey reads the key name out of error 1062, "Duplicate entry
// '<value>' for key 'users_email_idx'" (MySQL 8 writes 'users.users_email_idx').
func mysqlDuplicateKey(err error) (string, bool) {
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1062 {
		return "", false
	}
	i := strings.LastIndex(me.Message, "for key '")
	if i < 0 {
		return "", true
	}
	key := strings.TrimSuffix(me.Message[i+len("for key '"):], "'")
	if j := strings.LastIndexByte(key, '.'); j >= 0 {
		key = key[j+1:]
	}
	return key, true
}

func mysqlUnavailable(err error) bool {
	if errors.Is(err, mysql.ErrInvalidConn) {
		return true
	}
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	switch me.Number {
	case 1021, // disk full
		1040,       // too many connections
		1053,       // server shutdown in progress
		1114,       // table is full
		1317,       // query interrupted
		1969,       // MariaDB max_statement_time exceeded
		3024,       // MySQL max_execution_time exceeded
		1290, 1836: // read-only server (fail-over in progress)
		return true
	}
	return false
}

// mysqlRetryable: a deadlock (1213) rolls the transaction back; a lock wait
// timeout (1205) fails the statement, and the transaction is rolled back
// and run again as a whole.
func mysqlRetryable(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}
