-- name: OutboxInsert :exec
INSERT INTO workflow_outbox (workflow_id, workflow, signal, args)
VALUES (@workflow_id, sqlc.narg(workflow), sqlc.narg(signal), sqlc.narg(args));

-- name: OutboxClaim :many
-- Due intents, oldest first, each only once every earlier intent for the
-- same workflow has been delivered; rows another relay holds are skipped.
SELECT o.id, o.workflow_id, o.workflow, o.signal, o.args, o.attempts
FROM workflow_outbox o
WHERE o.delivered_at IS NULL AND o.next_attempt_at <= now()
  AND NOT EXISTS (SELECT 1 FROM workflow_outbox e
                  WHERE e.workflow_id = o.workflow_id AND e.delivered_at IS NULL AND e.id < o.id)
ORDER BY o.id
LIMIT @max_rows
FOR UPDATE OF o SKIP LOCKED;

-- name: OutboxMarkDelivered :exec
UPDATE workflow_outbox SET delivered_at = now(), last_error = NULL WHERE id = @id;

-- name: OutboxMarkFailed :exec
-- Tries again after a backoff that doubles with each attempt, up to a cap.
UPDATE workflow_outbox
SET attempts = attempts + 1,
    last_error = @last_error,
    next_attempt_at = now() + least(@max_backoff::float8, 2 ^ least(attempts, 20)) * interval '1 second'
WHERE id = @id;

-- name: OutboxBacklog :one
SELECT count(*)::bigint AS pending,
       coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest_age_seconds
FROM workflow_outbox WHERE delivered_at IS NULL;

-- name: OutboxPrune :execrows
DELETE FROM workflow_outbox WHERE delivered_at < now() - make_interval(secs => @older_than_seconds::float8);
