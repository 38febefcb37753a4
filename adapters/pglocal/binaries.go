// Package pglocal runs a PostgreSQL server that the project starts itself, so
// that dev mode and the tests need no server installed and started by hand. It
// finds the server binaries, creates a cluster on first use, starts it on a
// free loopback port with a private socket directory, and stops it again.
package pglocal

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoBinaries means no PostgreSQL server binaries were found.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries found: install PostgreSQL 14 or newer (e.g. apt-get install postgresql), set TENANCY_PG_BIN to its bin directory, or set DATABASE_URL to use an existing server")

// defaultSearchGlob is where Debian and Ubuntu install server binaries, one
// directory per major version.
const defaultSearchGlob = "/usr/lib/postgresql/*/bin"

// FindBinaries returns the directory holding initdb, pg_ctl and postgres:
// explicit if set, else the directory of initdb on PATH, else the newest
// directory matching searchGlob (defaultSearchGlob when empty).
func FindBinaries(explicit, searchGlob string) (string, error) {
	if explicit != "" {
		if err := checkBinDir(explicit); err != nil {
			return "", fmt.Errorf("TENANCY_PG_BIN=%s: %w", explicit, err)
		}
		return explicit, nil
	}
	if initdb, err := exec.LookPath("initdb"); err == nil {
		if resolved, err := filepath.EvalSymlinks(initdb); err == nil {
			initdb = resolved
		}
		dir := filepath.Dir(initdb)
		if checkBinDir(dir) == nil {
			return dir, nil
		}
	}
	if searchGlob == "" {
		searchGlob = defaultSearchGlob
	}
	dirs, _ := filepath.Glob(searchGlob)
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	for _, dir := range dirs {
		if checkBinDir(dir) == nil {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

func checkBinDir(dir string) error {
	for _, name := range []string{"initdb", "postgres"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return fmt.Errorf("%s has no executable %s", dir, name)
		}
	}
	return nil
}

// majorOf reads the version directory of a path such as /usr/lib/postgresql/15/bin.
func majorOf(binDir string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(filepath.Base(filepath.Dir(binDir))))
	return n
}
