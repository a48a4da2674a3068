-- name: ConsentTextGet :one
SELECT * FROM consent_texts WHERE version = @version;

-- name: ConsentTextCurrent :one
SELECT * FROM consent_texts WHERE purpose = @purpose
ORDER BY published_at DESC LIMIT 1;

-- name: ConsentCreate :exec
INSERT INTO consents (id, candidate_id, text_version, given, method, recorded_at)
VALUES (@id, @candidate_id, @text_version, @given, @method, @now);

-- name: ConsentLatest :one
SELECT * FROM consents WHERE candidate_id = @candidate_id
ORDER BY recorded_at DESC, id DESC LIMIT 1;

-- name: ConsentTextPublish :one
INSERT INTO consent_texts (version, purpose, body, published_at) VALUES (@version, @purpose, @body, @now)
ON CONFLICT (version) DO NOTHING
RETURNING *;

-- name: ConsentHistory :many
-- A candidate's consents, newest first.
SELECT * FROM consents WHERE candidate_id = @candidate_id
ORDER BY recorded_at DESC, id DESC;
