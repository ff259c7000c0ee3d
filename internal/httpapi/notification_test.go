package httpapi_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"piivault/internal/apitest"
	"piivault/internal/vault"
	"piivault/internal/webhook"
)

const notifySecret = "s3cret-for-tests"

// post is one POST a receiver got.
type post struct {
	header http.Header
	body   string
}

// receiver is a notification endpoint that answers with the queued
// statuses in turn, then 200, and records every POST.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []post
	statuses []int
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	rc := &receiver{statuses: statuses}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, post{header: r.Header.Clone(), body: string(b)})
		code := http.StatusOK
		if len(rc.statuses) > 0 {
			code, rc.statuses = rc.statuses[0], rc.statuses[1:]
		}
		rc.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) deliveries() []post {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]post(nil), rc.got...)
}

// notifyServer is a server that queues notifications, on clock.
func notifyServer(t *testing.T, clock *manualClock) *apitest.Server {
	return apitest.New(t, apitest.WithVault(func(o *vault.Options) {
		o.Clock = clock
		o.Notifications = true
	}))
}

// deliver runs one round of the dispatcher against rc (with the query
// string an operator might use for a receiver's own token).
func deliver(t *testing.T, srv *apitest.Server, rc *receiver, p vault.NotificationPolicy) vault.NotificationResult {
	t.Helper()
	res, err := srv.Service.DeliverNotifications(context.Background(), webhook.New(rc.URL+"/hook?key=k", notifySecret, nil), p)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	return res
}

func queued(t *testing.T, srv *apitest.Server) int {
	t.Helper()
	ns, err := srv.DB.DueNotifications(context.Background(), 1<<62, 100)
	if err != nil {
		t.Fatal(err)
	}
	return len(ns)
}

