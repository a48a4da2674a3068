-- name: JourneyEventCreate :exec
INSERT INTO journey_events (id, candidate_id, type, from_status, to_status, actor_id, occurred_at, org_id, interest_id)
VALUES (@id, @candidate_id, @type, sqlc.narg(from_status), @to_status, sqlc.narg(actor_id), @occurred_at,
        sqlc.narg(org_id), sqlc.narg(interest_id));

-- name: JourneyEventListForCandidate :many
SELECT * FROM journey_events WHERE candidate_id = @candidate_id
ORDER BY occurred_at, id;

-- name: JourneyEventForHook :one
-- A journey event as a hook receives it: IDs and enumerations only.
SELECT id, type, candidate_id, org_id, interest_id, coalesce(from_status, '')::text AS from_status, to_status, occurred_at
FROM journey_events WHERE id = @id;
