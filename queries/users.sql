-- name: UserCreate :exec
INSERT INTO users (id, role, email, password_hash, created_at, updated_at)
VALUES (@id, @role, @email, @password_hash, @now, @now);

-- name: UserGet :one
SELECT * FROM users WHERE id = @id;

-- name: UserGetByEmail :one
SELECT * FROM users WHERE email = @email;

-- name: UserEmailExists :one
SELECT EXISTS (SELECT 1 FROM users WHERE email = @email);

-- name: ContextSet :exec
-- The row-level security context of one transaction: who is acting.
SELECT set_config('app.role', @role::text, true),
       set_config('app.user_id', @user_id::text, true),
       set_config('app.credential', @credential::text, true);
