package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/muster-cms/muster/sim"
)

// MailAPI is a custom notifier: instead of SMTP, it hands each message to
// a transactional email service's HTTP API (JSON, bearer token), passing
// Muster's notification key so the service drops a repeat. Any answer but
// 2xx is an error, and Muster retries.
type MailAPI struct {
	URL    string
	Token  string
	Client *http.Client // default: a client with a 10-second timeout
}

// MailAPIMessage is what the service receives.
type MailAPIMessage struct {
	IdempotencyKey string `json:"idempotency_key"`
	To             string `json:"to"`
	Subject        string `json:"subject"`
	Text           string `json:"text"`
}

// Notify implements sim.Notifier.
func (m *MailAPI) Notify(ctx context.Context, msg sim.Message) error {
	body, err := json.Marshal(MailAPIMessage{IdempotencyKey: msg.Key, To: msg.To, Subject: msg.Subject, Text: msg.Body})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+m.Token)
	client := m.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		// The address is personal data: the error names only the key.
		return fmt.Errorf("mail API, message %s: %w", msg.Key, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("mail API, message %s: answered %d", msg.Key, resp.StatusCode)
	}
	return nil
}
