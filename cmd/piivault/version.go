package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
var version string

func runVersion(_ context.Context, env *environ, args []string) int {
	f := newFlags(env, "version", "version", "Prints the version of this binary.", false, false)
	if status, done := f.parse(args); done {
		return status
	}
	fmt.Fprintf(env.stdout, "piivault %s\n", buildVersion())
	return exitOK
}

// buildVersion returns the linked-in version, else the module version or VCS
// revision Go recorded, else "devel".
func buildVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return "devel"
	}
	return "devel-" + rev + dirty
}
