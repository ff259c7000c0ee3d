// Package migrations embeds the numbered SQL migrations of each database
// dialect. It exists because go:embed cannot reach parent folders, so
// sqlstore takes the files from here.
//
// Files are named NNNN_name.up.sql; NNNN is the version, applied in
// ascending order and recorded in schema_migrations. Each file is one
// logical change (MySQL commits DDL implicitly, so a file that half ran
// could not be retried safely). Statements end with a semicolon at the end
// of a line (comment lines excepted), which is where the runner splits them.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed sqlite/*.up.sql postgres/*.up.sql mysql/*.up.sql
var files embed.FS

// The migrations of each dialect, rooted at the dialect's folder.
var (
	SQLite   fs.FS = sub("sqlite")
	Postgres fs.FS = sub("postgres")
	MySQL    fs.FS = sub("mysql")
)

// sub cannot fail for a folder embedded above; a panic here means the
// embed pattern and the folder names disagree, caught by any test run.
func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err)
	}
	return f
}
