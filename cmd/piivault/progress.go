package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"piivault/internal/vault"
)

// barWidth is the width of a progress bar in characters.
const barWidth = 30

// bar draws done of total as a fixed-width bar with a percentage.
func bar(done, total int64) string {
	total = max(total, done, 1)
	filled := int(done * barWidth / total)
	return fmt.Sprintf("[%s%s] %d/%d (%d%%)", strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled),
		done, total, done*100/total)
}

// progress reports a key job to w: redrawn in place on a terminal, one
// line every few seconds otherwise, so that logs stay readable.
type progress struct {
	w        io.Writer
	terminal bool
	last     time.Time
	drawn    bool
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, terminal: ok && term.IsTerminal(int(f.Fd()))}
}

// show reports job's state, at most every few seconds when not on a
// terminal; final states are always shown.
func (p *progress) show(job *vault.KeyJob) {
	running := job.Status == vault.JobRunning
	if !p.terminal && running && time.Since(p.last) < 2*time.Second {
		return
	}
	p.last = time.Now()
	line := fmt.Sprintf("rotation %s to version %d: %s %s", job.ID, job.To, bar(job.Done, job.Total), job.Status)
	if p.terminal {
		fmt.Fprintf(p.w, "\r%s\x1b[K", line)
		p.drawn = true
		if !running {
			fmt.Fprintln(p.w)
			p.drawn = false
		}
		return
	}
	fmt.Fprintln(p.w, line)
}

// parseWithArgs parses args allowing want positional arguments among the
// flags (flag stops at the first non-flag), and returns them. Like
// flags.parse it answers --help, a bad flag and a wrong count itself.
func (f *flags) parseWithArgs(args []string, want int, names string) (pos []string, status int, done bool) {
	for {
		err := f.fs.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			f.usage(f.env.stdout)
			return nil, exitOK, true
		case err != nil:
			f.usage(f.env.stderr)
			return nil, exitUsage, true
		}
		if f.fs.NArg() == 0 {
			break
		}
		pos = append(pos, f.fs.Arg(0))
		args = f.fs.Args()[1:]
	}
	if len(pos) != want {
		fmt.Fprintf(f.env.stderr, "piivault %s: want %s\n", f.fs.Name(), names)
		f.usage(f.env.stderr)
		return nil, exitUsage, true
	}
	return pos, exitOK, false
}
