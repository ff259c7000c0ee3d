package main

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"piivault/internal/config"
)

func TestStatusURL(t *testing.T) {
	tests := []struct {
		host string
		port int
		tls  bool
		want string
	}{
		{"0.0.0.0", 3000, false, "http://127.0.0.1:3000/v1/status"},
		{"::", 3000, false, "http://127.0.0.1:3000/v1/status"},
		{"", 8080, false, "http://127.0.0.1:8080/v1/status"},
		{"10.1.2.3", 3000, true, "https://10.1.2.3:3000/v1/status"},
		{"::1", 3443, true, "https://[::1]:3443/v1/status"},
	}
	for _, tt := range tests {
		cfg := &config.Config{Server: config.Server{Host: tt.host, Port: tt.port}}
		if tt.tls {
			cfg.SSL = config.SSL{Certificate: "c.pem", CertificateKey: "k.pem"}
		}
		if got := statusURL(cfg); got != tt.want {
			t.Errorf("host %q port %d tls %v: %s, want %s", tt.host, tt.port, tt.tls, got, tt.want)
		}
	}
}

func TestHealthcheck(t *testing.T) {
	answer := func(code int, body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/v1/status" {
				http.NotFound(w, r)
				return
			}
			w.WriteHeader(code)
			w.Write([]byte(body))
		}))
		t.Cleanup(srv.Close)
		return srv.URL + "/v1/status"
	}
	down := "http://" + freeAddr(t) + "/v1/status"
	tests := []struct {
		name string
		url  string
		want int
	}{
		{"a server answering 200 OK is healthy", answer(200, "OK"), 0},
		{"a server whose database is gone (500 error) is not", answer(500, "error"), 1},
		{"a 200 with another body is not", answer(200, "<html>"), 1},
		{"a server that does not answer is not", down, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, environment(), "healthcheck", "--url", tt.url, "--timeout", "3s")
			if r.code != tt.want || r.stdout != "" || tt.want == 1 && !strings.Contains(r.stderr, tt.url) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d", r.code, r.stdout, r.stderr, tt.want)
			}
		})
	}

	t.Run("without --url it checks the configured server, over HTTPS when ssl is set", func(t *testing.T) {
		dir := t.TempDir()
		certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
		pool := selfSignedCert(t, certFile, keyFile)
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		env := environment("PIIVAULT_SSL_SSL_CERTIFICATE="+certFile, "PIIVAULT_SSL_SSL_CERTIFICATE_KEY="+keyFile)
		s := startWith(t, "https", client, env, "demo", "--data-dir", filepath.Join(dir, "data"))
		_, port, _ := strings.Cut(s.addr, ":")
		if r := run(t, append(env, "PIIVAULT_SERVER_PORT="+port), "healthcheck"); r.code != 0 {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
		if r := run(t, append(env, "PIIVAULT_SERVER_PORT="+port, "PIIVAULT_SSL_SSL_CERTIFICATE="), "healthcheck"); r.code != 1 {
			t.Errorf("plain HTTP to the HTTPS server: exit %d, want 1", r.code)
		}
	})
}
