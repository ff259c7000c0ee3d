package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"piivault/internal/vault"
)

func TestSignKnownAnswer(t *testing.T) {
	// RFC 4231 test case 2.
	got := Sign([]byte("Jefe"), []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestBodyCarriesBriefAndStatusOnlyForConsent(t *testing.T) {
	for _, tc := range []struct {
		n    vault.Notification
		want string
	}{
		{vault.Notification{Action: vault.NotifyProfileNew, UserToken: "u", Time: 7, Brief: "x", Status: "y"},
			`{"action":"profilenew","identity":"u","mode":"token","time":7}`},
		{vault.Notification{Action: vault.NotifyConsentChange, UserToken: "u", Time: 7, Brief: "news", Status: "no"},
			`{"action":"consentchange","identity":"u","mode":"token","time":7,"brief":"news","status":"no"}`},
	} {
		got, err := Body(&tc.n)
		if err != nil || string(got) != tc.want {
			t.Errorf("got %s, %v; want %s", got, err, tc.want)
		}
	}
}

func TestFailuresNameNeitherURLQueryNorReply(t *testing.T) {
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.invalid/", http.StatusFound)
	}))
	defer redirect.Close()
	n := &vault.Notification{ID: vault.NewUUID(), Action: vault.NotifyForgetMe, UserToken: "u", Time: 1}
	for _, tc := range []struct {
		name, url string
	}{
		{"a redirect is not followed and not a success", redirect.URL + "/?key=query-canary"},
		{"a connection failure", "http://127.0.0.1:1/?key=query-canary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := New(tc.url, "", nil).SendNotification(context.Background(), n)
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), "query-canary") || strings.Contains(err.Error(), "elsewhere") {
				t.Fatalf("error leaks the URL: %v", err)
			}
		})
	}
}
