-- Sign-in throttling: attempts refused because of too many recent failures
-- are recorded too, as 'throttled', and failures are counted per address.

-- +goose Up
ALTER TABLE login_events DROP CONSTRAINT login_events_outcome_check;
ALTER TABLE login_events ADD CONSTRAINT login_events_outcome_check
    CHECK (outcome IN ('success', 'failure', 'throttled'));
CREATE INDEX login_events_ip_idx ON login_events (ip, occurred_at) WHERE outcome = 'failure';

-- +goose Down
DROP INDEX login_events_ip_idx;
DELETE FROM login_events WHERE outcome = 'throttled';
ALTER TABLE login_events DROP CONSTRAINT login_events_outcome_check;
ALTER TABLE login_events ADD CONSTRAINT login_events_outcome_check
    CHECK (outcome IN ('success', 'failure'));
