package main

import (
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"piivault/internal/delivery/mailtest"
	"piivault/internal/vault"
)

var loginCode = regexp.MustCompile(`login code is ([0-9]+)\.`)

// loginWith logs in and returns the login token, failing unless it succeeds.
func (s *child) loginWith(t *testing.T, mode, identity, code string) string {
	t.Helper()
	status, body := s.call(t, http.MethodGet, "/v1/login/"+mode+"/"+identity+"/"+code, "", "")
	var out struct{ Status, XToken, Token string }
	if status != 200 || json.Unmarshal([]byte(body), &out) != nil || out.XToken == "" {
		t.Fatalf("login %s/%s: %d %s", mode, identity, status, body)
	}
	return out.XToken
}

func TestServeDeliversLoginCodesAndLimitsRequests(t *testing.T) {
	mail := mailtest.Start(t, mailtest.Options{})
	texts := make(chan string, 4)
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("Authorization") != "Bearer gw-key" || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		texts <- string(b)
	}))
	defer gw.Close()
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i*7 + 1)
	}
	root := vault.NewUUID()
	s := start(t, environment(
		"PIIVAULT_KEYS_MASTER_KEY="+hex.EncodeToString(key),
		"PIIVAULT_AUTH_ROOT_TOKEN="+root,
		"PIIVAULT_SMTP_SERVER=127.0.0.1",
		"PIIVAULT_SMTP_PORT="+strconv.Itoa(mail.Port),
		"PIIVAULT_SMTP_SENDER=vault@example.org",
		"PIIVAULT_SMS_GATEWAY_URL="+gw.URL,
		"PIIVAULT_SMS_GATEWAY_FORMAT=json",
		"PIIVAULT_SMS_GATEWAY_AUTHORIZATION=Bearer gw-key",
	), "serve", "--data-dir", t.TempDir())
	user := s.createUser(t, root, `{"email":"mary@example.com","phone":"+447700900123"}`)

	s.call(t, http.MethodGet, "/v1/prelogin/email/mary@example.com", "", "")
	m := mail.Next(t, 10*time.Second)
	code := loginCode.FindStringSubmatch(m.Data)
	if m.To[0] != "mary@example.com" || code == nil {
		t.Fatalf("mail %+v", m)
	}
	xtoken := s.loginWith(t, "email", "mary@example.com", code[1])
	if status, _ := s.call(t, http.MethodGet, "/v1/user/token/"+user, xtoken, ""); status != 200 {
		t.Fatalf("the login token reads its user: %d", status)
	}

	s.call(t, http.MethodGet, "/v1/prelogin/phone/+447700900123", "", "")
	var text string
	select {
	case text = <-texts:
	case <-time.After(10 * time.Second):
		t.Fatalf("no text message; log:\n%s", s.output)
	}
	var sms struct{ To, Message string }
	json.Unmarshal([]byte(text), &sms)
	phoneCode := loginCode.FindStringSubmatch(sms.Message)
	if sms.To != "+447700900123" || phoneCode == nil {
		t.Fatalf("gateway body %s", text)
	}
	s.loginWith(t, "phone", "+447700900123", phoneCode[1])

	// ratelimit.prelogin_per_identity defaults to 3 per 15 minutes.
	for i, want := range []int{200, 200, 429} {
		if status, body := s.call(t, http.MethodGet, "/v1/prelogin/email/mary@example.com", "", ""); status != want {
			t.Fatalf("prelogin %d: %d %s", i+2, status, body)
		}
	}
	if out := s.output.String(); strings.Contains(out, code[1]) || strings.Contains(out, phoneCode[1]) || strings.Contains(out, "mary@") {
		t.Errorf("the log holds a code or an address:\n%s", out)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("exit %d:\n%s", code, s.output)
	}
}

func TestDemoModeLogin(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s := start(t, environment(), "demo", "--data-dir", dir)
	s.createUser(t, "DEMO", `{"email":"test@securitybunker.io"}`)
	s.createUser(t, "DEMO", `{"phone":"4444"}`)
	s.createUser(t, "DEMO", `{"email":"mary@example.com"}`)
	for _, id := range []string{"email/test@securitybunker.io", "phone/4444"} {
		s.call(t, http.MethodGet, "/v1/prelogin/"+id, "", "")
		mode, identity, _ := strings.Cut(id, "/")
		s.loginWith(t, mode, identity, "4444")
	}

	// Anyone else's code goes to the outbox file, for the operator.
	s.call(t, http.MethodGet, "/v1/prelogin/email/mary@example.com", "", "")
	outbox := filepath.Join(dir, demoOutboxFile)
	var code []string
	for deadline := time.Now().Add(10 * time.Second); code == nil; time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(outbox)
		code = regexp.MustCompile(`to="mary@example.com" "Your login code is ([0-9]{6})\.`).FindStringSubmatch(string(b))
		if code == nil && time.Now().After(deadline) {
			t.Fatalf("no code in the outbox:\n%s\nlog:\n%s", b, s.output)
		}
	}
	s.loginWith(t, "email", "mary@example.com", code[1])
	b, _ := os.ReadFile(outbox)
	if strings.Contains(string(b), "securitybunker") || strings.Contains(string(b), "+444444") {
		t.Errorf("the demo identities' fixed code went to the outbox:\n%s", b)
	}
	if fi, err := os.Stat(outbox); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("outbox: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	if out := s.output.String(); strings.Contains(out, code[1]) || !strings.Contains(out, demoOutboxFile) {
		t.Errorf("the log must name the outbox but never hold a code:\n%s", out)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("exit %d:\n%s", code, s.output)
	}
}
