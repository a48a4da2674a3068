-- name: SpotCheckCreate :exec
INSERT INTO spot_checks (id, candidate_id, flags, sampled_at) VALUES (@id, @candidate_id, @flags::text[], @sampled_at);

-- name: CandidateSetSampled :execrows
UPDATE candidates SET verification = 'sampled' WHERE id = @id AND verification = 'unchecked';

-- name: SpotChecksOpen :many
-- The verification queue: open checks, oldest first, keyset on
-- (sampled_at, id), with what the operator checks.
SELECT s.id, s.candidate_id, s.flags, s.sampled_at, c.first_name, c.last_name, c.connection, c.region, c.registered_at
FROM spot_checks s JOIN candidates c ON c.id = s.candidate_id
WHERE s.outcome IS NULL AND (s.sampled_at, s.id) > (@after_at::timestamptz, @after_id::uuid)
ORDER BY s.sampled_at, s.id
LIMIT @max_rows;

-- name: SpotCheckForUpdate :one
SELECT s.id, s.candidate_id, s.outcome, c.verification
FROM spot_checks s JOIN candidates c ON c.id = s.candidate_id
WHERE s.id = @id
FOR UPDATE OF s, c;

-- name: SpotCheckDecide :exec
UPDATE spot_checks SET outcome = @outcome::text, reason = sqlc.narg(reason), decided_by = @decided_by::uuid, decided_at = @decided_at::timestamptz
WHERE id = @id;

-- name: CandidateSetVerification :exec
UPDATE candidates SET verification = @verification::text WHERE id = @id;

-- name: SpotCheckNotice :one
-- What the candidate's notice of a rejection needs: their account, and
-- whether the check still stands rejected.
SELECT c.user_id, (s.outcome IS NOT DISTINCT FROM 'rejected' AND c.verification = 'rejected')::boolean AS rejected
FROM spot_checks s JOIN candidates c ON c.id = s.candidate_id
WHERE s.id = @id;
