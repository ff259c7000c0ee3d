package httpapi_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestDependencyDirection enforces STYLE.md's arrows over the non-test
// imports of every package in the module: vault imports only the standard
// library; httpapi never reaches sqlstore or envelope; sqlstore never reaches
// envelope; only cmd (and the test harness apitest) reaches config; nothing
// but tests reaches apitest, and nothing reaches cmd.
func TestDependencyDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-e", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "piivault/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const (
		mod      = "piivault/"
		vault    = mod + "internal/vault"
		httpapi  = mod + "internal/httpapi"
		sqlstore = mod + "internal/sqlstore"
		envelope = mod + "internal/envelope"
		config   = mod + "internal/config"
		apitest  = mod + "internal/apitest"
		cmd      = mod + "cmd/"
	)
	forbidden := map[string][]string{
		httpapi:  {sqlstore, envelope, config},
		sqlstore: {envelope, config},
	}
	seen := 0
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkg, deps := fields[0], fields[1:]
		seen++
		inCmd := strings.HasPrefix(pkg, cmd)
		for _, dep := range deps {
			switch {
			case pkg == vault && !isStandard(dep):
				t.Errorf("%s imports %s: vault imports the standard library only", pkg, dep)
			case slices.Contains(forbidden[pkg], dep):
				t.Errorf("%s imports %s", pkg, dep)
			case dep == config && !inCmd && pkg != apitest:
				t.Errorf("%s imports %s: only cmd reads configuration", pkg, dep)
			case dep == apitest:
				t.Errorf("%s imports %s outside its tests", pkg, dep)
			case strings.HasPrefix(dep, cmd):
				t.Errorf("%s imports the command %s", pkg, dep)
			}
		}
	}
	for _, must := range []string{vault, httpapi} {
		if !strings.Contains(string(out), must+" ") && !strings.Contains(string(out), must+"\n") {
			t.Errorf("go list did not report %s; the check would pass vacuously", must)
		}
	}
	if seen < 4 {
		t.Fatalf("go list reported only %d packages:\n%s", seen, out)
	}
}

// isStandard reports whether an import path belongs to the standard library:
// its first element has no dot and it is not in this module.
func isStandard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".") && first != "piivault"
}
