-- name: LoginEventCreate :exec
INSERT INTO login_events (id, user_id, outcome, ip, user_agent, occurred_at)
VALUES (@id, sqlc.narg(user_id), @outcome, @ip, @user_agent, @now);

-- name: LoginEventListForUser :many
SELECT * FROM login_events WHERE user_id = @user_id
ORDER BY occurred_at DESC LIMIT @max_rows;

-- name: LoginFailuresForUser :many
-- The newest failures of one account inside the window and after its last
-- successful sign-in, newest first.
SELECT e.occurred_at FROM login_events e
WHERE e.user_id = @user_id AND e.outcome = 'failure' AND e.occurred_at > @since
  AND e.occurred_at > coalesce((SELECT max(l.occurred_at) FROM login_events l
                              WHERE l.user_id = @user_id AND l.outcome = 'success'), '-infinity')
ORDER BY e.occurred_at DESC LIMIT @max_rows;

-- name: LoginFailuresFromIP :many
-- The newest failures from one address inside the window, newest first.
SELECT occurred_at FROM login_events
WHERE ip = @ip AND outcome = 'failure' AND occurred_at > @since
ORDER BY occurred_at DESC LIMIT @max_rows;
