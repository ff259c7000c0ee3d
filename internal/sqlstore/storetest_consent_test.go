package sqlstore

// The consent cases (legal bases, agreements, processing activities) of the
// conformance suite, run on every dialect.

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"piivault/internal/vault"
)

func TestConsentConformance(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, db *DB)
	}{
		{"the two login legal bases exist after migration", testLoginBases},
		{"legal bases are stored, renamed and refuse duplicate briefs", testLegalBases},
		{"legal bases are paged in creation order", testLegalBasesPaged},
		{"agreements are kept per user and per identity", testAgreements},
		{"a second insert for one subject and basis is a no-op", testAgreementInsertRace},
		{"revoking touches only yes agreements that have not expired", testRevokeAgreements},
		{"expired yes agreements are marked in bounded batches", testExpireAgreements},
		{"erasing a user keeps agreements without who", testEraseKeepsAgreements},
		{"activities link legal bases in link order", testActivities},
		{"deleting a legal basis or activity removes its links", testDeleteUnlinks},
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t, b.fresh(t))) })
			}
		})
	}
}

func update(t testing.TB, db *DB, fn func(tx vault.Tx) error) {
	t.Helper()
	if err := db.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func newBasis(t testing.TB, db *DB, brief string) *vault.LegalBasis {
	t.Helper()
	b := &vault.LegalBasis{Brief: brief, Status: vault.BasisActive, Module: "m", BasisType: "consent",
		ShortDesc: "short", FullDesc: "full", RequiredMsg: "Zoë needs it", RequiredFlag: true, Created: 1700000000}
	update(t, db, func(tx vault.Tx) error { return tx.InsertLegalBasis(context.Background(), b) })
	if b.ID == 0 {
		t.Fatal("insert did not set the id")
	}
	return b
}

func newAgreement(basis int64, user, index string) *vault.AgreementRecord {
	a := &vault.AgreementRecord{Key: vault.NewUUID(), BasisID: basis, UserToken: user, SubjectIndex: index,
		Mode: "email", Who: []byte("sealed-who"), LastModifiedBy: []byte("sealed-lm"), AgreementMethod: "api",
		Status: vault.AgreementYes, Created: 1700000000, When: 1700000000}
	if index != "" {
		a.DataKey = []byte("wrapped")
	}
	return a
}

func insertAgreement(t testing.TB, db *DB, a *vault.AgreementRecord) {
	t.Helper()
	update(t, db, func(tx vault.Tx) error {
		ok, err := tx.InsertAgreement(context.Background(), a)
		if err == nil && !ok {
			err = errors.New("not inserted")
		}
		return err
	})
}

func testLoginBases(t *testing.T, db *DB) {
	before := time.Now().Unix() - 600
	rows, total, err := db.LegalBases(context.Background(), 0, 100)
	if err != nil || total != 2 || len(rows) != 2 {
		t.Fatalf("got %d of %d, %v", len(rows), total, err)
	}
	for i, want := range []struct{ brief, short, gateway string }{
		{"core-send-email-on-login", "Send email on login", "email"},
		{"core-send-sms-on-login", "Send SMS on login", "SMS"},
	} {
		b := rows[i]
		if b.Created < before || b.Created > time.Now().Unix() {
			t.Errorf("%s: creation time %d is not the migration's", b.Brief, b.Created)
		}
		b.ID, b.Created = 0, 0
		exp := vault.LegalBasis{Brief: want.brief, Status: "active", Module: "login", BasisType: "consent",
			ShortDesc: want.short, FullDesc: "Confirm to allow sending access code using 3rd party " + want.gateway + " gateway",
			RequiredMsg: "This consent is required to give you our service.", RequiredFlag: true, UserControl: true}
		if *b != exp {
			t.Errorf("got %+v\nwant %+v", *b, exp)
		}
	}
}

func testLegalBases(t *testing.T, db *DB) {
	ctx := context.Background()
	a, b := newBasis(t, db, "alpha"), newBasis(t, db, "beta")
	got, err := db.LegalBasisByBrief(ctx, "alpha")
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("got %+v, %v; want %+v", got, err, a)
	}
	if _, err := db.LegalBasisByBrief(ctx, "nope"); vault.ErrorCode(err) != vault.ENOTFOUND {
		t.Fatalf("missing: %v", err)
	}
	dup := &vault.LegalBasis{Brief: "beta", Status: "active", Created: 1}
	if err := db.Update(ctx, func(tx vault.Tx) error { return tx.InsertLegalBasis(ctx, dup) }); vault.ErrorMessage(err) != "duplicate brief" {
		t.Fatalf("duplicate insert: %v", err)
	}
	a.Brief = "beta"
	if err := db.Update(ctx, func(tx vault.Tx) error { return tx.UpdateLegalBasis(ctx, a) }); vault.ErrorMessage(err) != "duplicate brief" {
		t.Fatalf("rename onto beta: %v", err)
	}
	a.Brief, a.Status, a.UserControl, a.RequiredFlag = "gamma", vault.BasisDisabled, true, false
	update(t, db, func(tx vault.Tx) error { return tx.UpdateLegalBasis(ctx, a) })
	if got, err := db.LegalBasisByBrief(ctx, "gamma"); err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("renamed: got %+v, %v; want %+v", got, err, a)
	}
	if _, err := db.LegalBasisByBrief(ctx, "alpha"); vault.ErrorCode(err) != vault.ENOTFOUND {
		t.Fatalf("old brief still found: %v", err)
	}
	update(t, db, func(tx vault.Tx) error { return tx.DeleteLegalBasis(ctx, b.ID) })
	if err := db.Update(ctx, func(tx vault.Tx) error { return tx.DeleteLegalBasis(ctx, b.ID) }); vault.ErrorCode(err) != vault.ENOTFOUND {
		t.Fatalf("second delete: %v", err)
	}
}

