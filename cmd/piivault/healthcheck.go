package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"piivault/internal/config"
)

// runHealthcheck asks a running server's /v1/status whether it can reach
// its database, for container health checks: images without a shell or
// curl (distroless) can still run the binary itself.
func runHealthcheck(ctx context.Context, env *environ, args []string) int {
	f := newFlags(env, "healthcheck", "healthcheck [--url URL] [--timeout DURATION] [--config FILE]",
		"Exits 0 when GET /v1/status answers 200 \"OK\" (the server runs and its database answers), 1 otherwise.\n"+
			"Without --url it checks the local server the configuration describes: 127.0.0.1 (or server.host\n"+
			"when that is a specific address) on server.port, over HTTPS when ssl.* is set, accepting the\n"+
			"server's own certificate, which names the public host rather than 127.0.0.1.",
		false, false)
	f.fs.StringVar(&f.config, "config", env.getenv("PIIVAULT_CONFIG"), "YAML configuration `file` (default $PIIVAULT_CONFIG)")
	url := f.fs.String("url", "", "status `URL` to check instead of the configured local server")
	timeout := f.fs.Duration("timeout", 5*time.Second, "give up after this `duration`")
	if status, done := f.parse(args); done {
		return status
	}
	client := &http.Client{Timeout: *timeout}
	if *url == "" {
		cfg, status, done := f.load(nil)
		if done {
			return status
		}
		*url = statusURL(cfg)
		// The server checks itself over loopback: the name on its
		// certificate cannot match, and no secret is sent.
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	}
	if err := checkStatus(ctx, client, *url); err != nil {
		return fail(env, "healthcheck", err)
	}
	return exitOK
}

// statusURL is /v1/status of the server cfg describes, reached locally.
func statusURL(cfg *config.Config) string {
	scheme, host := "http", cfg.Server.Host
	if cfg.SSL.Enabled() {
		scheme = "https"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(cfg.Server.Port)) + "/v1/status"
}

// checkStatus returns nil when url answers 200 with the body "OK".
func checkStatus(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64))
	if resp.StatusCode != http.StatusOK || string(body) != "OK" {
		return fmt.Errorf("GET %s: %d %q", url, resp.StatusCode, body)
	}
	return nil
}
