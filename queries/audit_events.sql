-- name: AuditInsert :exec
-- Who acted is taken from the transaction's own context by the chain
-- trigger, which also numbers and hashes the row.
INSERT INTO audit_events (seq, occurred_at, actor_role, action, object_type, object_id, org_id, ip, detail, prev_hash, hash)
VALUES (0, @occurred_at, '', @action, @object_type, @object_id, sqlc.narg(org_id), @ip, sqlc.narg(detail), '', '');

-- name: AuditList :many
-- The audit trail, oldest first from a keyset cursor, filtered.
SELECT * FROM audit_events
WHERE seq > @after_seq
  AND (sqlc.narg(user_id)::uuid IS NULL OR actor_id = sqlc.narg(user_id)::uuid)
  AND (sqlc.narg(org_id)::uuid IS NULL OR org_id = sqlc.narg(org_id)::uuid OR actor_org_id = sqlc.narg(org_id)::uuid)
  AND (sqlc.narg(object_id)::uuid IS NULL OR object_id = sqlc.narg(object_id)::uuid)
  AND (sqlc.narg(since)::timestamptz IS NULL OR occurred_at >= sqlc.narg(since)::timestamptz)
  AND (sqlc.narg(until)::timestamptz IS NULL OR occurred_at < sqlc.narg(until)::timestamptz)
ORDER BY seq
LIMIT @max_rows;

-- name: AuditChainPage :many
-- The chain in order, for verification.
SELECT * FROM audit_events WHERE seq > @after_seq ORDER BY seq LIMIT @max_rows;
