-- Sign-in limits that an outsider cannot turn into a lock.
--
-- Until now ten failed sign-ins for an address, from anywhere, refused
-- that address from everywhere for fifteen minutes: anyone who knew the
-- programme team's addresses could lock them out at will. Failures are
-- now counted per account and client network (network: the /24 of an
-- IPv4 address, the /64 of an IPv6 one, computed by sim.ClientNetwork), so
-- guessing from one network locks that network out of that account only;
-- a slower account-wide limit over a day refuses only networks the
-- account has not signed in from lately, so its owner, from a network
-- they use, is never refused for what others did (sim.LoginThrottle).

-- +goose Up
ALTER TABLE login_events ADD COLUMN network text NOT NULL DEFAULT '';
ALTER TABLE login_events ALTER COLUMN network DROP DEFAULT;
COMMENT ON COLUMN login_events.network IS 'class=identifying; category=login_record; subject=user:user_id; anonymise=delete; seen_by=engine';
CREATE INDEX login_events_subject_network_failure_idx ON login_events (subject, network, occurred_at) WHERE outcome IN ('failure', 'pending');
CREATE INDEX login_events_subject_network_success_idx ON login_events (subject, network, occurred_at) WHERE outcome = 'success';

-- +goose Down
DROP INDEX login_events_subject_network_failure_idx, login_events_subject_network_success_idx;
ALTER TABLE login_events DROP COLUMN network;
