-- The register of information requests (migration 00021).

-- name: InfoRequestCreate :one
INSERT INTO info_requests (id, requester, who, purpose, asked, commercial_gain, state, received_at, closed_at, reason, flagged, logged_by)
VALUES (@id, @requester, @who, @purpose, @asked, @commercial_gain, @state, @received_at, sqlc.narg(closed_at), sqlc.narg(reason), @flagged, sqlc.narg(logged_by))
RETURNING *;

-- name: InfoRequestLock :one
SELECT * FROM info_requests WHERE id = @id FOR UPDATE;

-- name: InfoRequestSet :one
UPDATE info_requests SET state = @state, acknowledged_at = sqlc.narg(acknowledged_at), closed_at = sqlc.narg(closed_at), reason = sqlc.narg(reason)
WHERE id = @id
RETURNING *;

-- name: InfoRequestList :many
-- The register: open requests first, oldest first, then the closed ones,
-- latest closed first; a keyset page after the row at (@after_closed,
-- @after_at, @after_id) when @paged: its received_at if it was open, its
-- closed_at if it was closed.
SELECT * FROM info_requests r
WHERE NOT @paged::boolean
   OR (r.state IN ('received', 'acknowledged') AND NOT @after_closed::boolean
       AND (r.received_at, r.id) > (@after_at::timestamptz, @after_id::uuid))
   OR (r.state IN ('supplied', 'denied')
       AND (NOT @after_closed::boolean OR (r.closed_at, r.id) < (@after_at::timestamptz, @after_id::uuid)))
ORDER BY (r.state IN ('received', 'acknowledged')) DESC,
         CASE WHEN r.state IN ('received', 'acknowledged') THEN r.received_at END ASC,
         CASE WHEN r.state IN ('received', 'acknowledged') THEN r.id END ASC,
         r.closed_at DESC, r.id DESC
LIMIT @max_rows;

-- name: InfoReleaseCreate :exec
INSERT INTO info_releases (id, request_id, report, pdf, pdf_sha256, xlsx, xlsx_sha256, created_at, created_by)
VALUES (@id, @request_id, @report, @pdf, @pdf_sha256, @xlsx, @xlsx_sha256, @created_at, sqlc.narg(created_by));

-- name: InfoReleaseGet :one
SELECT * FROM info_releases WHERE request_id = @request_id;

-- name: InfoRequestGet :one
SELECT * FROM info_requests WHERE id = @id;
