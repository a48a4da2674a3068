-- name: RegistrationRequestCreate :exec
INSERT INTO registration_requests (id, email, requested_at) VALUES (@id, @email, @now);

-- name: RegistrationRequestGetForUpdate :one
SELECT * FROM registration_requests WHERE id = @id FOR UPDATE;

-- name: RegistrationRequestSettle :exec
-- Records what the request led to and wipes the address.
UPDATE registration_requests
SET email = NULL, handled_at = @now::timestamptz, outcome = @outcome::text, invitation_id = sqlc.narg(invitation_id),
    reset_id = sqlc.narg(reset_id)
WHERE id = @id;
