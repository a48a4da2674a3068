-- name: LoginEventCreate :exec
INSERT INTO login_events (id, user_id, subject, outcome, ip, network, user_agent, occurred_at)
VALUES (@id, sqlc.narg(user_id), @subject, @outcome, @ip, @network, @user_agent, @now);

-- name: LoginEventSettle :exec
-- A pending attempt, once its password has been checked.
UPDATE login_events SET outcome = @outcome WHERE id = @id AND outcome = 'pending';

-- name: LoginEventDeletePending :exec
-- An attempt that gave up before its password was checked.
DELETE FROM login_events WHERE id = @id AND outcome = 'pending';

-- name: LoginEventListForUser :many
SELECT * FROM login_events WHERE user_id = @user_id
ORDER BY occurred_at DESC LIMIT @max_rows;

-- name: LoginThrottleLock :exec
-- Serialises sign-in attempts for one address tried and from one client
-- address until the transaction ends, so their counts cannot race. Two key
-- spaces, taken always in the same order, so they cannot deadlock.
SELECT pg_advisory_xact_lock(1, hashtext(@subject_key::text)), pg_advisory_xact_lock(2, hashtext(@ip::text));

-- name: LoginFailuresForSubject :many
-- The newest failed or still-pending attempts for one address tried, inside
-- the window and after its last successful sign-in, newest first.
SELECT e.occurred_at FROM login_events e
WHERE e.subject = @subject AND e.outcome IN ('failure', 'pending') AND e.occurred_at > @since
  AND e.occurred_at > coalesce((SELECT max(l.occurred_at) FROM login_events l
                              WHERE l.subject = @subject AND l.outcome = 'success'), '-infinity')
ORDER BY e.occurred_at DESC LIMIT @max_rows;

-- name: LoginFailuresForSubjectFromNetwork :many
-- The newest failed or still-pending attempts for one address tried from
-- one client network, inside the window and after its last successful
-- sign-in from that network, newest first.
SELECT e.occurred_at FROM login_events e
WHERE e.subject = @subject AND e.network = @network AND e.outcome IN ('failure', 'pending') AND e.occurred_at > @since
  AND e.occurred_at > coalesce((SELECT max(l.occurred_at) FROM login_events l
                              WHERE l.subject = @subject AND l.network = @network AND l.outcome = 'success'), '-infinity')
ORDER BY e.occurred_at DESC LIMIT @max_rows;

-- name: LoginKnownNetwork :one
-- Whether the address tried signed in successfully from the network since.
SELECT EXISTS (SELECT 1 FROM login_events
               WHERE subject = @subject AND network = @network AND outcome = 'success' AND occurred_at > @since);

-- name: LoginFailuresFromIP :many
-- The newest failed or still-pending attempts from one address, inside the
-- window, newest first.
SELECT occurred_at FROM login_events
WHERE ip = @ip AND outcome IN ('failure', 'pending') AND occurred_at > @since
ORDER BY occurred_at DESC LIMIT @max_rows;

-- name: LoginEventList :many
-- The login trail, newest first from a keyset cursor, filtered.
SELECT e.id, e.user_id, e.outcome, e.ip, e.user_agent, e.occurred_at FROM login_events e
WHERE e.outcome <> 'pending'
  AND (sqlc.narg(user_id)::uuid IS NULL OR e.user_id = sqlc.narg(user_id)::uuid)
  AND (sqlc.narg(org_id)::uuid IS NULL OR e.user_id IN (SELECT u.id FROM users u WHERE u.org_id = sqlc.narg(org_id)::uuid))
  AND (sqlc.narg(since)::timestamptz IS NULL OR e.occurred_at >= sqlc.narg(since)::timestamptz)
  AND (sqlc.narg(until)::timestamptz IS NULL OR e.occurred_at < sqlc.narg(until)::timestamptz)
  AND (e.occurred_at, e.id) < (@before_at::timestamptz, @before_id::uuid)
ORDER BY e.occurred_at DESC, e.id DESC
LIMIT @max_rows;
