-- Sign-in throttling: attempts refused because of too many recent failures
-- are recorded too, as 'throttled', and failures are counted per address.

-- +goose Up
ALTER TABLE login_events DROP CONSTRAINT login_events_outcome_check;
ALTER TABLE login_events ADD CONSTRAINT login_events_outcome_check
    CHECK (outcome IN ('success', 'failure', 'throttled'));
-- Partial indexes keep the counts bounded however many refused attempts
-- pile up for a hammered account.
CREATE INDEX login_events_ip_failure_idx ON login_events (ip, occurred_at) WHERE outcome = 'failure';
CREATE INDEX login_events_user_failure_idx ON login_events (user_id, occurred_at) WHERE outcome = 'failure';
CREATE INDEX login_events_user_success_idx ON login_events (user_id, occurred_at) WHERE outcome = 'success';

-- +goose Down
DROP INDEX login_events_ip_failure_idx, login_events_user_failure_idx, login_events_user_success_idx;
DELETE FROM login_events WHERE outcome = 'throttled';
ALTER TABLE login_events DROP CONSTRAINT login_events_outcome_check;
ALTER TABLE login_events ADD CONSTRAINT login_events_outcome_check
    CHECK (outcome IN ('success', 'failure'));
