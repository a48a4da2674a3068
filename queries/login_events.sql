-- name: LoginEventCreate :exec
INSERT INTO login_events (id, user_id, outcome, ip, user_agent, occurred_at)
VALUES (@id, sqlc.narg(user_id), @outcome, @ip, @user_agent, @now);

-- name: LoginEventListForUser :many
SELECT * FROM login_events WHERE user_id = @user_id
ORDER BY occurred_at DESC LIMIT @max_rows;
