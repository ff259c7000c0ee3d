package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// rssInterval is how often the server's memory is sampled: often enough to catch a peak that
// lasts a fraction of a second, cheap enough (one small /proc read) to cost the machine nothing.
const rssInterval = 250 * time.Millisecond

// rssRange is a process's resident memory over a window, in KiB.
type rssRange struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
	Max   int64 `json:"max"`
}

// extend returns the range over r followed by next; either may be nil.
func (r *rssRange) extend(next *rssRange) *rssRange {
	switch {
	case r == nil:
		return next
	case next == nil:
		return r
	}
	return &rssRange{Start: r.Start, End: next.End, Max: max(r.Max, next.Max)}
}

// readRSS returns the resident set size of process pid in KiB, read from the VmRSS line of
// /proc/<pid>/status (Linux only).
func readRSS(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmRSS:"))
		if !ok {
			continue
		}
		kib, err := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("process %d: VmRSS: %w", pid, err)
		}
		return kib, nil
	}
	return 0, fmt.Errorf("process %d: no VmRSS line (a zombie or kernel thread?)", pid)
}

// watchRSS samples the memory of process pid until the returned function is called, which
// reports the first, last and largest sample. With pid 0, or when not even the first sample
// can be read, it reports nil. A process that exits keeps its last sample as the end.
func watchRSS(pid int) (stop func() *rssRange) {
	if pid <= 0 {
		return func() *rssRange { return nil }
	}
	first, err := readRSS(pid)
	if err != nil {
		return func() *rssRange { return nil }
	}
	r := rssRange{Start: first, End: first, Max: first}
	done := make(chan struct{})
	var wg sync.WaitGroup
	sample := func() {
		if kib, err := readRSS(pid); err == nil {
			r.End, r.Max = kib, max(r.Max, kib)
		}
	}
	wg.Go(func() {
		tick := time.NewTicker(rssInterval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				sample()
				return
			case <-tick.C:
				sample()
			}
		}
	})
	return func() *rssRange {
		close(done)
		wg.Wait()
		return &r
	}
}

// mebibytes formats KiB as MiB with one decimal.
func mebibytes(kib int64) string {
	return strconv.FormatFloat(float64(kib)/1024, 'f', 1, 64) + " MiB"
}
