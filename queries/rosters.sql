-- name: RosterImportBySHA :one
SELECT * FROM roster_imports WHERE org_id = @org_id AND content_sha256 = @content_sha256 AND state <> 'discarded';

-- name: RosterImportCreate :execrows
-- Nothing when the same file is being or has been uploaded to the
-- organisation: the insert waits for the other upload to end.
INSERT INTO roster_imports (id, org_id, uploaded_by, content_sha256, format, state, rows_read, rows_valid, uploaded_at)
VALUES (@id, @org_id, sqlc.narg(uploaded_by), @content_sha256, @format, 'checked', 0, 0, @uploaded_at)
ON CONFLICT (org_id, content_sha256) WHERE state <> 'discarded' DO NOTHING;

-- name: RosterCheck :one
-- The checks no row can make alone, and the counts of the rows read and
-- valid (roster_check).
SELECT roster_check(@id::uuid)::integer AS valid;

-- name: RosterImportGet :one
SELECT * FROM roster_imports WHERE id = @id;

-- name: RosterProblems :many
-- The problems of an import's rows, in the file's order: a page after
-- @after_row.
SELECT row, problems FROM roster_rows
WHERE import_id = @import_id AND problems <> '[]' AND row > @after_row
ORDER BY row
LIMIT @max_rows;

-- name: RosterImportDecide :one
-- The import is decided: its staged rows go whatever was decided (kept
-- as invitations first, when imported).
UPDATE roster_imports SET state = @state, decided_at = @decided_at
WHERE id = @id AND state = 'checked'
RETURNING *;

-- name: RosterRowsDelete :execrows
DELETE FROM roster_rows WHERE import_id = @import_id;

-- name: RosterImportList :many
-- An organisation's uploaded rosters, latest first: a keyset page after
-- (@after_at, @after_id) when @paged.
SELECT * FROM roster_imports
WHERE org_id = @org_id
  AND (NOT @paged::boolean OR (uploaded_at, id) < (@after_at::timestamptz, @after_id::uuid))
ORDER BY uploaded_at DESC, id DESC
LIMIT @max_rows;