func TestNotificationsDeliverEachChange(t *testing.T) {
	clock := newManualClock()
	srv := notifyServer(t, clock)
	rc := newReceiver(t)
	root := srv.RootHeader()
	newBasisVia(t, srv, "news", `{"basistype":"consent","module":"m","shortdesc":"News"}`)

	var want []string // bodies, in order
	step := func() int64 { clock.advance(time.Second); return clock.unix() }
	event := func(action, token string, at int64) string {
		return fmt.Sprintf(`{"action":"%s","identity":"%s","mode":"token","time":%d}`, action, token, at)
	}
	consent := func(token string, at int64, status string) string {
		return fmt.Sprintf(`{"action":"consentchange","identity":"%s","mode":"token","time":%d,"brief":"news","status":"%s"}`, token, at, status)
	}

	at := step()
	zoe := createUser(t, srv, `{"login":"zoe","email":"zoë@example.com","phone":"+447700900123"}`)
	want = append(want, event("profilenew", zoe, at))
	at = step()
	mustDo(t, srv, 200, "PUT", "/v1/user/token/"+zoe, `{"nick":"Zoë Secret"}`, root, asJSON)
	want = append(want, event("profilechange", zoe, at))
	// Giving consent tells no one: §15 reports no, expired and revoked.
	step()
	mustDo(t, srv, 200, "POST", "/v1/agreement/news/token/"+zoe, `{}`, root, asJSON)
	at = step()
	mustDo(t, srv, 200, "DELETE", "/v1/agreement/news/token/"+zoe, ``, root)
	want = append(want, consent(zoe, at, "no"))
	// Withdrawing again changes nothing, and tells no one.
	step()
	mustDo(t, srv, 200, "DELETE", "/v1/agreement/news/token/"+zoe, ``, root)
	// An agreement held against an email without a user tells no one.
	step()
	mustDo(t, srv, 200, "POST", "/v1/agreement/news/email/nobody@example.com", `{}`, root, asJSON)

	at = step()
	max := createUser(t, srv, `{"login":"max"}`)
	want = append(want, event("profilenew", max, at))
	step()
	mustDo(t, srv, 200, "POST", "/v1/agreement/news/token/"+max, `{}`, root, asJSON)
	at = step()
	mustDo(t, srv, 200, "DELETE", "/v1/agreement/news", ``, root)
	want = append(want, consent(max, at, "revoked"))
	step()
	mustDo(t, srv, 200, "POST", "/v1/agreement/news/token/"+max, `{"expiration":"1h"}`, root, asJSON)
	clock.advance(2 * time.Hour)
	if _, err := srv.Service.SweepExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Reported when the sweep applied it.
	want = append(want, consent(max, clock.unix(), "expired"))
	at = step()
	mustDo(t, srv, 200, "DELETE", "/v1/user/token/"+zoe, ``, root)
	want = append(want, event("forgetme", zoe, at))

	res := deliver(t, srv, rc, vault.NotificationPolicy{Batch: 3})
	if res.Delivered != len(want) || res.Failed != 0 || res.Dropped != 0 {
		t.Fatalf("result %+v, want %d delivered", res, len(want))
	}
	got := rc.deliveries()
	if len(got) != len(want) {
		t.Fatalf("received %d posts, want %d", len(got), len(want))
	}
	seen := map[string]bool{}
	for i, d := range got {
		if d.body != want[i] {
			t.Errorf("post %d body\n got %s\nwant %s", i, d.body, want[i])
		}
		for _, pii := range []string{"zoe", "Zoë", "example.com", "447700900123", "Secret", "max\""} {
			if strings.Contains(d.body, pii) {
				t.Errorf("post %d carries personal data %q: %s", i, pii, d.body)
			}
		}
		action := want[i][len(`{"action":"`):strings.Index(want[i], `","identity"`)]
		if ct := d.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("post %d Content-Type %q", i, ct)
		}
		if ev := d.header.Get("X-Piivault-Event"); ev != action {
			t.Errorf("post %d X-Piivault-Event %q, want %q", i, ev, action)
		}
		id := d.header.Get("X-Piivault-Delivery")
		if !uuidPattern.MatchString(id) || seen[id] {
			t.Errorf("post %d X-Piivault-Delivery %q: not a fresh UUID", i, id)
		}
		seen[id] = true
		mac := hmac.New(sha256.New, []byte(notifySecret))
		mac.Write([]byte(d.body))
		if sig := d.header.Get("X-Piivault-Signature"); sig != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
			t.Errorf("post %d signature %q does not verify", i, sig)
		}
	}
	if n := queued(t, srv); n != 0 {
		t.Fatalf("%d notifications still queued after delivery", n)
	}
	if res := deliver(t, srv, rc, vault.NotificationPolicy{}); res != (vault.NotificationResult{}) || len(rc.deliveries()) != len(want) {
		t.Fatalf("a second round sent again: %+v", res)
	}
}

func TestNotificationsRetryWithTheSameDeliveryID(t *testing.T) {
	clock := newManualClock()
	srv := notifyServer(t, clock)
	rc := newReceiver(t, 500, 503)
	createUser(t, srv, `{"login":"zoe"}`)
	p := vault.NotificationPolicy{FirstRetry: 5 * time.Second}

	if res := deliver(t, srv, rc, p); res.Failed != 1 || res.Delivered != 0 {
		t.Fatalf("first attempt: %+v", res)
	}
	if res := deliver(t, srv, rc, p); res != (vault.NotificationResult{}) {
		t.Fatalf("retried before its back-off: %+v", res)
	}
	clock.advance(5 * time.Second)
	if res := deliver(t, srv, rc, p); res.Failed != 1 {
		t.Fatalf("second attempt: %+v", res)
	}
	clock.advance(9 * time.Second) // the wait doubled to 10 s
	if res := deliver(t, srv, rc, p); res != (vault.NotificationResult{}) {
		t.Fatalf("retried before the doubled back-off: %+v", res)
	}
	clock.advance(time.Second)
	if res := deliver(t, srv, rc, p); res.Delivered != 1 || res.Failed != 0 {
		t.Fatalf("third attempt: %+v", res)
	}
	got := rc.deliveries()
	if len(got) != 3 {
		t.Fatalf("received %d posts, want 3", len(got))
	}
	id := got[0].header.Get("X-Piivault-Delivery")
	for i, d := range got {
		if d.header.Get("X-Piivault-Delivery") != id || d.body != got[0].body {
			t.Errorf("attempt %d differs: %s %s", i, d.header.Get("X-Piivault-Delivery"), d.body)
		}
	}
	if n := queued(t, srv); n != 0 {
		t.Fatalf("%d still queued", n)
	}
}

