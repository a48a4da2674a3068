package sim

import "context"

// Message is one email-like notification. Body is plain text.
// Key identifies the notification for idempotency: the same Key is the
// same notification, so a plugin may drop a repeat.
type Message struct {
	Key     string
	To      string
	Subject string
	Body    string
}

// Notifier delivers messages to people. It is the engine's first plugin
// point: Muster ships an SMTP notifier and a development outbox; an embedder
// may supply any other (a mail API, a queue). Notify returns an error when
// the message was not accepted for delivery; the caller retries.
type Notifier interface {
	Notify(ctx context.Context, m Message) error
}
