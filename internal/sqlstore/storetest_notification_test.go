package sqlstore

// The outbox cases (api.md §15) of the conformance suite, run on every dialect.

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"

	"piivault/internal/vault"
)

func TestNotificationConformance(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, db *DB)
	}{
		{"queued notifications come back due, earliest first", testDueNotifications},
		{"a notification exists only if its transaction committed", testNotificationRollback},
		{"a lease moves a notification once, then it is not due", testLeaseNotification},
		{"of concurrent claims on one notification exactly one wins", testLeaseRace},
		{"retries and deletes change only their notification", testRetryDeleteNotification},
		{"revocable and due agreements name their users and briefs", testAgreementNotices},
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t, b.fresh(t))) })
			}
		})
	}
}

func newNotification(t testing.TB, action string, next int64) *vault.Notification {
	t.Helper()
	return &vault.Notification{ID: vault.NewUUID(), Action: action, UserToken: newToken(t), Time: 1700000000, NextAttempt: next}
}

func queue(t testing.TB, db *DB, ns ...*vault.Notification) {
	t.Helper()
	update(t, db, func(tx vault.Tx) error {
		for _, n := range ns {
			if err := tx.InsertNotification(context.Background(), n); err != nil {
				return err
			}
		}
		return nil
	})
}

func due(t testing.TB, db *DB, now int64) []*vault.Notification {
	t.Helper()
	ns, err := db.DueNotifications(context.Background(), now, 100)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func testDueNotifications(t *testing.T, db *DB) {
	ctx := context.Background()
	late := newNotification(t, vault.NotifyProfileNew, 3000)
	early := newNotification(t, vault.NotifyConsentChange, 1000)
	early.Brief, early.Status, early.Attempts = "marketing", vault.AgreementNo, 2
	later := newNotification(t, vault.NotifyForgetMe, 9000)
	queue(t, db, late, early, later)

	if got := due(t, db, 999); len(got) != 0 {
		t.Fatalf("due before any: %+v", got)
	}
	got := due(t, db, 5000)
	if len(got) != 2 || !reflect.DeepEqual(got[0], early) || !reflect.DeepEqual(got[1], late) {
		t.Fatalf("due at 5000: %+v, want %+v and %+v", got, early, late)
	}
	one, err := db.DueNotifications(ctx, 9000, 1)
	if err != nil || len(one) != 1 || one[0].ID != early.ID {
		t.Fatalf("limit 1: %+v, %v", one, err)
	}
}

func testNotificationRollback(t *testing.T, db *DB) {
	boom := errors.New("boom")
	n := newNotification(t, vault.NotifyProfileChange, 1)
	err := db.Update(context.Background(), func(tx vault.Tx) error {
		if err := tx.InsertNotification(context.Background(), n); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("update: %v", err)
	}
	if got := due(t, db, 1<<62); len(got) != 0 {
		t.Fatalf("a rolled-back notification is queued: %+v", got)
	}
}

func testLeaseNotification(t *testing.T, db *DB) {
	ctx := context.Background()
	n := newNotification(t, vault.NotifyProfileNew, 1000)
	queue(t, db, n)
	lease := func(from int64) bool {
		var ok bool
		update(t, db, func(tx vault.Tx) error {
			var err error
			ok, err = tx.LeaseNotification(ctx, n.ID, from, 60000)
			return err
		})
		return ok
	}
	if !lease(1000) {
		t.Fatal("the first lease failed")
	}
	if lease(1000) {
		t.Fatal("a second lease from the old due time succeeded")
	}
	if got := due(t, db, 59999); len(got) != 0 {
		t.Fatalf("due while leased: %+v", got)
	}
	if got := due(t, db, 60000); len(got) != 1 || got[0].NextAttempt != 60000 {
		t.Fatalf("due once the lease lapsed: %+v", got)
	}
}

func testLeaseRace(t *testing.T, db *DB) {
	ctx := context.Background()
	n := newNotification(t, vault.NotifyProfileNew, 1000)
	queue(t, db, n)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.Update(ctx, func(tx vault.Tx) error {
				ns, err := tx.DueNotifications(ctx, 1000, 10)
				if err != nil || len(ns) == 0 {
					return err
				}
				ok, err := tx.LeaseNotification(ctx, ns[0].ID, ns[0].NextAttempt, int64(50000+i))
				if ok {
					mu.Lock()
					wins++
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
	if wins != 1 {
		t.Fatalf("%d claims won, want 1", wins)
	}
}

func testRetryDeleteNotification(t *testing.T, db *DB) {
	ctx := context.Background()
	a, b := newNotification(t, vault.NotifyProfileNew, 1000), newNotification(t, vault.NotifyForgetMe, 1000)
	queue(t, db, a, b)
	update(t, db, func(tx vault.Tx) error { return tx.RetryNotification(ctx, a.ID, 3, 7000) })
	update(t, db, func(tx vault.Tx) error { return tx.DeleteNotification(ctx, b.ID) })
	// Gone already: neither is an error.
	update(t, db, func(tx vault.Tx) error { return tx.DeleteNotification(ctx, b.ID) })
	update(t, db, func(tx vault.Tx) error { return tx.RetryNotification(ctx, b.ID, 1, 1) })
	got := due(t, db, 1<<62)
	if len(got) != 1 || got[0].ID != a.ID || got[0].Attempts != 3 || got[0].NextAttempt != 7000 {
		t.Fatalf("after retry and delete: %+v", got)
	}
}

func testAgreementNotices(t *testing.T, db *DB) {
	ctx := context.Background()
	b := newBasis(t, db, "news")
	open, ended, held := newAgreement(b.ID, newToken(t), ""), newAgreement(b.ID, newToken(t), ""), newAgreement(b.ID, "", hash("zoë@example.com"))
	ended.End, held.End = 1500, 1200
	no := newAgreement(b.ID, newToken(t), "")
	no.Status = vault.AgreementNo
	for _, a := range []*vault.AgreementRecord{open, ended, held, no} {
		insertAgreement(t, db, a)
	}

	var users []string
	update(t, db, func(tx vault.Tx) error {
		var err error
		users, err = tx.RevocableAgreementUsers(ctx, b.ID, 2000)
		return err
	})
	if !reflect.DeepEqual(users, []string{open.UserToken}) {
		t.Fatalf("revocable at 2000: %v, want [%s]", users, open.UserToken)
	}

	got, err := db.DueAgreements(ctx, 2000, 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("due agreements: %+v, %v", got, err)
	}
	if got[0].ID != ended.ID || got[0].UserToken != ended.UserToken || got[0].Brief != "news" ||
		got[1].ID != held.ID || got[1].UserToken != "" || got[1].Brief != "news" {
		t.Fatalf("due agreements: %+v, %+v", got[0], got[1])
	}
	expire := func(id int64) bool {
		var ok bool
		update(t, db, func(tx vault.Tx) error {
			var err error
			ok, err = tx.ExpireAgreement(ctx, id, 2000)
			return err
		})
		return ok
	}
	if !expire(ended.ID) || expire(ended.ID) || expire(open.ID) {
		t.Fatal("ExpireAgreement expires only a due yes agreement, once")
	}
	a, err := db.AgreementByBasis(ctx, b.ID, vault.AgreementSubject{UserToken: ended.UserToken})
	if err != nil || a.Status != vault.AgreementExpired || a.When != 1500 {
		t.Fatalf("expired agreement: %+v, %v", a, err)
	}
}
