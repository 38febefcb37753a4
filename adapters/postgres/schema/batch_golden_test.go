package schema

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata from the code")

// TestTheMigrationBatchMatchesItsGoldenFile pins the SQL that provisioning
// and fan-out send for a tenant's pending migrations, so a change to it is a
// reviewed change: the search path, each file, one ledger insert of quoted
// literals (a hostile file name or module cannot break out of them).
func TestTheMigrationBatchMatchesItsGoldenFile(t *testing.T) {
	sets, err := NewSets(
		ports.MigrationSet{Module: "notes", FS: fstest.MapFS{
			"0001_notes.sql": {Data: []byte("CREATE TABLE notes (id int PRIMARY KEY);")},
			"0002_title.sql": {Data: []byte("ALTER TABLE notes ADD COLUMN title text -- ends in a comment")},
		}},
		ports.MigrationSet{Module: "it's", FS: fstest.MapFS{
			"0001_quote.sql": {Data: []byte("CREATE TABLE quoted (v text DEFAULT 'a''b');")},
		}},
	)
	if err != nil {
		t.Fatal(err)
	}
	quoted, err := core.QuoteSchema("tenant_acme_corp")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := writeMigrations(&b, sets, "tenancy", core.QuoteLiteral("7d1e4a3c-0000-4000-8000-000000000001"), quoted, sets.Refs()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "migration_batch.golden.sql")
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v: run go test ./adapters/postgres/schema -run Golden -update to create it", err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("the batch changed; review it, then run with -update:\n--- got\n%s\n--- want\n%s", got, want)
	}
}
