package sqlstore

// The audit-trail cases of the store contract, on all three dialects.

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"piivault/internal/vault"
)

func TestAuditStoreConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			for _, tc := range []struct {
				name string
				run  func(t *testing.T, db *DB)
			}{
				{"events round-trip every field and list newest first", testAuditInsertAndList},
				{"the chainer links unlinked events once, in insertion order", testAuditLink},
				{"anchors start empty and are replaced whole", testAuditAnchors},
				{"retention deletes linked events up to a seq only", testAuditDelete},
				{"concurrently appended events are all stored whole and share commits", testAuditAppend},
				{"a bad event in an appended batch refuses only itself", testAuditAppendBadRow},
				{"appends that cannot be stored are refused, every one", testAuditAppendRefused},
			} {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t, b.fresh(t))) })
			}
		})
	}
}

func newAuditRecord(seed int, record string) *vault.AuditRecord {
	e := &vault.AuditRecord{
		AToken: fmt.Sprintf("00000000-0000-4000-8000-%012d", seed), Identity: "root", Mode: "email",
		Record: record, App: "shop", Msg: "", Status: "ok", Title: fmt.Sprintf("event %d", seed), When: 1700000000 + int64(seed),
	}
	if seed%2 == 0 { // every other event with sealed parts, the rest with NULLs
		e.Who, e.Before, e.After = []byte("sealed-who"), []byte("sealed-before"), []byte("sealed-after")
	} else {
		e.WhoDigest, e.Msg, e.Status = "sha256:0123456789abcdef", "not found", "error"
	}
	return e
}

func testAuditAppend(t *testing.T, db *DB) {
	ctx := context.Background()
	const n = 200
	events := make([]*vault.AuditRecord, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range events {
		events[i] = newAuditRecord(i+1, "")
		wg.Go(func() { errs <- db.AppendAuditEvent(ctx, events[i]) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("append: %v", err)
		}
	}
	for _, want := range events {
		got, err := db.AuditEvent(ctx, want.AToken)
		if err != nil {
			t.Fatalf("AuditEvent %s: %v", want.AToken, err)
		}
		w := *want
		got.ID, w.ID = 0, 0 // appending need not report ids
		if !reflect.DeepEqual(got, &w) {
			t.Fatalf("AuditEvent:\n got %+v\nwant %+v", got, want)
		}
	}
	var commits int64
	if db.appender != nil {
		commits = db.appender.batches.Load()
	} else {
		commits = db.writer.commits.Load()
	}
	if commits >= n {
		t.Fatalf("%d events took %d commits: appends did not share them", n, commits)
	}
	t.Logf("%d events in %d commits", n, commits)
}

// testAuditAppendBadRow appends events of which one repeats a stored
// atoken (UNIQUE): whatever batches the calls share, only that one is
// refused. On PostgreSQL and MySQL it then hands the appender one batch
// holding such an event, whose INSERT fails as a whole, and checks that
// each event is then stored or refused alone.
func testAuditAppendBadRow(t *testing.T, db *DB) {
	ctx := context.Background()
	taken := newAuditRecord(1, "")
	if err := db.AppendAuditEvent(ctx, taken); err != nil {
		t.Fatalf("append: %v", err)
	}
	check := func(events []*vault.AuditRecord, errs []error) {
		t.Helper()
		for i, e := range events {
			_, lookup := db.AuditEvent(ctx, e.AToken)
			switch {
			case e.AToken == taken.AToken && errs[i] == nil:
				t.Fatal("the duplicate event was acknowledged")
			case e.AToken != taken.AToken && (errs[i] != nil || lookup != nil):
				t.Fatalf("event %d: append %v, lookup %v", i, errs[i], lookup)
			}
		}
	}
	events := []*vault.AuditRecord{newAuditRecord(2, ""), newAuditRecord(1, ""), newAuditRecord(3, "")}
	errs := make([]error, len(events))
	var wg sync.WaitGroup
	for i, e := range events {
		wg.Go(func() { errs[i] = db.AppendAuditEvent(ctx, e) })
	}
	wg.Wait()
	check(events, errs)
	if db.appender == nil {
		return // SQLite: the writer runs each call in a savepoint of its own
	}
	batch := []*appendOp{
		{ctx: ctx, e: newAuditRecord(4, ""), res: make(chan error, 1)},
		{ctx: ctx, e: newAuditRecord(1, ""), res: make(chan error, 1)},
		{ctx: ctx, e: newAuditRecord(5, ""), res: make(chan error, 1)},
	}
	db.appender.flush(batch)
	events, errs = events[:0], errs[:0]
	for _, o := range batch {
		events, errs = append(events, o.e), append(errs, <-o.res)
	}
	check(events, errs)
}

// testAuditAppendRefused takes the table away under concurrent appends:
// every caller must hear that its event was not stored, since a read that
// is answered without its event breaks the audit trail.
func testAuditAppendRefused(t *testing.T, db *DB) {
	ctx := context.Background()
	rename := func(from, to string) {
		t.Helper()
		conn := db.pool
		if db.writer != nil {
			conn = db.writer.conn // SQLite's readers are query_only
		}
		if _, err := conn.ExecContext(ctx, "ALTER TABLE "+from+" RENAME TO "+to); err != nil {
			t.Fatal(err)
		}
	}
	rename("audit_events", "audit_events_away")
	const n = 20
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs <- db.AppendAuditEvent(ctx, newAuditRecord(500+i, "")) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err == nil {
			t.Fatal("an event was acknowledged with its table gone")
		}
	}
	rename("audit_events_away", "audit_events")
	if err := db.AppendAuditEvent(ctx, newAuditRecord(600, "")); err != nil {
		t.Fatalf("append once the table is back: %v", err)
	}
}

func insertAudit(t *testing.T, db *DB, events ...*vault.AuditRecord) {
	t.Helper()
	ctx := context.Background()
	for _, e := range events {
		if err := db.Update(ctx, func(tx vault.Tx) error { return tx.InsertAuditEvent(ctx, e) }); err != nil {
			t.Fatalf("insert audit event: %v", err)
		}
	}
}

func testAuditInsertAndList(t *testing.T, db *DB) {
	ctx := context.Background()
	alice, bob := newToken(t), newToken(t)
	var events []*vault.AuditRecord
	for i := 1; i <= 5; i++ {
		rec := alice
		if i == 3 {
			rec = bob
		}
		events = append(events, newAuditRecord(i, rec))
	}
	insertAudit(t, db, events...)
	for i := 1; i < len(events); i++ {
		if events[i].ID <= events[i-1].ID {
			t.Fatalf("ids do not rise: %d then %d", events[i-1].ID, events[i].ID)
		}
	}
	for _, want := range events {
		got, err := db.AuditEvent(ctx, want.AToken)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("AuditEvent:\n got %+v, %v\nwant %+v", got, err, want)
		}
	}
	if _, err := db.AuditEvent(ctx, newToken(t)); !isNotFound(err) {
		t.Fatalf("unknown atoken: %v", err)
	}
	page, total, err := db.AuditEvents(ctx, "", 1, 2)
	if err != nil || total != 5 || len(page) != 2 || page[0].AToken != events[3].AToken || page[1].AToken != events[2].AToken {
		t.Fatalf("all, offset 1 limit 2: total %d, %v", total, err)
	}
	page, total, err = db.AuditEvents(ctx, alice, 0, 10)
	if err != nil || total != 4 || len(page) != 4 || page[0].AToken != events[4].AToken || page[3].AToken != events[0].AToken {
		t.Fatalf("alice's: total %d, %d rows, %v", total, len(page), err)
	}
	if page, total, err = db.AuditEvents(ctx, newToken(t), 0, 10); err != nil || total != 0 || len(page) != 0 {
		t.Fatalf("no one's: total %d, %d rows, %v", total, len(page), err)
	}
}

