package sqlstore

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"piivault/internal/vault"
)

// TestBackupAndRestore takes a backup while the database is open, changes
// the database, and restores: the restored file has the data of the
// backup and nothing of what came after.
func TestBackupAndRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "vault.db")
	db := open(t, Config{Driver: SQLite, DSN: path})
	withV1(t, db)
	before := newUser(t, "before")
	insert(t, db, before)
	backup := filepath.Join(dir, "backup.db")

	if err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	t.Run("an existing backup file is not overwritten", func(t *testing.T) {
		wantCode(t, db.Backup(ctx, backup), vault.EINVALID, "")
	})
	after := newUser(t, "after")
	insert(t, db, after)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	t.Run("a file that is no piivault database is refused", func(t *testing.T) {
		junk := filepath.Join(dir, "junk.db")
		if err := os.WriteFile(junk, []byte("not a database at all, not even close"), 0o600); err != nil {
			t.Fatal(err)
		}
		wantCode(t, RestoreSQLite(ctx, junk, path), vault.EINVALID, "")
		empty := filepath.Join(dir, "empty.db")
		open(t, Config{Driver: SQLite, DSN: empty}).Close()
		wantCode(t, RestoreSQLite(ctx, empty, path), vault.EINVALID, "")
	})
	if err := RestoreSQLite(ctx, backup, path); err != nil {
		t.Fatal(err)
	}
	restored := open(t, Config{Driver: SQLite, DSN: path})
	if _, err := restored.UserByToken(ctx, before.Token); err != nil {
		t.Errorf("the user of the backup: %v", err)
	}
	if _, err := restored.UserByToken(ctx, after.Token); vault.ErrorCode(err) != vault.ENOTFOUND {
		t.Errorf("the user created after the backup: %v, want not found", err)
	}
	if _, err := os.Stat(path + ".restoring"); !os.IsNotExist(err) {
		t.Errorf("the temporary copy is left behind: %v", err)
	}
}

func TestBackupNeedsSQLite(t *testing.T) {
	db := open(t, freshPostgres(t))
	wantCode(t, db.Backup(context.Background(), filepath.Join(t.TempDir(), "b.db")), vault.EINVALID, "")
}
