package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

// maxQueryLength bounds the search text of a tenant list; a longer one
// cannot match a slug or name anyway.
const maxQueryLength = 255

// tenantCursor is the position after the last tenant of a page. Keyset
// pagination on (created_at, id) returns every tenant that existed when the
// walk began exactly once, however many tenants are inserted meanwhile,
// which an OFFSET cannot promise.
type tenantCursor struct {
	CreatedAt time.Time `json:"c"`
	ID        string    `json:"i"`
}

// eventCursor is the id of the last event of a page.
type eventCursor struct {
	ID int64 `json:"e"`
}

// List returns one page of tenants, oldest first, filtered by status and by
// a case-insensitive substring of the slug or the name. A bad limit, status,
// query or cursor is KindInvalid naming the field.
func (r *Registry) List(ctx context.Context, params ports.ListParams) (ports.TenantPage, error) {
	limit, err := pageLimit(params.Limit)
	if err != nil {
		return ports.TenantPage{}, err
	}
	if params.Status != "" && !params.Status.Valid() {
		return ports.TenantPage{}, &ports.Error{Kind: ports.KindInvalid, Field: "status",
			Message: "status must be one of active, provisioned, suspended, deleted"}
	}
	query := strings.TrimSpace(params.Query)
	if !utf8.ValidString(query) || strings.ContainsRune(query, 0) || utf8.RuneCountInString(query) > maxQueryLength {
		return ports.TenantPage{}, &ports.Error{Kind: ports.KindInvalid, Field: "q",
			Message: fmt.Sprintf("the search text must be valid UTF-8 text of at most %d characters", maxQueryLength)}
	}
	var after tenantCursor
	if params.Cursor != "" {
		if err := decodeCursor(params.Cursor, &after); err != nil || after.CreatedAt.IsZero() || uuid.Validate(after.ID) != nil {
			return ports.TenantPage{}, badCursor()
		}
	}

	var rows []tenantRow
	table, schema := r.tenantsTable()
	q := r.db.NewSelect().Model(&rows).ModelTableExpr(table, schema)
	if params.Status != "" {
		q = q.Where("t.status = ?", string(params.Status))
	}
	if query != "" {
		pattern := "%" + escapeLike(query) + "%"
		q = q.Where("(t.slug ILIKE ? OR t.name ILIKE ?)", pattern, pattern)
	}
	if params.Cursor != "" {
		q = q.Where("(t.created_at, t.id) > (?::timestamptz, ?::uuid)", after.CreatedAt.UTC(), after.ID)
	}
	err = q.OrderExpr("t.created_at ASC, t.id ASC").Limit(int64(limit) + 1).Scan(ctx)
	if err != nil {
		return ports.TenantPage{}, translate(err, "list tenants")
	}

	page := ports.TenantPage{Items: make([]core.Tenant, 0, min(len(rows), limit))}
	for i, row := range rows {
		if i == limit {
			last := rows[limit-1]
			page.NextCursor = encodeCursor(tenantCursor{CreatedAt: last.CreatedAt.UTC(), ID: last.ID})
			break
		}
		t, err := toCore(row)
		if err != nil {
			return ports.TenantPage{}, err
		}
		page.Items = append(page.Items, t)
	}
	return page, nil
}

// Events lists a tenant's audit trail, newest first. An unknown tenant is
// KindNotFound; a bad limit or cursor is KindInvalid naming the field.
func (r *Registry) Events(ctx context.Context, params ports.EventListParams) (ports.EventPage, error) {
	limit, err := pageLimit(params.Limit)
	if err != nil {
		return ports.EventPage{}, err
	}
	var before eventCursor
	if params.Cursor != "" {
		if err := decodeCursor(params.Cursor, &before); err != nil || before.ID <= 0 {
			return ports.EventPage{}, badCursor()
		}
	}
	tenant, err := r.Get(ctx, params.TenantID)
	if err != nil {
		return ports.EventPage{}, err
	}

	var rows []eventRow
	table, schema := r.eventsTable()
	q := r.db.NewSelect().Model(&rows).ModelTableExpr(table, schema).Where("e.tenant_id = ?", tenant.ID)
	if params.Cursor != "" {
		q = q.Where("e.id < ?", before.ID)
	}
	if err := q.OrderExpr("e.id DESC").Limit(int64(limit) + 1).Scan(ctx); err != nil {
		return ports.EventPage{}, translate(err, "list events of tenant "+tenant.Slug)
	}

	page := ports.EventPage{Items: make([]core.Event, 0, min(len(rows), limit))}
	for i, row := range rows {
		if i == limit {
			page.NextCursor = encodeCursor(eventCursor{ID: rows[limit-1].ID})
			break
		}
		e, err := toCoreEvent(row)
		if err != nil {
			return ports.EventPage{}, err
		}
		page.Items = append(page.Items, e)
	}
	return page, nil
}

// CountByStatus returns how many tenants are in each status; every status is
// present, with zero when no tenant is in it, so a gauge built from it drops
// to zero instead of keeping its last value.
func (r *Registry) CountByStatus(ctx context.Context) (map[core.Status]int64, error) {
	var counts []struct {
		Status string `bun:"status"`
		Count  int64  `bun:"count"`
	}
	table, schema := r.tenantsTable()
	err := r.db.NewSelect().TableExpr(table, schema).
		ColumnExpr("t.status AS status, count(*) AS count").
		GroupExpr("t.status").
		Scan(ctx, &counts)
	if err != nil {
		return nil, translate(err, "count tenants by status")
	}
	out := make(map[core.Status]int64, len(core.Statuses))
	for _, s := range core.Statuses {
		out[s] = 0
	}
	for _, c := range counts {
		out[core.Status(c.Status)] = c.Count
	}
	return out, nil
}

// pageLimit applies the default page size and refuses sizes out of range.
func pageLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return ports.DefaultPageSize, nil
	case limit < 0 || limit > ports.MaxPageSize:
		return 0, &ports.Error{Kind: ports.KindInvalid, Field: "limit",
			Message: fmt.Sprintf("limit must be from 1 to %d, got %d", ports.MaxPageSize, limit)}
	}
	return limit, nil
}

// escapeLike makes s match literally inside a LIKE pattern, whose default
// escape character is the backslash.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// encodeCursor makes a position opaque: clients pass it back unread, so its
// shape may change without breaking them.
func encodeCursor(v any) string {
	// The cursor types are plain structs that always encode.
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func badCursor() error {
	return &ports.Error{Kind: ports.KindInvalid, Field: "cursor",
		Message: "cursor is not one this server issued; pass the nextCursor of the previous page, or none for the first page"}
}
