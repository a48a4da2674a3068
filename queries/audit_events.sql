-- name: AuditInsert :exec
-- Who acted is taken from the transaction's own context by the stamp
-- trigger, which also numbers the event; it is linked into the chain
-- after commit (AuditChain).
INSERT INTO audit_events (occurred_at, actor_role, action, object_type, object_id, org_id, ip, detail)
VALUES (@occurred_at, '', @action, @object_type, @object_id, sqlc.narg(org_id), @ip, sqlc.narg(detail));

-- name: AuditChain :one
-- Links every committed event not linked yet into the chain, and returns
-- how many (migration 00014).
SELECT audit_chain()::bigint AS linked;

-- name: AuditList :many
-- The audit trail as linked into the chain, oldest first from a keyset
-- cursor, filtered.
SELECT * FROM audit_events
WHERE seq > @after_seq::bigint
  AND (sqlc.narg(user_id)::uuid IS NULL OR actor_id = sqlc.narg(user_id)::uuid)
  AND (sqlc.narg(org_id)::uuid IS NULL OR org_id = sqlc.narg(org_id)::uuid OR actor_org_id = sqlc.narg(org_id)::uuid)
  AND (sqlc.narg(object_id)::uuid IS NULL OR object_id = sqlc.narg(object_id)::uuid)
  AND (sqlc.narg(since)::timestamptz IS NULL OR occurred_at >= sqlc.narg(since)::timestamptz)
  AND (sqlc.narg(until)::timestamptz IS NULL OR occurred_at < sqlc.narg(until)::timestamptz)
ORDER BY seq
LIMIT @max_rows;

-- name: AuditChainPage :many
-- The chain in order, for verification.
SELECT * FROM audit_events WHERE seq > @after_seq::bigint ORDER BY seq LIMIT @max_rows;
