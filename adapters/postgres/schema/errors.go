package schema

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// unavailable classifies a database failure that is not the migration's
// fault. A cancelled or timed-out call keeps its context error for errors.Is.
func unavailable(err error, what string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ports.Wrap(ports.KindUnavailable, err, "%s: the call was cancelled or timed out", what)
	}
	return ports.Wrap(ports.KindUnavailable, err, "%s: the database is unavailable", what)
}

// migrationError turns a failed migration into KindInvalid naming the module
// and file and carrying PostgreSQL's own words (message, detail, hint and the
// line of the error), which are about the migration's SQL and safe to show
// an operator. Anything that is not a PostgreSQL error (a lost connection)
// is KindUnavailable.
func migrationError(ref core.MigrationRef, sql string, err error) error {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return unavailable(err, "tenant migration "+ref.String())
	}
	var b strings.Builder
	fmt.Fprintf(&b, "tenant migration %s failed: %s", ref, pg.Message)
	if pg.Position > 0 {
		line, col := lineOf(sql, int(pg.Position))
		fmt.Fprintf(&b, " (line %d, column %d)", line, col)
	}
	if pg.Detail != "" {
		b.WriteString("; detail: " + pg.Detail)
	}
	if pg.Hint != "" {
		b.WriteString("; hint: " + pg.Hint)
	}
	return ports.Wrap(ports.KindInvalid, err, "%s", b.String())
}

// lineOf converts PostgreSQL's 1-based character position in sql into a
// line and column.
func lineOf(sql string, position int) (line, col int) {
	line, col = 1, 1
	n := 0
	for _, r := range sql {
		n++
		if n >= position {
			break
		}
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
