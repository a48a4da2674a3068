package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/muster-cms/muster/sim"
)

// Webhook is a journey hook that posts each journey event to an HTTP
// endpoint, signed with a shared secret, until the endpoint answers 2xx
// (Muster retries a failed delivery with back-off). The body carries the
// event's type and IDs only, never personal data; the Idempotency-Key
// header lets the receiver drop a repeat.
type Webhook struct {
	HookName string // default "webhook"
	URL      string
	Secret   []byte
	Client   *http.Client // default: a client with a 10-second timeout
	Now      func() time.Time
}

// WebhookBody is what the endpoint receives.
type WebhookBody struct {
	Key         string    `json:"key"`
	EventID     string    `json:"event_id"`
	Type        string    `json:"type"`
	CandidateID string    `json:"candidate_id"`
	OrgID       string    `json:"org_id,omitempty"`
	InterestID  string    `json:"interest_id,omitempty"`
	From        string    `json:"from,omitempty"`
	To          string    `json:"to"`
	At          time.Time `json:"at"`
}

// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<body>" under the secret>".
const SignatureHeader = "Muster-Signature"

// Name implements sim.JourneyHook.
func (w *Webhook) Name() string {
	if w.HookName == "" {
		return "webhook"
	}
	return w.HookName
}

// HandleJourneyEvent implements sim.JourneyHook: one signed POST.
func (w *Webhook) HandleJourneyEvent(ctx context.Context, e sim.HookEvent) error {
	body, err := json.Marshal(WebhookBody{
		Key: e.Key, EventID: e.EventID, Type: string(e.Type), CandidateID: e.CandidateID,
		OrgID: e.OrgID, InterestID: e.InterestID, From: e.From, To: e.To, At: e.At,
	})
	if err != nil {
		return err
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", e.Key)
	req.Header.Set(SignatureHeader, Sign(w.Secret, now(), body))
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post %s event: %w", e.Type, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("post %s event: the endpoint answered %d", e.Type, resp.StatusCode)
	}
	return nil
}

// Sign is the signature header for body sent at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// Verify is what a receiver does with the signature header: it accepts
// body only if the header signs it under secret and was made within
// tolerance of now (so a captured request cannot be replayed later).
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("malformed signature header")
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return errors.New("signature too old or from the future")
	}
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(secret, ts, body)) {
		return errors.New("signature does not match")
	}
	return nil
}