func testLegalBasesPaged(t *testing.T, db *DB) {
	for _, brief := range []string{"b1", "b2", "b3"} {
		newBasis(t, db, brief)
	}
	rows, total, err := db.LegalBases(context.Background(), 3, 2)
	if err != nil || total != 5 || len(rows) != 2 || rows[0].Brief != "b2" || rows[1].Brief != "b3" {
		t.Fatalf("got %v of %d, %v", rows, total, err)
	}
	if rows, total, err := db.LegalBases(context.Background(), 5, 2); err != nil || total != 5 || len(rows) != 0 {
		t.Fatalf("past the end: %v of %d, %v", rows, total, err)
	}
}

func testAgreements(t *testing.T, db *DB) {
	ctx := context.Background()
	b1, b2 := newBasis(t, db, "first"), newBasis(t, db, "second")
	user, idx := newToken(t), hash("email:x")
	mine2, mine1 := newAgreement(b2.ID, user, ""), newAgreement(b1.ID, user, "")
	held := newAgreement(b1.ID, "", idx)
	for _, a := range []*vault.AgreementRecord{mine2, mine1, held} {
		insertAgreement(t, db, a)
	}
	got, err := db.AgreementByBasis(ctx, b1.ID, vault.AgreementSubject{UserToken: user})
	if err != nil || !reflect.DeepEqual(got, mine1) {
		t.Fatalf("by basis: got %+v, %v\nwant %+v", got, err, mine1)
	}
	if got, err := db.AgreementByBasis(ctx, b1.ID, vault.AgreementSubject{Index: idx}); err != nil || !reflect.DeepEqual(got, held) {
		t.Fatalf("by index: got %+v, %v\nwant %+v", got, err, held)
	}
	if _, err := db.AgreementByBasis(ctx, b2.ID, vault.AgreementSubject{Index: idx}); vault.ErrorCode(err) != vault.ENOTFOUND {
		t.Fatalf("missing: %v", err)
	}
	list, total, err := db.AgreementsBySubject(ctx, vault.AgreementSubject{UserToken: user}, 0, 10)
	if err != nil || total != 2 || len(list) != 2 || list[0].ID != mine2.ID || list[0].Brief != "second" || list[1].Brief != "first" {
		t.Fatalf("list: %+v of %d, %v", list, total, err)
	}
	if list, total, err := db.AgreementsBySubject(ctx, vault.AgreementSubject{UserToken: user}, 1, 10); err != nil || total != 2 || len(list) != 1 || list[0].ID != mine1.ID {
		t.Fatalf("page: %+v of %d, %v", list, total, err)
	}

	// Linking moves the identity's agreement to a user.
	other := newToken(t)
	held.UserToken, held.SubjectIndex, held.DataKey, held.Status, held.End = other, "", nil, vault.AgreementNo, 99
	update(t, db, func(tx vault.Tx) error { return tx.UpdateAgreement(ctx, held) })
	if list, total, err := db.AgreementsBySubject(ctx, vault.AgreementSubject{Index: idx}, 0, 10); err != nil || total != 0 || len(list) != 0 {
		t.Fatalf("identity after link: %v of %d, %v", list, total, err)
	}
	got, err = db.AgreementByBasis(ctx, b1.ID, vault.AgreementSubject{UserToken: other})
	if err != nil || !reflect.DeepEqual(got, held) {
		t.Fatalf("after link: got %+v, %v\nwant %+v", got, err, held)
	}
	update(t, db, func(tx vault.Tx) error { return tx.DeleteAgreement(ctx, mine2.ID) })
	if err := db.Update(ctx, func(tx vault.Tx) error { return tx.DeleteAgreement(ctx, mine2.ID) }); vault.ErrorCode(err) != vault.ENOTFOUND {
		t.Fatalf("second delete: %v", err)
	}
	update(t, db, func(tx vault.Tx) error {
		has, err := tx.BasisHasAgreements(ctx, b2.ID)
		if err == nil && has {
			err = errors.New("basis without agreements has some")
		}
		return err
	})
}