func isNotFound(err error) bool { return vault.ErrorCode(err) == vault.ENOTFOUND }

func testAuditLink(t *testing.T, db *DB) {
	ctx := context.Background()
	var events []*vault.AuditRecord
	for i := 1; i <= 4; i++ {
		events = append(events, newAuditRecord(i, ""))
	}
	insertAudit(t, db, events...)
	unlinked, err := db.UnlinkedAuditEvents(ctx, 3)
	if err != nil || len(unlinked) != 3 || unlinked[0].ID != events[0].ID || unlinked[2].ID != events[2].ID {
		t.Fatalf("unlinked: %d, %v", len(unlinked), err)
	}
	for i, e := range unlinked {
		e.Seq, e.PrevAToken, e.Hash = int64(i+1), fmt.Sprint("prev-", i), []byte{byte(i), 0xff}
	}
	if err := db.Update(ctx, func(tx vault.Tx) error { return tx.LinkAuditEvents(ctx, unlinked) }); err != nil {
		t.Fatal(err)
	}
	if rest, err := db.UnlinkedAuditEvents(ctx, 10); err != nil || len(rest) != 1 || rest[0].ID != events[3].ID {
		t.Fatalf("left unlinked: %d, %v", len(rest), err)
	}
	chain, err := db.AuditChain(ctx, 1, 10)
	if err != nil || len(chain) != 2 || chain[0].Seq != 2 || chain[0].PrevAToken != "prev-1" || !bytes.Equal(chain[0].Hash, []byte{1, 0xff}) {
		t.Fatalf("chain after 1: %+v, %v", chain, err)
	}
	if chain, _ := db.AuditChain(ctx, 0, 1); len(chain) != 1 || chain[0].Seq != 1 {
		t.Fatalf("chain limit 1: %+v", chain)
	}
	link := func(events ...*vault.AuditRecord) error {
		return db.Update(ctx, func(tx vault.Tx) error { return tx.LinkAuditEvents(ctx, events) })
	}
	// A batch with one event linked already changes nothing.
	last, again := *events[3], *unlinked[0]
	last.Seq, last.Hash = 4, []byte{4}
	again.Seq = 9
	if err := link(&last, &again); !isNotFound(err) {
		t.Fatalf("linking a linked event: %v", err)
	}
	if rest, _ := db.UnlinkedAuditEvents(ctx, 10); len(rest) != 1 {
		t.Fatalf("a refused batch linked %d events", 1-len(rest))
	}
	taken := *events[3]
	taken.Seq, taken.Hash = 2, []byte{1}
	if err := link(&taken); vault.ErrorCode(err) != vault.ECONFLICT {
		t.Fatalf("linking at a taken seq: %v", err)
	}
	// More events than one statement carries.
	many := make([]*vault.AuditRecord, maxLinkRows+3)
	for i := range many {
		many[i] = newAuditRecord(100+i, "")
	}
	insertAudit(t, db, many...)
	rest, err := db.UnlinkedAuditEvents(ctx, len(many)+1)
	if err != nil || len(rest) != len(many)+1 {
		t.Fatalf("unlinked before the big batch: %d, %v", len(rest), err)
	}
	for i, e := range rest {
		e.Seq, e.PrevAToken, e.Hash = int64(10+i), fmt.Sprint("p", i), []byte{byte(i)}
	}
	if err := link(rest...); err != nil {
		t.Fatalf("linking %d events: %v", len(rest), err)
	}
	chain, err = db.AuditChain(ctx, 9, len(rest)+1)
	if err != nil || len(chain) != len(rest) {
		t.Fatalf("chain after the big batch: %d, %v", len(chain), err)
	}
	for i, e := range chain {
		if e.Seq != int64(10+i) || e.ID != rest[i].ID || e.PrevAToken != fmt.Sprint("p", i) || !bytes.Equal(e.Hash, []byte{byte(i)}) {
			t.Fatalf("chain[%d] = seq %d id %d prev %q hash %x", i, e.Seq, e.ID, e.PrevAToken, e.Hash)
		}
	}
}

