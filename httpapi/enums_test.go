package httpapi

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/sim"
)

func enumOf(t *testing.T, s *openapi3.SchemaRef) []string {
	t.Helper()
	require.NotNil(t, s)
	var out []string
	for _, v := range s.Value.Enum {
		out = append(out, v.(string))
	}
	return out
}

func names[T ~string](vs ...T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// The document's enumerations of sim's states and categories are sim's,
// in sim's order: a value sim adds is one a client can send and decode.
func TestDocumentEnumerationsAreSims(t *testing.T) {
	t.Parallel()
	spec, err := api.GetSwagger()
	require.NoError(t, err)
	schemas := spec.Components.Schemas
	require.Equal(t, names(sim.InterestStates...), enumOf(t, schemas["InterestState"]))
	require.Equal(t, names(sim.RetentionCategories...), enumOf(t, schemas["RetentionCategory"]))
	require.Equal(t, names(sim.DataRequestKinds...), enumOf(t, schemas["DataRequestKind"]))
	require.Equal(t, names(sim.DataRequestStates...), enumOf(t, schemas["DataRequest"].Value.Properties["state"]))
	require.Equal(t, names(sim.RetainDelete, sim.RetainAnonymise, sim.RetainWithCandidate, sim.RetainKeep),
		enumOf(t, schemas["RetentionRule"].Value.Properties["action"]))
	for _, r := range sim.DefaultRetention {
		require.Contains(t, enumOf(t, schemas["RetentionRule"].Value.Properties["action"]), string(r.Action))
	}
	var forms []string
	for f := range exportForms {
		forms = append(forms, f)
	}
	require.ElementsMatch(t, forms, enumOf(t, spec.Components.Parameters["ExportFormat"].Value.Schema))
}