func testAgreementInsertRace(t *testing.T, db *DB) {
	ctx := context.Background()
	b := newBasis(t, db, "race")
	user := newToken(t)
	const n = 8
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		inserted int
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := newAgreement(b.ID, user, "")
			err := db.Update(ctx, func(tx vault.Tx) error {
				ok, err := tx.InsertAgreement(ctx, a)
				if err == nil && ok {
					mu.Lock()
					inserted++
					mu.Unlock()
				}
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if inserted != 1 {
		t.Fatalf("%d inserts of one (subject, basis) succeeded, want 1", inserted)
	}
}

func testRevokeAgreements(t *testing.T, db *DB) {
	ctx := context.Background()
	b, other := newBasis(t, db, "rev"), newBasis(t, db, "keep")
	yes, no, expired := newAgreement(b.ID, newToken(t), ""), newAgreement(b.ID, newToken(t), ""), newAgreement(b.ID, "", hash("i"))
	no.Status, expired.End = vault.AgreementNo, 1500
	elsewhere := newAgreement(other.ID, yes.UserToken, "")
	for _, a := range []*vault.AgreementRecord{yes, no, expired, elsewhere} {
		insertAgreement(t, db, a)
	}
	var n int
	update(t, db, func(tx vault.Tx) error {
		var err error
		n, err = tx.RevokeAgreements(ctx, b.ID, 2000)
		return err
	})
	if n != 1 {
		t.Fatalf("revoked %d, want 1", n)
	}
	for _, c := range []struct {
		a      *vault.AgreementRecord
		basis  int64
		status string
		when   int64
	}{{yes, b.ID, "revoked", 2000}, {no, b.ID, "no", 1700000000}, {expired, b.ID, "yes", 1700000000}, {elsewhere, other.ID, "yes", 1700000000}} {
		subj := vault.AgreementSubject{UserToken: c.a.UserToken, Index: c.a.SubjectIndex}
		got, err := db.AgreementByBasis(ctx, c.basis, subj)
		if err != nil || got.Status != c.status || got.When != c.when {
			t.Errorf("got %+v, %v; want status %s when %d", got, err, c.status, c.when)
		}
	}
}

func testExpireAgreements(t *testing.T, db *DB) {
	ctx := context.Background()
	b := newBasis(t, db, "exp")
	var due []*vault.AgreementRecord
	for i := range 5 {
		a := newAgreement(b.ID, newToken(t), "")
		a.End = int64(1000 + i)
		insertAgreement(t, db, a)
		due = append(due, a)
	}
	later, open, no := newAgreement(b.ID, newToken(t), ""), newAgreement(b.ID, newToken(t), ""), newAgreement(b.ID, newToken(t), "")
	later.End, no.End, no.Status = 5000, 10, vault.AgreementNo
	for _, a := range []*vault.AgreementRecord{later, open, no} {
		insertAgreement(t, db, a)
	}
	total := 0
	for {
		var n int
		update(t, db, func(tx vault.Tx) error {
			var err error
			n, err = tx.ExpireAgreements(ctx, 2000, 2)
			return err
		})
		if n > 2 {
			t.Fatalf("a batch of 2 expired %d", n)
		}
		total += n
		if n == 0 {
			break
		}
	}
	if total != 5 {
		t.Fatalf("expired %d, want 5", total)
	}
	for _, a := range append(due, later, open, no) {
		got, err := db.AgreementByBasis(ctx, b.ID, vault.AgreementSubject{UserToken: a.UserToken})
		want, when := a.Status, a.When
		if a.End > 0 && a.End <= 2000 && a.Status == vault.AgreementYes {
			want, when = vault.AgreementExpired, a.End
		}
		if err != nil || got.Status != want || got.When != when {
			t.Errorf("end %d: got %+v, %v; want %s at %d", a.End, got, err, want, when)
		}
	}
}

func testEraseKeepsAgreements(t *testing.T, db *DB) {
	ctx := context.Background()
	b := newBasis(t, db, "erase")
	u := newUser(t, "erase")
	update(t, db, func(tx vault.Tx) error { return tx.InsertUser(ctx, u) })
	a := newAgreement(b.ID, u.Token, "")
	insertAgreement(t, db, a)
	update(t, db, func(tx vault.Tx) error { return tx.EraseUser(ctx, u.Token, 1800000000) })
	got, err := db.AgreementByBasis(ctx, b.ID, vault.AgreementSubject{UserToken: u.Token})
	a.Who, a.LastModifiedBy = nil, nil
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("got %+v, %v\nwant %+v", got, err, a)
	}
}

func testActivities(t *testing.T, db *DB) {
	ctx := context.Background()
	b1, b2 := newBasis(t, db, "one"), newBasis(t, db, "two")
	acts := []*vault.Activity{
		{Name: "act-a", Title: "A", Script: "<script>a()</script>", FullDesc: "full", ApplicableTo: "all", Created: 5},
		{Name: "act-b", Title: "B", Created: 6},
		{Name: "act-c", Title: "C", Created: 7},
	}
	for _, a := range acts {
		update(t, db, func(tx vault.Tx) error { return tx.InsertActivity(ctx, a) })
	}
	dup := &vault.Activity{Name: "act-b"}
	if err := db.Update(ctx, func(tx vault.Tx) error { return tx.InsertActivity(ctx, dup) }); vault.ErrorMessage(err) != "duplicate activity" {
		t.Fatalf("duplicate insert: %v", err)
	}
	rename := *acts[0]
	rename.Name = "act-b"
	if err := db.Update(ctx, func(tx vault.Tx) error { return tx.UpdateActivity(ctx, &rename) }); vault.ErrorMessage(err) != "duplicate activity" {
		t.Fatalf("rename onto act-b: %v", err)
	}
	update(t, db, func(tx vault.Tx) error {
		for _, l := range [][2]int64{{acts[0].ID, b2.ID}, {acts[0].ID, b1.ID}, {acts[0].ID, b2.ID}, {acts[2].ID, b1.ID}} {
			if err := tx.LinkBasis(ctx, l[0], l[1]); err != nil {
				return err
			}
		}
		return tx.UnlinkBasis(ctx, acts[1].ID, b1.ID) // not linked: no error
	})
	got, err := db.ActivityByName(ctx, "act-a")
	if err != nil || len(got.Bases) != 2 || !reflect.DeepEqual(got.Bases, []vault.LegalBasis{*b2, *b1}) {
		t.Fatalf("got %+v, %v", got, err)
	}
	got.Bases = nil
	if !reflect.DeepEqual(got, acts[0]) {
		t.Fatalf("got %+v, want %+v", got, acts[0])
	}
	list, total, err := db.Activities(ctx, 1, 2)
	if err != nil || total != 3 || len(list) != 2 || list[0].Name != "act-b" || len(list[0].Bases) != 0 ||
		list[1].Name != "act-c" || len(list[1].Bases) != 1 || list[1].Bases[0].Brief != "one" {
		t.Fatalf("page: %+v of %d, %v", list, total, err)
	}
	update(t, db, func(tx vault.Tx) error { return tx.UnlinkBasis(ctx, acts[0].ID, b2.ID) })
	if got, err := db.ActivityByName(ctx, "act-a"); err != nil || len(got.Bases) != 1 || got.Bases[0].ID != b1.ID {
		t.Fatalf("after unlink: %+v, %v", got, err)
	}
	if _, err := db.ActivityByName(ctx, "act-z"); vault.ErrorCode(err) != vault.ENOTFOUND {
		t.Fatalf("missing: %v", err)
	}
}

func testDeleteUnlinks(t *testing.T, db *DB) {
	ctx := context.Background()
	b1, b2 := newBasis(t, db, "one"), newBasis(t, db, "two")
	a := &vault.Activity{Name: "act", Title: "act", Created: 1}
	keep := &vault.Activity{Name: "keep", Title: "keep", Created: 1}
	update(t, db, func(tx vault.Tx) error {
		for _, x := range []*vault.Activity{a, keep} {
			if err := tx.InsertActivity(ctx, x); err != nil {
				return err
			}
			for _, b := range []int64{b1.ID, b2.ID} {
				if err := tx.LinkBasis(ctx, x.ID, b); err != nil {
					return err
				}
			}
		}
		return nil
	})
	update(t, db, func(tx vault.Tx) error { return tx.DeleteLegalBasis(ctx, b1.ID) })
	update(t, db, func(tx vault.Tx) error { return tx.UnlinkBasisEverywhere(ctx, b2.ID) })
	if got, err := db.ActivityByName(ctx, "keep"); err != nil || len(got.Bases) != 0 {
		t.Fatalf("links left: %+v, %v", got, err)
	}
	update(t, db, func(tx vault.Tx) error { return tx.LinkBasis(ctx, a.ID, b2.ID) })
	update(t, db, func(tx vault.Tx) error { return tx.DeleteActivity(ctx, a.ID) })
	if _, err := db.ActivityByName(ctx, "act"); vault.ErrorCode(err) != vault.ENOTFOUND {
		t.Fatalf("deleted activity found: %v", err)
	}
	// The link went with the activity: the basis can now be deleted.
	update(t, db, func(tx vault.Tx) error { return tx.DeleteLegalBasis(ctx, b2.ID) })
}
