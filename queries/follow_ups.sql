-- name: FollowUpAsk :execrows
-- Records that a check-in was asked, once: asking again inserts nothing,
-- and FollowUpOf reads it.
INSERT INTO follow_ups (id, interest_id, months, due_on, asked_at)
VALUES (@id, @interest_id, @months, @due_on, @asked_at)
ON CONFLICT (interest_id, months) DO NOTHING;

-- name: FollowUpOf :one
-- A check-in, in a statement of its own so that it sees one a concurrent
-- ask committed while FollowUpAsk waited for it.
SELECT * FROM follow_ups WHERE interest_id = @interest_id AND months = @months;

-- name: FollowUpForAnswer :one
-- One of the signed-in candidate's check-ins, locked to answer it.
SELECT sqlc.embed(f), i.org_id, i.candidate_id
FROM follow_ups f JOIN interests i ON i.id = f.interest_id
WHERE f.id = @id AND i.candidate_id = @candidate_id
FOR UPDATE OF f;

-- name: FollowUpSetAnswer :execrows
UPDATE follow_ups SET answer = @answer::text, answered_at = @answered_at::timestamptz
WHERE id = @id AND answer IS NULL;

-- name: FollowUpByID :one
-- A check-in, locked: the engine's reminder and "no answer" see an answer
-- the candidate is committing, and never overwrite or ignore it.
SELECT * FROM follow_ups WHERE id = @id FOR UPDATE;

-- name: FollowUpSetReminded :execrows
UPDATE follow_ups SET reminded_at = @reminded_at::timestamptz
WHERE id = @id AND answer IS NULL AND reminded_at IS NULL;

-- name: FollowUpsForCandidate :many
-- The candidate's check-ins, newest first, with the organisation's
-- public name while it is on the programme.
SELECT sqlc.embed(f), i.org_id, coalesce(p.name, '')::text AS org_name
FROM follow_ups f JOIN interests i ON i.id = f.interest_id
LEFT JOIN pledged_organisations p ON p.id = i.org_id
WHERE i.candidate_id = @candidate_id
ORDER BY f.asked_at DESC, f.id DESC;

-- name: FollowUpNotice :one
-- What a check-in's email needs: the candidate's account and the
-- organisation's name.
SELECT c.user_id, o.name AS org_name
FROM interests i JOIN candidates c ON c.id = i.candidate_id JOIN organisations o ON o.id = i.org_id
WHERE i.id = @id;
