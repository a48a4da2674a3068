-- name: MFASetPending :exec
UPDATE users SET mfa_secret = @secret, mfa_enabled_at = NULL, mfa_last_step = NULL, updated_at = @now WHERE id = @id;

-- name: MFAEnable :exec
UPDATE users SET mfa_enabled_at = @now, mfa_last_step = @step, updated_at = @now WHERE id = @id;

-- name: MFAUseStep :execrows
-- Records the time step of a code just used; a code of that step or an
-- earlier one is then refused, so an overheard code cannot be replayed.
UPDATE users SET mfa_last_step = @step WHERE id = @id AND (mfa_last_step IS NULL OR mfa_last_step < @step);

-- name: MFAClear :exec
UPDATE users SET mfa_secret = NULL, mfa_enabled_at = NULL, mfa_last_step = NULL, updated_at = @now WHERE id = @id;

-- name: MFARecoveryCodesDelete :exec
DELETE FROM mfa_recovery_codes WHERE user_id = @user_id;

-- name: MFARecoveryCodeCreate :exec
INSERT INTO mfa_recovery_codes (user_id, code_hash) VALUES (@user_id, @code_hash);

-- name: MFARecoveryCodeUse :execrows
UPDATE mfa_recovery_codes SET used_at = @now WHERE user_id = @user_id AND code_hash = @code_hash AND used_at IS NULL;
