package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"piivault/internal/vault"
)

// Backup writes a consistent copy of the SQLite database to path, which
// must not exist. It is safe while this and other processes keep writing:
// VACUUM INTO reads one snapshot (WAL readers never block the writer) and
// writes a compact, self-contained database file, which is then fsynced.
// It runs on a connection of its own, so that the copy holds up neither the
// writer nor the reader pool. PostgreSQL and MySQL have their own tools
// (pg_dump, mysqldump or mariadb-backup).
// Errors: EINVALID for another dialect or an existing path; EUNAVAILABLE.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.d.name != SQLite {
		return vault.Errorf(vault.EINVALID, "backup: %s databases are backed up with their own tools", db.d.name)
	}
	if _, err := os.Lstat(path); err == nil {
		return vault.Errorf(vault.EINVALID, "backup: %s exists already", path)
	}
	conn, err := sql.Open("sqlite3", sqliteFile(db.cfg.DSN)+"?"+url.Values{
		"_busy_timeout": {strconv.FormatInt(db.cfg.BusyTimeout.Milliseconds(), 10)},
	}.Encode())
	if err != nil {
		return vault.Wrap(vault.EINVALID, "sqlite: bad DSN", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path)
		return db.d.wrap("backup", err)
	}
	if err := syncFile(path); err != nil {
		return fmt.Errorf("sqlstore: backup: %w", err)
	}
	return nil
}

// CheckBackup opens the SQLite file at path read-only and checks that it is
// an intact piivault database: SQLite's quick_check passes and a keyring is
// stored. Errors: EINVALID, describing what is wrong.
func CheckBackup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return vault.Wrap(vault.EINVALID, "backup: cannot read the file", err)
	}
	conn, err := sql.Open("sqlite3", sqliteFile(path)+"?mode=ro")
	if err != nil {
		return vault.Wrap(vault.EINVALID, "sqlite: bad path", err)
	}
	defer conn.Close()
	var check string
	if err := conn.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check); err != nil {
		return vault.Wrap(vault.EINVALID, "backup: not a SQLite database", err)
	}
	if check != "ok" {
		return vault.Errorf(vault.EINVALID, "backup: the file is damaged (quick_check: %.200s)", check)
	}
	var keks int
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM keks").Scan(&keks); err != nil || keks == 0 {
		return vault.Errorf(vault.EINVALID, "backup: not a piivault database (no keyring)")
	}
	return nil
}

// RestoreSQLite replaces the SQLite database at dbPath by a copy of the
// backup at backupPath, after CheckBackup. The copy is written next to
// dbPath and fsynced, the old database's WAL and shared-memory files are
// removed (a WAL left behind would be replayed into the restored file and
// corrupt it), and the copy is renamed into place, so that a crash leaves
// either the old or the restored database. The caller must make sure that
// no process has dbPath open. Errors: EINVALID for a bad backup; others
// uncoded.
func RestoreSQLite(ctx context.Context, backupPath, dbPath string) error {
	if err := CheckBackup(ctx, backupPath); err != nil {
		return err
	}
	tmp := dbPath + ".restoring"
	os.Remove(tmp) // left over from a restore that crashed
	if err := copyFile(backupPath, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("sqlstore: restore: %w", err)
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(dbPath + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			os.Remove(tmp)
			return fmt.Errorf("sqlstore: restore: %w", err)
		}
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("sqlstore: restore: %w", err)
	}
	return syncDir(filepath.Dir(dbPath))
}

// sqliteFile is the file: URI of a database path, as openSQLite builds it.
func sqliteFile(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath()
}

// copyFile copies src to a new file dst (0600) and fsyncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncFile fsyncs a file and the directory holding it, so that both its
// content and its name survive a crash.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
