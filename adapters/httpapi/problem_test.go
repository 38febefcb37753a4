package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// errorValues maps each error location of a problem to the value it echoes,
// and says which locations echo one at all.
func errorValues(r response) map[string]any {
	out := map[string]any{}
	errs, _ := r.body["errors"].([]any)
	for _, e := range errs {
		m, _ := e.(map[string]any)
		loc, _ := m["location"].(string)
		if v, ok := m["value"]; ok {
			out[loc] = v
		}
	}
	return out
}

func TestAProblemNeverEchoesALargeBody(t *testing.T) {
	t.Parallel()
	s := setup(t)
	big := `{"slug":"good-slug","name":"x","plan":"gold","settings":{"notes":"` + strings.Repeat("n", 900<<10) + `"}}`
	r := s.do(t, req{method: http.MethodPost, path: "/api/tenants", body: big})
	requireProblem(t, r, http.StatusUnprocessableEntity)
	require.Contains(t, locations(r), "body.plan", r.raw[:min(len(r.raw), 512)])
	require.Less(t, len(r.raw), 4096, "the problem names the unknown field without echoing the %d-byte body", len(big))
	require.NotContains(t, errorValues(r), "body.plan", "an object is never echoed")
}

func TestAProblemEchoesOnlyShortScalars(t *testing.T) {
	t.Parallel()
	s := setup(t)
	cases := []struct {
		name     string
		body     string
		location string
		echoed   any // nil: no value
	}{
		{"a number where a string belongs", `{"slug":"good-slug","name":42}`, "body.name", float64(42)},
		{"a bool where a string belongs", `{"slug":"good-slug","name":true}`, "body.name", true},
		{"a short string too long for its field", `{"slug":"good-slug","name":"` + strings.Repeat("a", 256) + `"}`, "body.name", nil},
		{"an array where a string belongs", `{"slug":"good-slug","name":["a","b"]}`, "body.name", nil},
		{"an object where a string belongs", `{"slug":"good-slug","name":{"a":1}}`, "body.name", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.do(t, req{method: http.MethodPost, path: "/api/tenants", body: c.body})
			requireProblem(t, r, http.StatusUnprocessableEntity)
			require.Contains(t, locations(r), c.location, r.raw)
			values := errorValues(r)
			if c.echoed == nil {
				require.NotContains(t, values, c.location, r.raw)
				return
			}
			require.Equal(t, c.echoed, values[c.location], r.raw)
		})
	}
}