func testAuditAnchors(t *testing.T, db *DB) {
	ctx := context.Background()
	head, cp, err := db.AuditAnchors(ctx)
	if err != nil || head.Seq != 0 || len(head.Hash) != 0 || head.AToken != "" || len(head.MAC) != 0 || cp.Seq != 0 {
		t.Fatalf("new anchors: %+v %+v %v", head, cp, err)
	}
	wantHead := vault.AuditAnchor{Seq: 7, Hash: []byte("h7"), AToken: newToken(t), MAC: []byte("m7")}
	wantCP := vault.AuditAnchor{Seq: 3, Hash: []byte("h3"), AToken: newToken(t), MAC: []byte("m3")}
	if err := db.Update(ctx, func(tx vault.Tx) error {
		if _, _, err := tx.AuditAnchors(ctx); err != nil { // the locking read of the chainer
			return err
		}
		if err := tx.SetAuditAnchor(ctx, vault.AuditHead, wantHead); err != nil {
			return err
		}
		return tx.SetAuditAnchor(ctx, vault.AuditCheckpoint, wantCP)
	}); err != nil {
		t.Fatal(err)
	}
	head, cp, err = db.AuditAnchors(ctx)
	if err != nil || !reflect.DeepEqual(head, wantHead) || !reflect.DeepEqual(cp, wantCP) {
		t.Fatalf("anchors: %+v %+v %v", head, cp, err)
	}
	if err := db.Update(ctx, func(tx vault.Tx) error { return tx.SetAuditAnchor(ctx, "tail", wantHead) }); err == nil {
		t.Fatal("an unknown anchor was set")
	}
}

func testAuditDelete(t *testing.T, db *DB) {
	ctx := context.Background()
	var events []*vault.AuditRecord
	for i := 1; i <= 4; i++ {
		events = append(events, newAuditRecord(i, ""))
	}
	insertAudit(t, db, events...)
	var n int
	if err := db.Update(ctx, func(tx vault.Tx) error {
		for i, e := range events[:3] {
			e.Seq, e.Hash = int64(i+1), []byte{1}
		}
		if err := tx.LinkAuditEvents(ctx, events[:3]); err != nil {
			return err
		}
		var err error
		n, err = tx.DeleteAuditEvents(ctx, 2)
		return err
	}); err != nil || n != 2 {
		t.Fatalf("deleted %d, %v", n, err)
	}
	if _, total, _ := db.AuditEvents(ctx, "", 0, 10); total != 2 {
		t.Fatalf("%d events left, want the linked seq 3 and the unlinked one", total)
	}
}
