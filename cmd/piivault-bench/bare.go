package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/go-chi/chi/v5"
)

// okBody is all the bare handler answers: the smallest success body of the API.
var okBody = []byte(`{"status":"ok"}`)

// bareServerEnv set to 1 makes this executable serve only the bare handler. The bench starts
// itself so, as a process of its own, because the bare figure is the ceiling for a server
// process: served inside the bench, the bare handler shared the client's Go runtime and was
// spared the cross-process wake-ups every real server pays, which made it 10% faster than the
// same handler in its own process and every ratio that much too low.
const bareServerEnv = "PIIVAULT_BENCH_BARE_SERVER"

// bareStartTimeout bounds the wait for the bare server's address.
const bareStartTimeout = 10 * time.Second

// serveBare serves the bare handler on a free loopback port, writes the address to stdout and
// serves until stdin ends: the bench holds the other end of that pipe, so the server goes when
// the bench goes, however it ends.
func serveBare(stdin io.Reader, stdout io.Writer) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "piivault-bench: bare server:", err)
		return 1
	}
	r := chi.NewRouter()
	r.Get("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(okBody)
	})
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	go srv.Serve(ln)
	fmt.Fprintln(stdout, ln.Addr().String())
	io.Copy(io.Discard, stdin)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	return 0
}

// startBare starts this executable as the bare server (see bareServerEnv). It returns the
// server's base URL and a function that stops it within two seconds.
func startBare() (string, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), bareServerEnv+"=1")
	cmd.Stderr = os.Stderr
	// Killed with the bench even if the bench is killed itself.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	exited := make(chan struct{})
	stop := func() {
		stdin.Close()
		select {
		case <-exited:
		case <-time.After(2 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		addr <- strings.TrimSpace(line)
		io.Copy(io.Discard, stdout)
		cmd.Wait()
		close(exited)
	}()
	select {
	case a := <-addr:
		if a == "" {
			stop()
			return "", nil, errors.New("the bare server did not start")
		}
		return "http://" + a, stop, nil
	case <-time.After(bareStartTimeout):
		stop()
		return "", nil, errors.New("the bare server did not start within " + bareStartTimeout.String())
	}
}
