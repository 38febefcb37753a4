package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIfMatchPassesWhenAnyListedETagIsTheCurrentVersion(t *testing.T) {
	t.Parallel()
	s := setup(t)
	cases := []struct {
		name     string
		ifMatch  string
		status   int
		location string // of a 422
	}{
		{"the current version alone", `"2"`, http.StatusOK, ""},
		{"a list whose last entry is current", `"1", "2"`, http.StatusOK, ""},
		{"a list whose first entry is current", `"2","1"`, http.StatusOK, ""},
		{"a list of weak tags", `W/"1", W/"2"`, http.StatusOK, ""},
		{"a list with a tag that is no version", `"abc", "2"`, http.StatusOK, ""},
		{"a list with empty elements", `, "1" ,, "2",`, http.StatusOK, ""},
		{"a star", `*`, http.StatusOK, ""},
		{"an old version alone", `"1"`, http.StatusPreconditionFailed, ""},
		{"a list of stale versions", `"1", "7"`, http.StatusPreconditionFailed, ""},
		{"a list of tags that are no version", `"abc", W/"0", "02"`, http.StatusPreconditionFailed, ""},
		{"a bare word", `yesterday`, http.StatusUnprocessableEntity, "header.If-Match"},
		{"an unquoted number", `2`, http.StatusUnprocessableEntity, "header.If-Match"},
		{"an unterminated tag", `"2`, http.StatusUnprocessableEntity, "header.If-Match"},
		{"a tag followed by junk", `"2" x`, http.StatusUnprocessableEntity, "header.If-Match"},
		{"a list with a bare word", `"2", now`, http.StatusUnprocessableEntity, "header.If-Match"},
		{"only commas", `,,`, http.StatusUnprocessableEntity, "header.If-Match"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			slug := fmt.Sprintf("tenant-%d", i)
			create(t, s, slug)
			path := "/api/tenants/" + slug
			r := s.do(t, req{method: http.MethodPatch, path: path, body: map[string]any{"name": "second"}})
			require.Equal(t, `"2"`, r.header.Get("ETag"), r.raw)

			r = s.do(t, req{method: http.MethodPatch, path: path, headers: map[string]string{"If-Match": c.ifMatch}, body: map[string]any{"name": "third"}})
			if c.status == http.StatusOK {
				require.Equal(t, http.StatusOK, r.status, r.raw)
				require.Equal(t, "third", r.body["name"])
				require.Equal(t, `"3"`, r.header.Get("ETag"))
				return
			}
			requireProblem(t, r, c.status)
			if c.location != "" {
				require.Equal(t, []string{c.location}, locations(r), r.raw)
				require.Contains(t, r.body["detail"], "entity tags", "the problem says what the header must be")
			}
			r = s.do(t, req{method: http.MethodGet, path: path})
			require.Equal(t, "second", r.body["name"], "a refused update changes nothing")
			require.Equal(t, `"2"`, r.header.Get("ETag"))
		})
	}
}

func TestIfMatchWithAListOnAnUnknownTenantIsNotFound(t *testing.T) {
	t.Parallel()
	s := setup(t)
	r := s.do(t, req{method: http.MethodPatch, path: "/api/tenants/nobody", headers: map[string]string{"If-Match": `"1", "2"`}, body: map[string]any{"name": "x"}})
	requireProblem(t, r, http.StatusNotFound)
}
