package httpapi

import (
	"encoding/base64"
	"fmt"
	"sort"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/sim"
)

// simLimits is, for every maxLength and maxItems of the OpenAPI document
// that bounds something a person types or chooses, the sim limit its
// field's validation enforces. Keys are Schema.property (an array's
// items as property[]), parameter Name for a shared parameter, and
// "METHOD path name" for a route's own.
var simLimits = map[string]int{
	"LoginRequest.email":                                       sim.MaxEmailLen,
	"InvitationRequest.email":                                  sim.MaxEmailLen,
	"RegistrationRequest.email":                                sim.MaxEmailLen,
	"Contact.email":                                            sim.MaxEmailLen,
	"ColleagueInvitation.email":                                sim.MaxEmailLen,
	"LoginRequest.password":                                    sim.MaxPasswordLen,
	"Registration.password":                                    sim.MaxPasswordLen,
	"AccountSetup.password":                                    sim.MaxPasswordLen,
	"PasswordChange.current_password":                          sim.MaxPasswordLen,
	"PasswordChange.new_password":                              sim.MaxPasswordLen,
	"Profile.first_name":                                       sim.MaxNameLen,
	"Profile.last_name":                                        sim.MaxNameLen,
	"Profile.phone":                                            sim.MaxPhoneLen,
	"Profile.skills":                                           sim.MaxSkills,
	"Profile.skills[]":                                         sim.MaxSkillLen,
	"Profile.job_preferences":                                  sim.MaxJobPreferencesLen,
	"OrganisationDetails.name":                                 sim.MaxOrgNameLen,
	"AgreementRequest.signed_name":                             sim.MaxOrgNameLen,
	"AgreementRequest.signatory_name":                          sim.MaxNameLen,
	"AgreementRequest.signatory_role":                          sim.MaxNameLen,
	"AgreementRequest.document_base64":                         base64.StdEncoding.EncodedLen(sim.MaxAgreementDocument),
	"Contact.name":                                             sim.MaxNameLen,
	"ColleagueInvitation.name":                                 sim.MaxNameLen,
	"AgreementRequest.version":                                 sim.MaxVersionLen,
	"AgreementVersionRequest.version":                          sim.MaxVersionLen,
	"ConductAcceptance.version":                                sim.MaxVersionLen,
	"parameter version":                                        sim.MaxVersionLen,
	"InterestChoice.org_ids":                                   sim.MaxChoices,
	"MessageRequest.body":                                      sim.MaxMessageLen,
	"ReportRequest.note":                                       sim.MaxModerationTextLen,
	"ModerationDecisionRequest.reason":                         sim.MaxModerationTextLen,
	"SpotCheckDecisionRequest.reason":                          sim.MaxVerificationReasonLen,
	"DataRequestExtension.reason":                              sim.MaxExtensionReason,
	"InfoRequestNew.who":                                       sim.MaxInfoWhoLen,
	"InfoRequestNew.purpose":                                   sim.MaxInfoTextLen,
	"InfoRequestNew.asked":                                     sim.MaxInfoTextLen,
	"InfoRequestDecision.reason":                               sim.MaxInfoTextLen,
	"ConsentTextRequest.version":                               sim.MaxVersionLen,
	"ConsentTextRequest.body":                                  sim.MaxConsentLen,
	"GET /v1/organisations/{orgId}/candidates skill":           sim.MaxFilterLen,
	"GET /v1/organisations/{orgId}/candidates job_preferences": sim.MaxFilterLen,
	"GET /v1/organisations/{orgId}/candidates state":           len(sim.InterestStates),
}

// boundsOfOurOwn are the document's limits on what nobody types (tokens,
// codes, IDs, cursors, values from a fixed list that sim checks): they
// keep garbage out before any work is done, and sim has no rule of its
// own for them.
var boundsOfOurOwn = map[string]int{
	"LoginRequest.otp":                                    32, // six digits, or a recovery code
	"MFACode.code":                                        32,
	"Registration.token":                                  128, // a link's token is 43 characters
	"AccountSetup.token":                                  100,
	"MailboxToken.token":                                  100,
	"ConsentChange.text_version":                          100,
	"parameter candidateId":                               64, // an ID, checked by the data layer
	"parameter messageId":                                 64,
	"parameter reportId":                                  64,
	"parameter followUpId":                                64,
	"parameter spotCheckId":                               64,
	"parameter requestId":                                 64,
	"parameter cursor":                                    maxCursorLen,
	"GET /v1/organisations/{orgId}/candidates region":     64, // one of sim.Regions
	"GET /v1/organisations/{orgId}/candidates connection": 64, // one of sim.Connections
}

// documentLimits walks the document for every maxLength and maxItems.
func documentLimits(t *testing.T) map[string]int {
	t.Helper()
	spec, err := api.GetSwagger()
	require.NoError(t, err)
	out := map[string]int{}
	put := func(key string, s *openapi3.Schema) {
		n := -1
		switch {
		case s.MaxLength != nil:
			n = int(*s.MaxLength)
		case s.MaxItems != nil:
			n = int(*s.MaxItems)
		default:
			return
		}
		_, dup := out[key]
		require.False(t, dup, "%s is bounded twice", key)
		out[key] = n
	}
	var walk func(key string, ref *openapi3.SchemaRef)
	walk = func(key string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || (ref.Ref != "" && key != "") {
			return // a reference is walked where it is defined
		}
		s := ref.Value
		put(key, s)
		for name, p := range s.Properties {
			walk(key+"."+name, p)
		}
		if s.Items != nil {
			walk(key+"[]", s.Items)
		}
	}
	for name, ref := range spec.Components.Schemas {
		s := ref.Value
		put(name, s)
		for prop, p := range s.Properties {
			walk(name+"."+prop, p)
		}
		if s.Items != nil {
			walk(name+"[]", s.Items)
		}
	}
	for _, p := range spec.Components.Parameters {
		if s := p.Value.Schema; s != nil && s.Value != nil {
			put("parameter "+p.Value.Name, s.Value)
		}
	}
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			for _, p := range op.Parameters {
				if p.Ref == "" && p.Value.Schema != nil && p.Value.Schema.Value != nil {
					put(fmt.Sprintf("%s %s %s", method, path, p.Value.Name), p.Value.Schema.Value)
				}
			}
		}
	}
	return out
}

// Every length and count limit the document states is the one sim
// enforces for that field (or a bound of the API's own on something
// nobody types), so a value is never refused by one and let through by
// the other, and the document tells clients the truth.
func TestDocumentLimitsAreSims(t *testing.T) {
	t.Parallel()
	doc := documentLimits(t)
	var keys []string
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if want, ok := simLimits[k]; ok {
			require.Equal(t, want, doc[k], "%s: the document says %d, sim enforces %d", k, doc[k], want)
			continue
		}
		want, ok := boundsOfOurOwn[k]
		require.True(t, ok, "%s is limited to %d in the document: add it to simLimits (with the sim constant its validation uses) or boundsOfOurOwn", k, doc[k])
		require.Equal(t, want, doc[k], k)
	}
	for k := range simLimits {
		require.Contains(t, doc, k, "the document no longer limits %s", k)
	}
	for k := range boundsOfOurOwn {
		require.Contains(t, doc, k, "the document no longer limits %s", k)
	}
}
