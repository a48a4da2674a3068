-- name: ConductCurrent :one
SELECT * FROM conduct_texts ORDER BY published_at DESC, version DESC LIMIT 1;

-- name: ConductGet :one
SELECT * FROM conduct_texts WHERE version = @version;

-- name: ConductPublish :exec
INSERT INTO conduct_texts (version, body, published_at) VALUES (@version, @body, @now);

-- name: ConductAccept :exec
INSERT INTO conduct_acceptances (user_id, version, accepted_at) VALUES (@user_id, @version, @now)
ON CONFLICT DO NOTHING;

-- name: ConductAcceptance :one
SELECT accepted_at FROM conduct_acceptances WHERE user_id = @user_id AND version = @version;
