package httpapi

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/sim"
)

// Every code the server can send has a status and is in the document's
// Error.code enumeration, and the enumeration holds nothing else: a
// generated client can decode every error answer.
func TestEveryErrorCodeIsDocumented(t *testing.T) {
	t.Parallel()
	spec, err := api.GetSwagger()
	require.NoError(t, err)
	sendable := slices.Concat(sim.ErrorCodes, httpCodes)
	for _, c := range sendable {
		require.Contains(t, statusOf, c, "code %q has no status", c)
	}
	require.ElementsMatch(t, sendable, slices.Collect(maps.Keys(statusOf)), "the status table maps exactly the codes there are")

	codeSchema := spec.Components.Schemas["Error"].Value.Properties["error"].Value.Properties["code"].Value
	var documented []string
	for _, v := range codeSchema.Enum {
		documented = append(documented, v.(string))
	}
	require.ElementsMatch(t, sendable, documented, "Error.code's enumeration in openapi.yaml must be every code the server can send, and only those")

	var restrictions []string
	for _, v := range spec.Components.Schemas["Restriction"].Value.Properties["code"].Value.Enum {
		restrictions = append(restrictions, v.(string))
	}
	var want []string
	for _, r := range sim.Restrictions {
		want = append(want, string(r))
		require.NotEmpty(t, r.Message(), "restriction %q says why", r)
	}
	require.ElementsMatch(t, want, restrictions, "Restriction.code's enumeration is every sim.Restriction")
}
