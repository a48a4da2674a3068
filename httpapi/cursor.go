package httpapi

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/sim"
)

// Every list that pages (organisations, an organisation's candidates and
// threads, a thread's messages, the moderation queue, spot checks, the
// audit and login trails) continues with one kind of cursor: an opaque
// string that says where the next page starts and is bound to the list
// and the scope it was issued for — which list, whose (the organisation,
// candidate or caller in its path), and the filters and sort it was
// issued under. A cursor is the position, base64url-encoded behind an
// HMAC-SHA256 over the position and that scope; the scope itself is not
// in it, but recomputed from the request reading it. So a cursor from
// another organisation's list, another list, other filters, or with one
// byte changed is refused (422, field cursor), where it used to be read
// as a position in the wrong list and silently skip rows.
//
// The key is Config.CursorKey, the same in every API process of a
// deployment so that any of them can read a cursor another issued. What
// the key protects is the binding: a cursor says only where a list the
// caller may read anyway continues, and every row is still filtered by
// the caller's own rights, so even a forged cursor reaches nothing new.

// maxCursorLen bounds a cursor, as the document's Cursor parameter does:
// room for the longest position (an organisation's name of
// sim.MaxOrgNameLen characters, each escaped in JSON).
const maxCursorLen = 2048

// macLen is how much of the HMAC a cursor carries: 128 bits.
const macLen = 16

// defaultCursorKey is the key when Config.CursorKey is unset: the same in
// every process, so cursors work behind a load balancer out of the box.
var defaultCursorKey = sha256.Sum256([]byte("muster: the key of page cursors when Config.CursorKey is unset"))

// position is where a page of a list continues: the sort key of the last
// row of the page before. Each list uses the fields its order needs.
type position struct {
	At   time.Time `json:"t,omitzero"`
	Seq  int64     `json:"s,omitempty"`
	Name string    `json:"n,omitempty"`
	ID   string    `json:"i,omitempty"`
}

// listScope names a list and every path parameter, caller and filter that
// decides which rows it has and in what order.
type listScope []string

// scope is the scope of the named list, given its parts in a fixed order.
func scope(list string, parts ...string) listScope { return append(listScope{list}, parts...) }

// sortedScope is parts as a set: a filter's values in any order, once.
func sortedScope(parts []string) string {
	s := slices.Clone(parts)
	slices.Sort(s)
	s = slices.Compact(s)
	b, _ := json.Marshal(s)
	return string(b)
}

// timeScope is a filter's time as a scope part ("" when unset).
func timeScope(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// cursors issues and reads the cursors of every list under one key.
type cursors struct{ key []byte }

var errForeignCursor = sim.FieldError("cursor",
	"cursor is not one this API gave for this list with these filters: pass the next_cursor of the page before, with the same filters, or leave cursor out to start again")

// mac is the HMAC of a position's bytes for a scope: each part length-prefixed,
// so that no two scopes write the same bytes.
func (c cursors) mac(sc listScope, payload []byte) []byte {
	h := hmac.New(sha256.New, c.key)
	var n [binary.MaxVarintLen64]byte
	for _, part := range sc {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(part)))])
		h.Write([]byte(part))
	}
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(payload)))])
	h.Write(payload)
	return h.Sum(nil)[:macLen]
}

// issue returns the cursor that continues the list sc after p.
func (c cursors) issue(sc listScope, p position) *string {
	payload, _ := json.Marshal(p)
	s := base64.RawURLEncoding.EncodeToString(append(c.mac(sc, payload), payload...))
	return &s
}

// read returns where the list sc continues from cursor s: nil for none
// (the first page), EINVALID naming cursor for one not issued for sc.
func (c cursors) read(sc listScope, s *string) (*position, error) {
	if s == nil {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*s)
	if err != nil || len(raw) <= macLen {
		return nil, errForeignCursor
	}
	sum, payload := raw[:macLen], raw[macLen:]
	if !hmac.Equal(sum, c.mac(sc, payload)) {
		return nil, errForeignCursor
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var p position
	if err := dec.Decode(&p); err != nil {
		return nil, errForeignCursor // a key shared with something else; never one of ours
	}
	return &p, nil
}

// pageLimit is the page size a request asks for, as the data layer applies it.
func pageLimit(limit *int) int { return int(db.PageSize(deref(limit))) }

// page returns the cursor after the last of rows when the page is full
// (there may be more), and nil otherwise.
func page[T any](c cursors, sc listScope, rows []T, limit int, at func(T) position) *string {
	if len(rows) == 0 || len(rows) < limit {
		return nil
	}
	return c.issue(sc, at(rows[len(rows)-1]))
}

// checkCursorKey refuses a configured key too short to protect anything.
func checkCursorKey(key []byte) error {
	if key != nil && len(key) < 32 {
		return errors.New("httpapi: Config.CursorKey must be at least 32 bytes")
	}
	return nil
}
