package workflows

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// Custom search attributes Muster's workflows set, so that an operator can
// filter them in the Temporal Web UI (for instance
// `MusterInvitationState = "waiting"`). Enumerations only: never a name,
// an address or free text.
var (
	// InvitationState is waiting, registered or expired.
	InvitationState = temporal.NewSearchAttributeKeyKeyword("MusterInvitationState")
	// InvitationKind is who started the invitation: operator or self.
	InvitationKind = temporal.NewSearchAttributeKeyKeyword("MusterInvitationKind")
	// OrgID is the organisation an OrgOnboarding or AccountInvitation is for.
	OrgID = temporal.NewSearchAttributeKeyKeyword("MusterOrgID")
	// OnboardingState is an OrgOnboarding's progress: inviting, reminded,
	// completed or escalated.
	OnboardingState = temporal.NewSearchAttributeKeyKeyword("MusterOnboardingState")
	// RequestID, RequestKind and RequestState are a data request's ID, its
	// kind (subject_access) and where it stands: open, extended, overdue
	// or answered.
	RequestID    = temporal.NewSearchAttributeKeyKeyword("MusterRequestID")
	RequestKind  = temporal.NewSearchAttributeKeyKeyword("MusterRequestKind")
	RequestState = temporal.NewSearchAttributeKeyKeyword("MusterRequestState")
)

// searchKeys lists the custom search attributes in a fixed order.
var searchKeys = []temporal.SearchAttributeKeyKeyword{InvitationState, InvitationKind, OrgID, OnboardingState, RequestID, RequestKind, RequestState}

// Invitation states, as the InvitationState search attribute shows them.
const (
	StateWaiting    = "waiting"
	StateRegistered = "registered"
	StateExpired    = "expired"
)

// SearchAttributes lists every custom search attribute with its type: a
// namespace must have them before Muster's workflows run (see
// EnsureSearchAttributes, `muster temporal-setup`, and the dev server's
// --search-attribute flags).
var SearchAttributes = func() map[string]enumspb.IndexedValueType {
	m := map[string]enumspb.IndexedValueType{}
	for _, k := range searchKeys {
		m[k.GetName()] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	}
	return m
}()

// DevServerFlags are the `temporal server start-dev` arguments that
// register SearchAttributes on a dev server.
func DevServerFlags() []string {
	var out []string
	for _, k := range searchKeys {
		out = append(out, "--search-attribute", k.GetName()+"=Keyword")
	}
	return out
}

// ErrCannotCheckSearchAttributes is returned by EnsureSearchAttributes
// when the client may not use the operator service: the attributes may
// well be registered (by an administrator, with `muster temporal-setup`).
var ErrCannotCheckSearchAttributes = errors.New("not allowed to list the namespace's search attributes")

// EnsureSearchAttributes adds to namespace whichever of SearchAttributes
// it lacks. It needs a client allowed to use the operator service (an
// administrator's, on a real cluster). An attribute that exists with
// another type is an error that names it.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	var denied *serviceerror.PermissionDenied
	if errors.As(err, &denied) {
		return fmt.Errorf("%w: %v", ErrCannotCheckSearchAttributes, err)
	}
	if err != nil {
		return fmt.Errorf("list search attributes of namespace %s: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range SearchAttributes {
		got, ok := have.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = typ
		case got != typ:
			return fmt.Errorf("search attribute %s exists in namespace %s as %s, but Muster needs %s", name, namespace, got, typ)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: missing,
	}); err != nil {
		return fmt.Errorf("add search attributes to namespace %s: %w", namespace, err)
	}
	return nil
}
