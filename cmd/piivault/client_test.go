package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// reply is an answer read in full.
type reply struct {
	status int
	header http.Header
	body   string
}

// send sends one request with token and a JSON body (none when "") and
// reads the answer. Unlike call it never fails the test, so goroutines may
// use it; a transport error (refused, timed out) is returned.
func (s *child) send(method, path, token, body string) (reply, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		return reply{}, err
	}
	if token != "" {
		req.Header.Set("X-Bunker-Token", token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	return reply{resp.StatusCode, resp.Header, string(b)}, nil
}

// expect calls path and fails the test unless the answer has status want;
// it returns the body decoded into a map.
func (s *child) expect(t *testing.T, want int, method, path, token, body string) map[string]any {
	t.Helper()
	code, got := s.call(t, method, path, token, body)
	if code != want {
		t.Fatalf("%s %s%s = %d %s, want %d", method, s.addr, path, code, got, want)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(got), &out); err != nil {
		t.Fatalf("%s %s%s: body %q is not a JSON object: %v", method, s.addr, path, got, err)
	}
	return out
}

// logErrors returns the lines a JSON-logging piivault wrote at level ERROR.
func (s *child) logErrors() []string { return s.logLines(`"level":"ERROR"`) }

// logLines returns the lines of the child's output that contain substr.
func (s *child) logLines(substr string) []string {
	var lines []string
	for _, line := range strings.Split(s.output.String(), "\n") {
		if strings.Contains(line, substr) {
			lines = append(lines, line)
		}
	}
	return lines
}
