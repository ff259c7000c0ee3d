package apitest

import (
	"os"
	"os/exec"
	"strings"

	"github.com/go-sql-driver/mysql"

	"piivault/internal/sqlstore"
)

// Dump returns everything the database holds, for scans that must find no
// plaintext: on SQLite the raw bytes of the database file, its WAL and its
// shared-memory file (free pages and old frames included); on PostgreSQL and
// MySQL a full SQL dump made by pg_dump or mysqldump. It fails the test when
// the dump cannot be made.
func (s *Server) Dump() []byte {
	s.t.Helper()
	switch s.cfg.Driver {
	case sqlstore.Postgres:
		return s.run("pg_dump", "--no-owner", s.cfg.DSN)
	case sqlstore.MySQL:
		mc, err := mysql.ParseDSN(s.cfg.DSN)
		if err != nil {
			s.t.Fatalf("apitest: dump: %v", err)
		}
		host, port, _ := strings.Cut(mc.Addr, ":")
		args := []string{"--skip-comments", "-h", host, "-u", mc.User}
		if port != "" {
			args = append(args, "-P", port)
		}
		if mc.Passwd != "" {
			args = append(args, "-p"+mc.Passwd)
		}
		return s.run("mysqldump", append(args, mc.DBName)...)
	}
	var all []byte
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(s.dbPath + suffix)
		if err != nil && !os.IsNotExist(err) {
			s.t.Fatalf("apitest: dump: %v", err)
		}
		all = append(all, b...)
	}
	return all
}

func (s *Server) run(name string, args ...string) []byte {
	s.t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg += ": " + string(ee.Stderr)
		}
		// The DSN is a test credential, but keep it out of the failure anyway.
		s.t.Fatalf("apitest: %s failed: %s", name, strings.ReplaceAll(msg, s.cfg.DSN, "<dsn>"))
	}
	return out
}

// Driver returns the database driver the server runs on.
func (s *Server) Driver() string { return s.cfg.Driver }
