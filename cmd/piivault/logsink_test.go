package main

import (
	"strings"
	"testing"

	"piivault/internal/config"
)

func TestLogsKeepOrderAndLoseNothingAtClose(t *testing.T) {
	var out syncBuffer
	logs := newLogs(&out, config.Log{Level: "info", Format: "json"})
	logs.access.Info("request", "n", 1)
	logs.access.Info("request", "n", 2)
	// A record of the main logger is written at once, with the access lines
	// queued before it: nothing waits for the flusher here.
	logs.main.Warn("store slow")
	got := out.String()
	if strings.Count(got, `"msg":"request"`) != 2 || !strings.Contains(got, `"msg":"store slow"`) {
		t.Fatalf("after a main record, want both access lines and it written:\n%s", got)
	}
	if strings.Index(got, `"n":2`) > strings.Index(got, "store slow") {
		t.Fatalf("lines out of order:\n%s", got)
	}
	for i := range 1000 {
		logs.access.Info("request", "n", 100+i)
	}
	logs.close()
	got = out.String()
	if n := strings.Count(got, `"msg":"request"`); n != 1002 {
		t.Fatalf("after close %d access lines were written, want 1002", n)
	}
	// Records after close are not kept back either.
	logs.access.Info("request", "n", "late")
	if !strings.Contains(out.String(), `"n":"late"`) {
		t.Fatal("an access line after close stayed in the buffer")
	}
	logs.close() // idempotent
}

func TestMainLoggerWritesThroughAtAnyLevel(t *testing.T) {
	var out syncBuffer
	logs := newLogs(&out, config.Log{Level: "debug", Format: "text"})
	defer logs.close()
	logs.main.With("job", "sweep").Info("expiry sweep", "sessions", 3)
	if got := out.String(); !strings.Contains(got, "msg=\"expiry sweep\"") || !strings.Contains(got, "job=sweep") {
		t.Fatalf("an info record of the main logger waited in the buffer: %q", got)
	}
}
