package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// The access log writes one line per request. Written straight to stderr
// that is one write(2) per request, a measured 3-4% of the server's CPU on
// a session read; so access lines wait in a buffer for at most
// logFlushInterval (or until logBufferSize bytes are pending), and every
// other record, whatever its level, is written at once together with the
// access lines before it, so the order of lines is kept. A crash can lose
// the access lines of the last logFlushInterval, never an error.
const (
	logFlushInterval = 100 * time.Millisecond
	logBufferSize    = 32 << 10
)

// logSink is the buffered writer under both loggers.
type logSink struct {
	mu     sync.Mutex
	buf    *bufio.Writer
	closed bool // after close every record is written at once
	stop   chan struct{}
	done   chan struct{}
}

func newLogSink(w io.Writer) *logSink {
	s := &logSink{buf: bufio.NewWriterSize(w, logBufferSize), stop: make(chan struct{}), done: make(chan struct{})}
	go s.flushLoop()
	return s
}

// Write buffers p, one record as slog's handlers write them.
func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.buf.Write(p)
	if err == nil && s.closed {
		err = s.buf.Flush()
	}
	return n, err
}

func (s *logSink) flush() {
	s.mu.Lock()
	s.buf.Flush()
	s.mu.Unlock()
}

func (s *logSink) flushLoop() {
	defer close(s.done)
	t := time.NewTicker(logFlushInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.flush()
		case <-s.stop:
			s.flush()
			return
		}
	}
}

// close writes what is pending and stops the flusher; later records are
// still written, at once.
func (s *logSink) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stop)
	<-s.done
}

// flushingHandler writes each record through at once.
type flushingHandler struct {
	slog.Handler
	sink *logSink
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	h.sink.flush()
	return err
}

func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{h.Handler.WithAttrs(attrs), h.sink}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{h.Handler.WithGroup(name), h.sink}
}
