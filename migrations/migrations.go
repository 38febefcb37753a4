// Package migrations embeds the project's SQL: control/ builds the registry
// schema, tenant/ the built-in tables of every tenant schema. It also reads
// any directory of versioned SQL files into an ordered, checksummed list.
package migrations

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
)

//go:embed control/*.sql
var control embed.FS

//go:embed all:tenant
var tenant embed.FS

// Control returns the registry schema's migrations.
func Control() fs.FS { sub, _ := fs.Sub(control, "control"); return sub }

// Tenant returns the project's own tenant migrations (possibly none).
func Tenant() fs.FS { sub, _ := fs.Sub(tenant, "tenant"); return sub }

// Migration is one versioned SQL file.
type Migration struct {
	Version  int64
	Name     string // the file name, e.g. 0001_create_notes.sql
	SQL      string
	Checksum string // hex sha256 of SQL
}

var fileRe = regexp.MustCompile(`^(\d+)_([a-z0-9_\-]+)\.sql$`)

// Load reads the *.sql files at the root of fsys, ordered by version. A file
// whose name is not NNNN_name.sql, or two files with one version, are errors
// that name the files.
func Load(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	seen := map[int64]string{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		m := fileRe.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %s: name it NNNN_description.sql (digits, then lowercase letters, digits, _ or -)", e.Name())
		}
		version, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || version <= 0 {
			return nil, fmt.Errorf("migration %s: the version must be a positive number", e.Name())
		}
		if other, dup := seen[version]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", other, e.Name(), version)
		}
		seen[version] = e.Name()
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(body)
		out = append(out, Migration{Version: version, Name: e.Name(), SQL: string(body), Checksum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}
