-- name: UserCreate :exec
INSERT INTO users (id, role, email, password_hash, created_at, updated_at)
VALUES (@id, @role, @email, @password_hash, @now, @now);

-- name: UserGet :one
SELECT * FROM users WHERE id = @id;

-- name: UserGetByEmail :one
SELECT * FROM users WHERE email = @email;

-- name: UserEmailExists :one
SELECT EXISTS (SELECT 1 FROM users WHERE email = @email);
