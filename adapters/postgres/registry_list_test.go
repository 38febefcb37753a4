package postgres_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancyhq/tenancy/core"
	"github.com/tenancyhq/tenancy/ports"
)

func TestListReturnsEveryTenantOnceWhileOthersAreInserted(t *testing.T) {
	t.Parallel()
	reg, b := setup(t)
	ctx := context.Background()
	const existing = 45
	first := b.now()
	before := map[string]bool{}
	for i := range existing {
		before[create(t, reg, b, fmt.Sprintf("existing-%02d", i)).ID] = true
	}
	last := b.now()

	// Inserters add tenants whose creation times fall anywhere in the range
	// already walked or still ahead, which is what breaks OFFSET paging.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	insertErrs := make(chan error, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				at := first.Add(time.Duration(rand.Int64N(int64(last.Sub(first)))))
				change, err := core.DecideCreate(core.CreateInput{
					ID: uuid.NewString(), Slug: fmt.Sprintf("new-%d-%d", w, i), Name: "New", Actor: "loader",
				}, at)
				if err == nil {
					_, err = reg.Create(ctx, change)
				}
				if err != nil {
					insertErrs <- err
					return
				}
			}
		}()
	}

	seen := map[string]int{}
	cursor := ""
	pages := 0
	for {
		page, err := reg.List(ctx, ports.ListParams{Limit: 7, Cursor: cursor})
		require.NoError(t, err)
		pages++
		for _, tenant := range page.Items {
			seen[tenant.ID]++
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	close(stop)
	wg.Wait()
	close(insertErrs)
	for err := range insertErrs {
		require.NoError(t, err)
	}

	for id := range before {
		require.Equal(t, 1, seen[id], "tenant %s", id)
	}
	for id, n := range seen {
		require.Equal(t, 1, n, "tenant %s returned more than once", id)
	}
	require.GreaterOrEqual(t, pages, existing/7)
}

func TestListPagesInCreationOrder(t *testing.T) {
	t.Parallel()
	reg, b := setup(t)
	ctx := context.Background()
	var want []string
	for i := range 5 {
		want = append(want, create(t, reg, b, fmt.Sprintf("page-%d", i)).Slug)
	}
	var got []string
	cursor := ""
	for {
		page, err := reg.List(ctx, ports.ListParams{Limit: 2, Cursor: cursor})
		require.NoError(t, err)
		require.LessOrEqual(t, len(page.Items), 2)
		for _, tenant := range page.Items {
			got = append(got, tenant.Slug)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	require.Equal(t, want, got)

	all, err := reg.List(ctx, ports.ListParams{})
	require.NoError(t, err)
	require.Len(t, all.Items, 5)
	require.Empty(t, all.NextCursor, "the last page has no next cursor")
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	reg, b := setup(t)
	ctx := context.Background()
	names := map[string]string{
		"acme-corp": "Acme Corp",
		"globex":    "Globex ACME Division",
		"initech":   "Initech",
		"percent":   "100% Real",
		"snake":     "Snake_Case Ltd",
	}
	ids := map[string]string{}
	for _, slug := range []string{"acme-corp", "globex", "initech", "percent", "snake"} {
		tenant, err := reg.Create(ctx, createChange(t, b, slug, names[slug]))
		require.NoError(t, err)
		ids[slug] = tenant.ID
	}
	_, err := reg.Update(ctx, ports.UpdateParams{ID: ids["initech"], Decide: suspendBy("bob", b.now)})
	require.NoError(t, err)

	cases := []struct {
		name   string
		params ports.ListParams
		want   []string
	}{
		{"a status keeps only the tenants in it", ports.ListParams{Status: core.StatusSuspended}, []string{"initech"}},
		{"a search matches slug and name, ignoring case", ports.ListParams{Query: "ACME"}, []string{"acme-corp", "globex"}},
		{"a search matches a part of the slug", ports.ListParams{Query: "obe"}, []string{"globex"}},
		{"a search and a status combine", ports.ListParams{Query: "acme", Status: core.StatusSuspended}, nil},
		{"a percent sign is matched literally", ports.ListParams{Query: "%"}, []string{"percent"}},
		{"an underscore is matched literally", ports.ListParams{Query: "e_c"}, []string{"snake"}},
		{"a search that matches nothing gives an empty page", ports.ListParams{Query: "umbrella"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			page, err := reg.List(ctx, tc.params)
			require.NoError(t, err)
			var got []string
			for _, tenant := range page.Items {
				got = append(got, tenant.Slug)
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestListRefusesBadInput(t *testing.T) {
	t.Parallel()
	reg, _ := setup(t)
	ctx := context.Background()
	cases := []struct {
		name   string
		params ports.ListParams
		field  string
	}{
		{"a limit above 100", ports.ListParams{Limit: 101}, "limit"},
		{"a negative limit", ports.ListParams{Limit: -1}, "limit"},
		{"a cursor that is not base64", ports.ListParams{Cursor: "!!!"}, "cursor"},
		{"a cursor of another shape", ports.ListParams{Cursor: base64.RawURLEncoding.EncodeToString([]byte(`{"x":1}`))}, "cursor"},
		{"a cursor with a bad id", ports.ListParams{Cursor: base64.RawURLEncoding.EncodeToString(
			[]byte(`{"c":"2025-01-01T00:00:00Z","i":"1'; DROP TABLE tenants; --"}`))}, "cursor"},
		{"an unknown status", ports.ListParams{Status: "archived"}, "status"},
		{"a search with a NUL byte", ports.ListParams{Query: "a\x00b"}, "q"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := reg.List(ctx, tc.params)
			requireKind(t, err, ports.KindInvalid, tc.field)
		})
	}
	page, err := reg.List(ctx, ports.ListParams{Limit: 100})
	require.NoError(t, err, "a limit of 100 is allowed")
	require.Empty(t, page.Items)
}

func TestEventsPageNewestFirst(t *testing.T) {
	t.Parallel()
	reg, b := setup(t)
	ctx := context.Background()
	tenant := create(t, reg, b, "events")
	for _, action := range []core.Action{core.ActionSuspend, core.ActionActivate, core.ActionSuspend, core.ActionDelete} {
		_, err := reg.Update(ctx, ports.UpdateParams{ID: tenant.ID, Decide: decide(action, "bob", b.now)})
		require.NoError(t, err)
	}

	var got []core.Action
	var lastID int64
	cursor := ""
	for {
		page, err := reg.Events(ctx, ports.EventListParams{TenantID: tenant.ID, Limit: 2, Cursor: cursor})
		require.NoError(t, err)
		for _, e := range page.Items {
			if lastID != 0 {
				require.Less(t, e.ID, lastID, "events come newest first")
			}
			lastID = e.ID
			got = append(got, e.Action)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	require.Equal(t, []core.Action{core.ActionDelete, core.ActionSuspend, core.ActionActivate, core.ActionSuspend, core.ActionCreate}, got)

	_, err := reg.Events(ctx, ports.EventListParams{TenantID: tenant.ID, Cursor: "bad"})
	requireKind(t, err, ports.KindInvalid, "cursor")
	_, err = reg.Events(ctx, ports.EventListParams{TenantID: tenant.ID, Limit: 101})
	requireKind(t, err, ports.KindInvalid, "limit")
	_, err = reg.Events(ctx, ports.EventListParams{TenantID: uuid.NewString()})
	requireKind(t, err, ports.KindNotFound, "")
}
