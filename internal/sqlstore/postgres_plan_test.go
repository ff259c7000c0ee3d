package sqlstore

import (
	"context"
	"strings"
	"testing"
)

// The duplicate check runs on every user create and update. PostgreSQL
// keeps a prepared statement's generic plan, made when the table was empty
// and had no statistics, for as long as the connection lives; without
// autovacuum that is forever. That plan must use the unique indexes, or
// every create scans the whole table.
func TestPostgresDuplicateCheckUsesIndexesWithoutStatistics(t *testing.T) {
	db := open(t, freshPostgres(t))
	ctx := context.Background()
	conn, err := db.pool.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET plan_cache_mode = force_generic_plan"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "PREPARE holders(text, text, text, text, text, text, text, text) AS "+
		db.d.text(sqlUserIndexHolders, false)); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.QueryContext(ctx, "EXPLAIN EXECUTE holders('l', 't', 'e', 't', 'p', 't', 'c', 't')")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	text := strings.Join(plan, "\n")
	if strings.Contains(text, "Seq Scan") || strings.Count(text, "Index Scan") != 4 {
		t.Fatalf("the generic plan of the duplicate check on an empty table:\n%s", text)
	}
}
