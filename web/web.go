// Package web holds the privacy portal and admin console: plain ES modules,
// one stylesheet and one HTML shell, embedded so the binary serves them with
// no build step and no remote asset (api.md §1.11, §14).
package web

import (
	"embed"
	"io/fs"
)

//go:embed site
var site embed.FS

// FS is the portal's asset tree: index.html at its root, the scripts and
// the stylesheet beside it. It is read-only and safe for concurrent use.
var FS fs.FS = mustSub(site, "site")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		// Only a mistyped literal directory gets here, caught by any test run.
		panic(err)
	}
	return sub
}
