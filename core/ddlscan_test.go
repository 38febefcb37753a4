package core_test

import (
	"reflect"
	"testing"

	"github.com/tenancyhq/tenancy/core"
)

func TestCreatedRelations(t *testing.T) {
	cases := []struct {
		name string
		sql  string
		want []string
	}{
		{"a plain table", "CREATE TABLE notes (id int);", []string{"notes"}},
		{"if not exists and mixed case fold to lower case", "create table If Not Exists Notes (id int)", []string{"notes"}},
		{"a quoted name keeps its case", `CREATE TABLE "Notes" (id int)`, []string{"Notes"}},
		{"a qualified name keeps its last part", `CREATE TABLE public.users (id int)`, []string{"users"}},
		{"unlogged and temporary tables", "CREATE UNLOGGED TABLE a (x int); CREATE TEMP TABLE b (x int)", []string{"a", "b"}},
		{"views and materialized views", "CREATE OR REPLACE VIEW v AS SELECT 1; CREATE MATERIALIZED VIEW m AS SELECT 1", []string{"v", "m"}},
		{"a rename gives a new name", "ALTER TABLE ONLY notes RENAME TO memos", []string{"memos"}},
		{"a rename of a column is not a new table", "ALTER TABLE notes RENAME COLUMN a TO b", nil},
		{"line comments are ignored", "-- CREATE TABLE ghost (x int)\nCREATE TABLE real (x int)", []string{"real"}},
		{"nested block comments are ignored", "/* a /* CREATE TABLE ghost */ CREATE TABLE ghost2 */ CREATE TABLE real (x int)", []string{"real"}},
		{"string literals are ignored", "INSERT INTO t VALUES ('CREATE TABLE ghost (x int)', E'it\\'s CREATE TABLE ghost2')", nil},
		{"dollar-quoted bodies are ignored", "CREATE FUNCTION f() RETURNS void AS $body$ BEGIN CREATE TABLE ghost (x int); END $body$ LANGUAGE plpgsql; CREATE TABLE real (x int)", []string{"real"}},
		{"a dollar inside an identifier is not a quote", "CREATE TABLE a$b$ (x int); CREATE TABLE c (x int)", []string{"a$b$", "c"}},
		{"repeats are listed once", "CREATE TABLE a (x int); DROP TABLE a; CREATE TABLE a (x int)", []string{"a"}},
		{"an index is not a relation we check", "CREATE INDEX notes_idx ON notes (id)", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := core.CreatedRelations(tc.sql); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("CreatedRelations(%q) = %q, want %q", tc.sql, got, tc.want)
			}
		})
	}
}
