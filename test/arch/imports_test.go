// Package arch checks the architecture: the direction of imports between the
// project's folders, as DESIGN.md draws it.
package arch

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/tenancyhq/tenancy"

// rule says what packages under a folder may import directly, besides the
// standard library and themselves.
type rule struct {
	folder  string
	allowed []string
}

var rules = []rule{
	{"core", nil},
	{"ports", []string{module + "/core"}},
	{"config", nil},
	{"migrations", nil},
	// Hosted modules see the host's helpers, ports and core, never an adapter.
	{"app/modules", []string{module + "/core", module + "/ports", module + "/app/host", "github.com/danielgtaylor/huma/v2", "go.uber.org/fx"}},
	{"adapters", []string{module + "/core", module + "/ports", module + "/migrations", module + "/adapters", "*"}},
}

// forbidden may never be imported from these folders, whatever else they may.
var forbidden = map[string][]string{
	"adapters": {module + "/app", module + "/config", module + "/test"},
}

func TestImportsFollowTheArchitecture(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
		for _, r := range rules {
			if rel != r.folder && !strings.HasPrefix(rel, r.folder+"/") {
				continue
			}
			checked++
			for _, imp := range imports {
				if isStdlib(imp) || strings.HasPrefix(imp, pkg) {
					continue
				}
				for _, bad := range forbidden[r.folder] {
					if imp == bad || strings.HasPrefix(imp, bad+"/") {
						t.Errorf("%s imports %s: %s may not depend on it", pkg, imp, r.folder)
					}
				}
				if !allowed(imp, r.allowed) {
					t.Errorf("%s imports %s: %s may import only %v and the standard library", pkg, imp, r.folder, r.allowed)
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d packages matched a rule; the rules no longer describe the tree", checked)
	}
}

func allowed(imp string, list []string) bool {
	for _, a := range list {
		if a == "*" && !strings.HasPrefix(imp, module) {
			return true
		}
		if imp == a || strings.HasPrefix(imp, a+"/") {
			return true
		}
	}
	return false
}

func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
