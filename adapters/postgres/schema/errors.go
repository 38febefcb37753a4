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

// dbError classifies a failed database call. A cancelled or timed-out
// call, a lost connection, and a server that is short of resources, shutting
// down, or refused a lock or a serialisable snapshot are KindUnavailable: a
// retry may succeed. Any other error the server returned (a statement it
// refuses, such as DROP TABLE of a materialized view) is KindInternal: a bug
// that a retry would only repeat, whose details belong in the log. A
// cancelled call keeps its context error for errors.Is.
func dbError(err error, what string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ports.Wrap(ports.KindUnavailable, err, "%s: the call was cancelled or timed out", what)
	}
	if refused(err) {
		return ports.Wrap(ports.KindInternal, err, "%s: the database refused the statement", what)
	}
	return ports.Wrap(ports.KindUnavailable, err, "%s: the database is unavailable", what)
}

// transient reports whether a SQLSTATE says the server could not do the work
// now rather than that the work is wrong: class 08 (connection), 40
// (serialization failure, deadlock), 53 (insufficient resources), 55P03
// (lock not available), 57 (cancelled, shutting down) and 58 (system error).
// refused reports whether err is the server refusing a statement (bad SQL,
// a constraint, a missing table…) rather than a transient condition: what
// replaying a statement list one statement at a time would pin on a file.
func refused(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && !transient(pg.Code)
}

func transient(code string) bool {
	if code == "55P03" {
		return true
	}
	if len(code) < 2 {
		return true
	}
	switch code[:2] {
	case "08", "40", "53", "57", "58":
		return true
	}
	return false
}

// migrationError turns a failed migration into KindInvalid naming the module
// and file and carrying PostgreSQL's own words (message, detail, hint and the
// line of the error), which are about the migration's SQL and safe to show
// an operator. A lost connection, a cancelled statement or another transient
// failure is classified by dbError instead.
func migrationError(ref core.MigrationRef, sql string, err error) error {
	if !refused(err) {
		return dbError(err, "tenant migration "+ref.String())
	}
	var pg *pgconn.PgError
	errors.As(err, &pg)
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
