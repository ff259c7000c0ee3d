package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Bounds that keep a broken server from hanging the test run. They are not
// assertions on speed.
const (
	commandTimeout = 60 * time.Second
	readyTimeout   = 30 * time.Second
	stopTimeout    = 30 * time.Second
)

// environment returns this process's environment without PIIVAULT_*
// variables, plus extra, so that the host cannot leak settings into a test.
func environment(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PIIVAULT_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// result is a finished command.
type result struct {
	stdout, stderr string
	code           int
}

// run runs piivault to completion.
func run(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("piivault %v: %v", args, err)
	}
	return result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
}

// syncBuffer collects a child's output while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// child is a running piivault process.
type child struct {
	cmd    *exec.Cmd
	addr   string
	url    string
	client *http.Client
	output *syncBuffer
	exited chan struct{}
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs `piivault <command> --addr <free port> args...` and waits until
// /v1/status answers OK. The process is killed at the end of the test if it
// is still running.
func start(t *testing.T, env []string, command string, args ...string) *child {
	t.Helper()
	return startWith(t, "http", http.DefaultClient, env, command, args...)
}

// startWith is start with a URL scheme and the client to reach the server.
func startWith(t *testing.T, scheme string, client *http.Client, env []string, command string, args ...string) *child {
	t.Helper()
	s := launch(t, scheme, client, env, command, args...)
	s.waitReady(t, command)
	return s
}

// launch runs `piivault <command> --addr <free port> args...` without
// waiting for it to serve, so that tests can start several processes at
// the same moment; waitReady waits. The process is killed at the end of
// the test if it is still running.
func launch(t *testing.T, scheme string, client *http.Client, env []string, command string, args ...string) *child {
	t.Helper()
	addr := freeAddr(t)
	s := &child{addr: addr, url: scheme + "://" + addr, client: client, output: &syncBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(binary, append([]string{command, "--addr", addr}, args...)...)
	s.cmd.Env = env
	s.cmd.Stdout, s.cmd.Stderr = s.output, s.output
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			s.cmd.Process.Kill()
			<-s.exited
		}
	})
	return s
}

// waitReady waits until /v1/status answers OK, failing the test when the
// process exits first or takes longer than readyTimeout.
func (s *child) waitReady(t *testing.T, command string) {
	t.Helper()
	deadline := time.Now().Add(readyTimeout)
	for {
		select {
		case <-s.exited:
			t.Fatalf("piivault %s exited with %d before it was ready:\n%s", command, s.cmd.ProcessState.ExitCode(), s.output)
		default:
		}
		if resp, err := s.client.Get(s.url + "/v1/status"); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && string(body) == "OK" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("piivault %s not ready within %s:\n%s", command, readyTimeout, s.output)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and returns the exit status.
func (s *child) stop(t *testing.T) int {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	return s.wait(t)
}

func (s *child) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-s.exited:
		return s.cmd.ProcessState.ExitCode()
	case <-time.After(stopTimeout):
		t.Fatalf("piivault did not exit within %s:\n%s", stopTimeout, s.output)
		return -1
	}
}

// call sends one request with token and a JSON body (none when body is "")
// and returns the status and body.
func (s *child) call(t *testing.T, method, path, token, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("X-Bunker-Token", token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// createUser creates a user with token and returns its user token.
func (s *child) createUser(t *testing.T, token, profile string) string {
	t.Helper()
	code, body := s.call(t, http.MethodPost, "/v1/user", token, profile)
	var out struct{ Status, Token string }
	if code != 200 || json.Unmarshal([]byte(body), &out) != nil || out.Token == "" {
		t.Fatalf("POST /v1/user = %d %s", code, body)
	}
	return out.Token
}
