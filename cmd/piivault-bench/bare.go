package main

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
)

// okBody is all the bare handler answers: the smallest success body of the API.
var okBody = []byte(`{"status":"ok"}`)

// startBare serves the ceiling of this machine: a chi router answering okBody on a free loopback
// port, in this process, reached through the same client as the server under test. It returns
// the server's base URL and a function that shuts it down within two seconds.
func startBare() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	r := chi.NewRouter()
	r.Get("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(okBody)
	})
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	go srv.Serve(ln)
	shutdown := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
	return "http://" + ln.Addr().String(), shutdown, nil
}
