-- name: OutboxInsert :exec
INSERT INTO workflow_outbox (workflow_id, workflow, signal, args)
VALUES (@workflow_id, sqlc.narg(workflow), sqlc.narg(signal), sqlc.narg(args));

-- name: OutboxClaim :many
-- Leases due intents, oldest first, each only once every earlier intent
-- for the same workflow has been delivered; rows another relay is claiming
-- are skipped, and a leased intent is not due again until its lease ends.
UPDATE workflow_outbox o SET next_attempt_at = now() + make_interval(secs => @lease_seconds::float8)
WHERE o.id IN (
    SELECT c.id FROM workflow_outbox c
    WHERE c.delivered_at IS NULL AND c.next_attempt_at <= now()
      AND NOT EXISTS (SELECT 1 FROM workflow_outbox e
                      WHERE e.workflow_id = c.workflow_id AND e.delivered_at IS NULL AND e.id < c.id)
    ORDER BY c.id
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED
)
RETURNING o.id, o.workflow_id, o.workflow, o.signal, o.args, o.attempts;

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
       count(*) FILTER (WHERE attempts >= @failing_after::integer)::bigint AS failing,
       coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest_age_seconds
FROM workflow_outbox WHERE delivered_at IS NULL;

-- name: OutboxPrune :execrows
DELETE FROM workflow_outbox WHERE delivered_at < now() - make_interval(secs => @older_than_seconds::float8);

-- name: OutboxRelease :exec
-- Hands claimed intents back, untried, to be due after a short delay.
UPDATE workflow_outbox SET next_attempt_at = now() + make_interval(secs => @delay_seconds::float8)
WHERE id = ANY(@ids::bigint[]) AND delivered_at IS NULL;
