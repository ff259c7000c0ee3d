package delivery

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// gateway is a fake SMS gateway that records the one request it gets.
type gateway struct {
	*httptest.Server
	got    chan *http.Request
	body   chan string
	status int
}

func newGateway(t *testing.T, status int) *gateway {
	g := &gateway{got: make(chan *http.Request, 1), body: make(chan string, 1), status: status}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		g.got <- r
		g.body <- string(b)
		if g.status == http.StatusFound {
			http.Redirect(w, r, "http://elsewhere.invalid/", http.StatusFound)
			return
		}
		w.WriteHeader(g.status)
		io.WriteString(w, `{"error":"number +447700900123 is blocked"}`)
	}))
	t.Cleanup(g.Close)
	return g
}

func TestSMSGatewayBodies(t *testing.T) {
	msg := Message{To: "+447700900123", Text: `Code 012345 & "quotes"` + "\nnew line"}
	t.Run("form with the default template", func(t *testing.T) {
		g := newGateway(t, http.StatusAccepted)
		if err := deliver(t, &SMSGateway{URL: g.URL, Authorization: "Bearer k"}, msg); err != nil {
			t.Fatal(err)
		}
		r, body := <-g.got, <-g.body
		q, err := url.ParseQuery(body)
		if err != nil || q.Get("to") != msg.To || q.Get("message") != msg.Text || len(q) != 2 {
			t.Fatalf("body %q: %v", body, err)
		}
		if r.Method != "POST" || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.Header.Get("Authorization") != "Bearer k" {
			t.Fatalf("request %s %v", r.Method, r.Header)
		}
	})
	t.Run("JSON with a custom template: values cannot break out of their strings", func(t *testing.T) {
		g := newGateway(t, http.StatusOK)
		gw := &SMSGateway{URL: g.URL, Format: "json", From: "Vault", Body: `{"dest":"{{to}}","text":"{{message}}","sender":"{{from}}","n":1}`}
		if err := deliver(t, gw, msg); err != nil {
			t.Fatal(err)
		}
		r, body := <-g.got, <-g.body
		var got map[string]any
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("body %q is not JSON: %v", body, err)
		}
		if got["dest"] != msg.To || got["text"] != msg.Text || got["sender"] != "Vault" || len(got) != 4 {
			t.Fatalf("body %v", got)
		}
		if r.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("content type %q", r.Header.Get("Content-Type"))
		}
	})
	t.Run("Twilio's form and basic authentication", func(t *testing.T) {
		g := newGateway(t, http.StatusCreated)
		tw := Twilio("AC123", "tok", "+15005550006")
		if !strings.HasSuffix(tw.URL, "/2010-04-01/Accounts/AC123/Messages.json") {
			t.Fatalf("URL %s", tw.URL)
		}
		tw.URL = g.URL
		if err := deliver(t, tw, msg); err != nil {
			t.Fatal(err)
		}
		r, body := <-g.got, <-g.body
		q, _ := url.ParseQuery(body)
		user, pass, ok := r.BasicAuth()
		if q.Get("To") != msg.To || q.Get("From") != "+15005550006" || q.Get("Body") != msg.Text || !ok || user != "AC123" || pass != "tok" {
			t.Fatalf("body %v, auth %q %q %v", q, user, pass, ok)
		}
	})
}

func TestSMSGatewayFailures(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusInternalServerError, http.StatusFound} {
		g := newGateway(t, status)
		err := deliver(t, &SMSGateway{URL: g.URL}, Message{To: "+447700900123", Text: "code 987654"})
		var ge *GatewayError
		if !errors.As(err, &ge) || ge.Status != status {
			t.Fatalf("status %d: error %v, want a GatewayError with the status (redirects are not followed)", status, err)
		}
		if s := err.Error(); strings.Contains(s, "7700900123") || strings.Contains(s, "987654") {
			t.Fatalf("error quotes the number or code: %s", s)
		}
	}
	g := newGateway(t, http.StatusOK)
	g.Close()
	err := deliver(t, &SMSGateway{URL: g.URL + "/send?apikey=SECRET-KEY"}, Message{To: "+447700900123", Text: "x"})
	var ge *GatewayError
	if !errors.As(err, &ge) || ge.Status != 0 || strings.Contains(err.Error(), "SECRET-KEY") {
		t.Fatalf("an unreachable gateway: %v (must not quote the URL, which may hold a key)", err)
	}
}
