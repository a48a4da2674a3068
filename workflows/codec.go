package workflows

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"slices"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// Payload metadata written by Codec.
const (
	MetadataEncodingEncrypted = "binary/encrypted"
	MetadataEncryptionKeyID   = "encryption-key-id"
)

// Codec encrypts every Temporal payload with AES-256-GCM, so that neither
// the Temporal server nor its database ever holds a payload in clear. It
// decrypts with any key it knows by ID, which lets keys be rotated: encrypt
// with the newest, keep the old ones for decoding.
type Codec struct {
	keyID string
	aeads map[string]cipher.AEAD
}

// NewCodec returns a codec that encrypts with key (32 bytes) under keyID.
func NewCodec(keyID string, key []byte) (*Codec, error) {
	c := &Codec{keyID: keyID, aeads: map[string]cipher.AEAD{}}
	if err := c.AddDecryptionKey(keyID, key); err != nil {
		return nil, err
	}
	return c, nil
}

// AddDecryptionKey lets the codec decode payloads encrypted under an older key.
func (c *Codec) AddDecryptionKey(keyID string, key []byte) error {
	if keyID == "" {
		return errors.New("payload codec: key id is empty")
	}
	if len(key) != 32 {
		return fmt.Errorf("payload codec: key %q must be 32 bytes, got %d", keyID, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return fmt.Errorf("payload codec: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("payload codec: %w", err)
	}
	c.aeads[keyID] = aead
	return nil
}

// Encode encrypts each payload, recording the key ID in its metadata.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	aead := c.aeads[c.keyID]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("payload codec: marshal: %w", err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("payload codec: nonce: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(MetadataEncodingEncrypted),
				MetadataEncryptionKeyID:    []byte(c.keyID),
			},
			Data: aead.Seal(nonce, nonce, plain, []byte(c.keyID)),
		}
	}
	return out, nil
}

// Decode decrypts payloads this codec encrypted and passes others through.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != MetadataEncodingEncrypted {
			out[i] = p
			continue
		}
		keyID := string(p.GetMetadata()[MetadataEncryptionKeyID])
		aead, ok := c.aeads[keyID]
		if !ok {
			return nil, fmt.Errorf("payload codec: no key with id %q", keyID)
		}
		data := p.GetData()
		if len(data) < aead.NonceSize() {
			return nil, errors.New("payload codec: ciphertext too short")
		}
		plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], []byte(keyID))
		if err != nil {
			return nil, fmt.Errorf("payload codec: decrypt: %w", err)
		}
		var decoded commonpb.Payload
		if err := proto.Unmarshal(plain, &decoded); err != nil {
			return nil, fmt.Errorf("payload codec: unmarshal: %w", err)
		}
		out[i] = &decoded
	}
	return out, nil
}

// DataConverter returns the default data converter wrapped with c: give it
// to every client and worker that talks to Muster's workflows.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// ClientOptions returns o with the data converter and a failure converter
// that both encrypt with c: payloads, and also failure messages and stack
// traces (which could quote personal data from an error), never reach the
// Temporal server in clear. Use it for every client and worker.
func (c *Codec) ClientOptions(o client.Options) client.Options {
	dc := c.DataConverter()
	o.DataConverter = dc
	o.FailureConverter = temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter: dc, EncodeCommonAttributes: true,
	})
	return o
}

// DefaultUIOrigins are the addresses the Temporal dev server's Web UI is
// opened at: the codec server allows both.
var DefaultUIOrigins = []string{"http://localhost:8233", "http://127.0.0.1:8233"}

// CodecServer returns the HTTP handler the Temporal Web UI calls (POST
// /encode and /decode) to show payloads in clear to an operator. uiOrigins
// are the UI's origins, allowed by CORS (nil means DefaultUIOrigins).
// Serve it only where operators can reach it: it decrypts whatever it is
// sent.
func CodecServer(c *Codec, uiOrigins []string) http.Handler {
	if uiOrigins == nil {
		uiOrigins = DefaultUIOrigins
	}
	h := converter.NewPayloadCodecHTTPHandler(c)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && slices.Contains(uiOrigins, origin) {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		w.Header().Set("Vary", "Origin")
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}
