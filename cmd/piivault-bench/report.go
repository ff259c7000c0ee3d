package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// result is what one scenario measured. Durations are in nanoseconds in JSON.
type result struct {
	Name       string           `json:"name"`
	Requests   int64            `json:"requests"` // answered or failed, mismatches not counted twice
	Seconds    float64          `json:"seconds"`  // the measured window, until the last request ended
	Rate       float64          `json:"rate"`     // requests per second
	PctOfBare  float64          `json:"pct_of_bare,omitempty"`
	P50        time.Duration    `json:"p50_ns"`
	P95        time.Duration    `json:"p95_ns"`
	P99        time.Duration    `json:"p99_ns"`
	Max        time.Duration    `json:"max_ns"`
	Errors     int64            `json:"errors"` // transport errors + non-2xx + lost updates
	Transport  int64            `json:"transport_errors"`
	Non2xx     int64            `json:"non_2xx"`
	Status5xx  int64            `json:"status_5xx"`
	Locked     int64            `json:"locked"`
	LostUpdate int64            `json:"lost_updates"`
	Statuses   map[string]int64 `json:"statuses,omitempty"` // non-2xx answers by status
	FirstError string           `json:"first_error,omitempty"`
	SetupError string           `json:"setup_error,omitempty"`
	RSS        *rssRange        `json:"rss_kib,omitempty"`
}

// summarize merges the workers' counts into one result.
func summarize(name string, ws []*worker, elapsed time.Duration) result {
	res := result{Name: name, Seconds: elapsed.Seconds()}
	var h histogram
	for _, w := range ws {
		h.merge(&w.hist)
		res.Transport += w.transport
		res.Locked += w.locked
		res.LostUpdate += w.mismatches
		if res.FirstError == "" {
			res.FirstError = w.firstErr
		}
		for status, n := range w.status {
			if n == 0 || status >= 200 && status <= 299 {
				continue
			}
			if res.Statuses == nil {
				res.Statuses = map[string]int64{}
			}
			res.Statuses[strconv.Itoa(status)] += n
			res.Non2xx += n
			if status >= 500 && status <= 599 {
				res.Status5xx += n
			}
		}
	}
	res.Requests = int64(h.n) + res.Transport
	res.Errors = res.Transport + res.Non2xx + res.LostUpdate
	if elapsed > 0 {
		res.Rate = float64(res.Requests) / elapsed.Seconds()
	}
	res.P50, res.P95, res.P99, res.Max = h.quantile(0.50), h.quantile(0.95), h.quantile(0.99), h.max
	return res
}

// summary is the whole run, as printed.
type summary struct {
	URL         string    `json:"url"`
	Concurrency int       `json:"concurrency"`
	Seconds     float64   `json:"duration_seconds"` // per scenario and round
	Rounds      int       `json:"rounds"`
	BareRate    float64   `json:"bare_rate,omitempty"`
	Scenarios   []result  `json:"scenarios"`
	PID         int       `json:"pid,omitempty"`
	RSS         *rssRange `json:"rss_kib,omitempty"` // over the whole run, setup included
}

// compareToBare sets each scenario's rate as a percentage of the bare scenario's in this run.
func (s *summary) compareToBare() {
	for _, r := range s.Scenarios {
		if r.Name == "bare" && r.SetupError == "" && r.Rate > 0 {
			s.BareRate = r.Rate
		}
	}
	if s.BareRate == 0 {
		return
	}
	for i := range s.Scenarios {
		s.Scenarios[i].PctOfBare = s.Scenarios[i].Rate / s.BareRate * 100
	}
}

// clean reports whether every scenario ran and saw no error.
func (s *summary) clean() bool {
	for _, r := range s.Scenarios {
		if r.SetupError != "" || r.Errors > 0 {
			return false
		}
	}
	return true
}

// writeTable prints one row per scenario, then a note for each scenario with something to
// explain (setup failure, error statuses, lost updates, a transport error), then the RSS.
func (s *summary) writeTable(out io.Writer) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	header := "scenario\trequests\treq/s\t% of bare\tp50\tp95\tp99\tmax\terrors\t5xx"
	if s.PID > 0 {
		header += "\trss start\trss end\trss max"
	}
	fmt.Fprintln(tw, header)
	for _, r := range s.Scenarios {
		if r.SetupError != "" {
			// Every cell filled: tabwriter aligns a column only over lines that all have it.
			fmt.Fprintln(tw, r.Name+"\tnot run"+strings.Repeat("\t-", strings.Count(header, "\t")-1))
			continue
		}
		pct := "-"
		if r.PctOfBare > 0 {
			pct = fmt.Sprintf("%.1f%%", r.PctOfBare)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t%s\t%s\t%d\t%d", r.Name, r.Requests, r.Rate, pct,
			latency(r.P50), latency(r.P95), latency(r.P99), latency(r.Max), r.Errors, r.Status5xx)
		if r.RSS != nil {
			fmt.Fprintf(tw, "\t%s\t%s\t%s", mebibytes(r.RSS.Start), mebibytes(r.RSS.End), mebibytes(r.RSS.Max))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	for _, r := range s.Scenarios {
		if note := r.note(); note != "" {
			fmt.Fprintf(out, "%s: %s\n", r.Name, note)
		}
	}
	if s.RSS != nil {
		fmt.Fprintf(out, "server pid %d RSS over the run: start %s, end %s, max %s\n",
			s.PID, mebibytes(s.RSS.Start), mebibytes(s.RSS.End), mebibytes(s.RSS.Max))
	}
}

// note explains a scenario's errors, or returns "" when there is nothing to explain.
func (r result) note() string {
	if r.SetupError != "" {
		return "setup failed: " + r.SetupError
	}
	var parts []string
	for _, status := range slices.Sorted(maps.Keys(r.Statuses)) {
		parts = append(parts, fmt.Sprintf("HTTP %s ×%d", status, r.Statuses[status]))
	}
	if r.Locked > 0 {
		parts = append(parts, fmt.Sprintf("%d answers mention \"locked\"", r.Locked))
	}
	if r.LostUpdate > 0 {
		parts = append(parts, fmt.Sprintf("%d reads missed the last acknowledged write", r.LostUpdate))
	}
	if r.Transport > 0 {
		parts = append(parts, fmt.Sprintf("%d transport errors, first: %s", r.Transport, r.FirstError))
	}
	return strings.Join(parts, "; ")
}

// writeJSON prints the summary as one line.
func (s *summary) writeJSON(out io.Writer) error {
	return json.NewEncoder(out).Encode(s)
}

// latency formats d with three significant figures in a unit that suits it.
func latency(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/1e3)
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}
