-- name: CandidateCreateInvited :exec
INSERT INTO candidates (id, status, invited_at, updated_at)
VALUES (@id, 'invited', @now, @now);

-- name: CandidateGet :one
SELECT * FROM candidates WHERE id = @id;

-- name: CandidateGetByUser :one
SELECT * FROM candidates WHERE user_id = @user_id;

-- name: CandidateRegister :exec
UPDATE candidates SET
    user_id = @user_id::uuid,
    status = @status::text,
    registered_at = @now::timestamptz,
    updated_at = @now::timestamptz
WHERE id = @id;

-- name: CandidateUpdateProfile :exec
UPDATE candidates SET
    first_name = @first_name,
    last_name = @last_name,
    phone = @phone,
    date_of_birth = @date_of_birth,
    connection = @connection,
    skills = @skills,
    job_preferences = @job_preferences,
    region = @region,
    heard_about = @heard_about,
    updated_at = @now::timestamptz
WHERE id = @id;

-- name: CandidateDelete :exec
DELETE FROM candidates WHERE id = @id;
