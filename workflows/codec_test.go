package workflows_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/muster-cms/muster/workflows"
)

func newCodec(t *testing.T) *workflows.Codec {
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(t, err)
	c, err := workflows.NewCodec("k1", key)
	require.NoError(t, err)
	return c
}

func TestCodecRoundTrip(t *testing.T) {
	t.Parallel()
	c := newCodec(t)
	dc := c.DataConverter()
	in := workflows.InvitationInput{InvitationID: "0b6c6f2e-1111-4222-8333-444455556666"}
	p, err := dc.ToPayload(in)
	require.NoError(t, err)
	require.Equal(t, workflows.MetadataEncodingEncrypted, string(p.Metadata[converter.MetadataEncoding]))
	require.Equal(t, "k1", string(p.Metadata[workflows.MetadataEncryptionKeyID]))
	require.False(t, bytes.Contains(p.Data, []byte(in.InvitationID)), "payload is in clear")
	var out workflows.InvitationInput
	require.NoError(t, dc.FromPayload(p, &out))
	require.Equal(t, in, out)

	// Tampering is detected; an unknown key is refused.
	p.Data[len(p.Data)-1] ^= 1
	require.Error(t, dc.FromPayload(p, &out))
	_, err = newCodec(t).Decode([]*commonpb.Payload{p})
	require.Error(t, err)
	_, err = workflows.NewCodec("short", []byte("0123"))
	require.Error(t, err)
}

func TestCodecServerDecodes(t *testing.T) {
	t.Parallel()
	c := newCodec(t)
	p, err := c.DataConverter().ToPayload("hello")
	require.NoError(t, err)
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{p}})
	require.NoError(t, err)
	srv := httptest.NewServer(workflows.CodecServer(c, nil))
	defer srv.Close()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/decode", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "http://localhost:8233")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "http://localhost:8233", resp.Header.Get("Access-Control-Allow-Origin"))
	var raw json.RawMessage
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&raw))
	var decoded commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(raw, &decoded))
	var s string
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(decoded.Payloads[0], &s))
	require.Equal(t, "hello", s)
}

// Failure messages and stack traces are encrypted too: an error that
// quotes personal data never reaches the server in clear.
func TestCodecEncryptsFailures(t *testing.T) {
	t.Parallel()
	c := newCodec(t)
	fc := c.ClientOptions(client.Options{}).FailureConverter
	f := fc.ErrorToFailure(errors.New("could not reach sam@example.org"))
	require.NotContains(t, f.GetMessage(), "sam@example.org")
	require.NotContains(t, string(f.GetEncodedAttributes().GetData()), "sam@example.org")
	require.Contains(t, fc.FailureToError(f).Error(), "could not reach sam@example.org")
}

// The Temporal Web UI's browser sends a CORS preflight first; only the
// configured UI origins are allowed, and by default the dev UI works
// whether it is opened at localhost or 127.0.0.1.
func TestCodecServerPreflight(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(workflows.CodecServer(newCodec(t), nil))
	defer srv.Close()
	for origin, allowed := range map[string]bool{
		"http://localhost:8233": true, "http://127.0.0.1:8233": true,
		"https://evil.example": false, "http://localhost:8234": false,
	} {
		req, err := http.NewRequest(http.MethodOptions, srv.URL+"/decode", nil)
		require.NoError(t, err)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusNoContent, resp.StatusCode)
		if allowed {
			require.Equal(t, origin, resp.Header.Get("Access-Control-Allow-Origin"))
			require.Contains(t, resp.Header.Get("Access-Control-Allow-Headers"), "X-Namespace")
		} else {
			require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	}
}