func TestNotificationsOlderThanADayAreDropped(t *testing.T) {
	clock := newManualClock()
	srv := notifyServer(t, clock)
	rc := newReceiver(t, 500, 500, 500, 500)
	createUser(t, srv, `{"login":"zoe"}`)
	var dropped []*vault.Notification
	p := vault.NotificationPolicy{Dropped: func(n *vault.Notification, _ error) { dropped = append(dropped, n) }}
	if res := deliver(t, srv, rc, p); res.Failed != 1 {
		t.Fatalf("first attempt: %+v", res)
	}
	clock.advance(24*time.Hour + time.Second)
	if res := deliver(t, srv, rc, p); res.Dropped != 1 || res.Failed != 0 {
		t.Fatalf("after 24 h: %+v", res)
	}
	if len(rc.deliveries()) != 1 || len(dropped) != 1 || dropped[0].Action != vault.NotifyProfileNew {
		t.Fatalf("an event older than 24 h was sent again (%d posts) or not reported dropped (%v)", len(rc.deliveries()), dropped)
	}
	if n := queued(t, srv); n != 0 {
		t.Fatalf("%d still queued", n)
	}

	// A failure whose next attempt would fall past the day drops it at once.
	createUser(t, srv, `{"login":"max"}`)
	p.FirstRetry, p.MaxRetry = 25*time.Hour, 25*time.Hour
	if res := deliver(t, srv, rc, p); res.Failed != 1 || res.Dropped != 1 {
		t.Fatalf("a retry past the day: %+v", res)
	}
	if n := queued(t, srv); n != 0 {
		t.Fatalf("%d still queued", n)
	}
}

func TestNotificationsOffQueueNothing(t *testing.T) {
	srv := apitest.New(t)
	createUser(t, srv, `{"login":"zoe"}`)
	if n := queued(t, srv); n != 0 {
		t.Fatalf("%d notifications queued without a notification URL", n)
	}
}

func TestNotificationsFollowApprovedRequestsAndScheduledErasure(t *testing.T) {
	clock := newManualClock()
	srv := notifyServer(t, clock)
	rc := newReceiver(t)
	root := srv.RootHeader()
	rtoken := func(res apitest.Response) string {
		var out struct{ Result, Rtoken string }
		if err := json.Unmarshal(res.Body, &out); err != nil || out.Result != "request-created" {
			t.Fatalf("not a new request: %s", res.Body)
		}
		return out.Rtoken
	}

	ann := createUser(t, srv, `{"login":"ann"}`)
	bob := createUser(t, srv, `{"login":"bob"}`)
	eve := createUser(t, srv, `{"login":"eve"}`)
	// Without self-service, a login token's changes become requests: nothing happens until approval.
	change := rtoken(mustDo(t, srv, 200, "PUT", "/v1/user/token/"+ann, `{"nick":"a"}`, loginToken(t, srv, ann), asJSON))
	forget := rtoken(mustDo(t, srv, 200, "DELETE", "/v1/user/token/"+bob, ``, loginToken(t, srv, bob)))
	startExpiration(t, srv, "token/"+eve, `{"expiration":"1h"}`)
	deliver(t, srv, rc, vault.NotificationPolicy{})
	before := len(rc.deliveries()) // the three profilenew

	mustDo(t, srv, 200, "POST", "/v1/request/"+change, `{}`, root, asJSON)
	clock.advance(time.Second) // events due at one instant come in no set order
	mustDo(t, srv, 200, "POST", "/v1/request/"+forget, `{}`, root, asJSON)
	clock.advance(2 * time.Hour)
	if _, err := srv.Service.SweepExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	deliver(t, srv, rc, vault.NotificationPolicy{})
	var got []string
	for _, d := range rc.deliveries()[before:] {
		got = append(got, d.header.Get("X-Piivault-Event")+" "+strings.Split(d.body, `"`)[7])
	}
	want := []string{"profilechange " + ann, "forgetme " + bob, "forgetme " + eve}
	if before != 3 || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("after %d posts got %v, want %v", before, got, want)
	}
}
