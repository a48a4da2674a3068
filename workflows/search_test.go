package workflows_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"

	"github.com/muster-cms/muster/workflows"
)

// operatorClient answers the two operator calls EnsureSearchAttributes makes.
type operatorClient struct {
	client.Client
	ops *fakeOperator
}

func (c operatorClient) OperatorService() operatorservice.OperatorServiceClient { return c.ops }

type fakeOperator struct {
	operatorservice.OperatorServiceClient
	listErr error
	have    map[string]enumspb.IndexedValueType
	added   map[string]enumspb.IndexedValueType
}

func (f *fakeOperator) ListSearchAttributes(context.Context, *operatorservice.ListSearchAttributesRequest, ...grpc.CallOption) (*operatorservice.ListSearchAttributesResponse, error) {
	if f.listErr != nil {
		return nil, f.listErr
	}
	return &operatorservice.ListSearchAttributesResponse{CustomAttributes: f.have}, nil
}

func (f *fakeOperator) AddSearchAttributes(_ context.Context, in *operatorservice.AddSearchAttributesRequest, _ ...grpc.CallOption) (*operatorservice.AddSearchAttributesResponse, error) {
	f.added = in.GetSearchAttributes()
	return &operatorservice.AddSearchAttributesResponse{}, nil
}

// The worker's check: missing attributes are added, a clash of types is an
// error that names the attribute, and a client that may not look is told
// so distinctly (the worker then starts with a warning).
func TestEnsureSearchAttributes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	missing := &fakeOperator{have: map[string]enumspb.IndexedValueType{"MusterInvitationKind": enumspb.INDEXED_VALUE_TYPE_KEYWORD}}
	require.NoError(t, workflows.EnsureSearchAttributes(ctx, operatorClient{ops: missing}, "default"))
	require.Equal(t, map[string]enumspb.IndexedValueType{
		"MusterInvitationState": enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		"MusterOrgID":           enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		"MusterOnboardingState": enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		"MusterRequestID":       enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		"MusterRequestKind":     enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		"MusterRequestState":    enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	}, missing.added)

	clash := &fakeOperator{have: map[string]enumspb.IndexedValueType{
		"MusterInvitationKind": enumspb.INDEXED_VALUE_TYPE_KEYWORD, "MusterInvitationState": enumspb.INDEXED_VALUE_TYPE_TEXT,
	}}
	err := workflows.EnsureSearchAttributes(ctx, operatorClient{ops: clash}, "default")
	require.ErrorContains(t, err, "MusterInvitationState exists in namespace default as")
	require.Nil(t, clash.added)

	denied := &fakeOperator{listErr: serviceerror.NewPermissionDenied("no", "")}
	err = workflows.EnsureSearchAttributes(ctx, operatorClient{ops: denied}, "default")
	require.ErrorIs(t, err, workflows.ErrCannotCheckSearchAttributes)
}
