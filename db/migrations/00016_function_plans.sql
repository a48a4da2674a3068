-- Functions Postgres cannot inline keep their plans (issue 16).
--
-- A SQL function that Postgres does not inline into the statement that
-- calls it (one with the owner's rights, or one returning a set, called
-- from a policy's IN (SELECT ...)) has its body planned again on every
-- call: the link holder's app_link_invitations(), which the candidates',
-- invitations' and tokens' policies each call, cost 0.15-0.85 ms a call,
-- several times in every statement a registration makes (auto_explain of
-- BenchmarkRegister; docs/benchmarks.md). The same bodies in PL/pgSQL are
-- planned once per connection and kept. Nothing they return changes: each
-- is the same query, with the same rights, volatility and search path.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_link_invitations() RETURNS SETOF uuid
LANGUAGE plpgsql STABLE ROWS 1 AS $$
BEGIN
  RETURN QUERY SELECT i.id FROM invitations i JOIN invitation_tokens t ON t.invitation_id = i.id
  WHERE t.token_hash = app_credential() AND (i.used_at IS NULL OR i.consumed_txid = txid_current());
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_link_account_invitations() RETURNS SETOF uuid
LANGUAGE plpgsql STABLE ROWS 1 AS $$
BEGIN
  RETURN QUERY SELECT i.id FROM account_invitations i JOIN account_invitation_tokens t ON t.invitation_id = i.id
  WHERE t.token_hash = app_credential()
    AND ((i.used_at IS NULL AND i.expired_at IS NULL) OR i.consumed_txid = txid_current());
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_link_mailbox_orgs() RETURNS SETOF uuid
LANGUAGE plpgsql STABLE ROWS 1 AS $$
BEGIN
  RETURN QUERY SELECT v.org_id FROM mailbox_verifications v
  WHERE v.token_hash = app_credential() AND v.consumed_txid = txid_current();
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_candidate_id() RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF app_role() = 'candidate' THEN
    RETURN (SELECT c.id FROM candidates c WHERE c.user_id = app_user_id());
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_candidate_invitations() RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY SELECT i.id FROM invitations i WHERE i.candidate_id = app_candidate_id();
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_org_admin_reach() RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY SELECT u.id FROM users u WHERE app_role() = 'org_admin' AND u.org_id = app_org_id();
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION candidate_objects(candidate uuid) RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY
  SELECT $1
  UNION ALL SELECT i.id FROM interests i WHERE i.candidate_id = $1
  UNION ALL SELECT k.id FROM spot_checks k WHERE k.candidate_id = $1
  UNION ALL SELECT m.id FROM messages m JOIN threads t ON t.id = m.thread_id WHERE t.candidate_id = $1
  UNION ALL SELECT r.id FROM message_reports r JOIN messages m ON m.id = r.message_id JOIN threads t ON t.id = m.thread_id
            WHERE t.candidate_id = $1;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_org_sees(candidate uuid, org uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN coalesce((SELECT app_view_open(i.org_view) FROM interests i WHERE i.candidate_id = $1 AND i.org_id = $2), false);
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_org_sees_candidate(candidate uuid, interest text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN coalesce((SELECT org_sees(c.status, c.sharing, c.verification, $2, app_keep_placed())
                   FROM candidates c WHERE c.id = $1), false);
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION org_name(org uuid) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN (SELECT o.name FROM organisations o WHERE o.id = $1);
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_candidate_email(candidate uuid) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN (SELECT u.email FROM candidates c JOIN users u ON u.id = c.user_id
          WHERE c.id = $1 AND (app_is_staff() OR EXISTS (
            SELECT 1 FROM interests i WHERE i.candidate_id = c.id AND app_in_org(i.org_id)
              AND org_sees(c.status, c.sharing, c.verification, i.state, app_keep_placed()))));
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION candidate_active(candidate uuid, at timestamp with time zone) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO candidate_activity (candidate_id, last_active_at) VALUES ($1, $2)
  ON CONFLICT (candidate_id) DO UPDATE SET last_active_at = greatest(candidate_activity.last_active_at, EXCLUDED.last_active_at);
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_link_invitations()
 RETURNS SETOF uuid
 LANGUAGE sql
 STABLE ROWS 1
AS $$
  SELECT i.id FROM invitations i JOIN invitation_tokens t ON t.invitation_id = i.id
  WHERE t.token_hash = app_credential() AND (i.used_at IS NULL OR i.consumed_txid = txid_current())
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_link_account_invitations()
 RETURNS SETOF uuid
 LANGUAGE sql
 STABLE ROWS 1
AS $$
  SELECT i.id FROM account_invitations i JOIN account_invitation_tokens t ON t.invitation_id = i.id
  WHERE t.token_hash = app_credential()
    AND ((i.used_at IS NULL AND i.expired_at IS NULL) OR i.consumed_txid = txid_current())
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_link_mailbox_orgs()
 RETURNS SETOF uuid
 LANGUAGE sql
 STABLE ROWS 1
AS $$
  SELECT v.org_id FROM mailbox_verifications v
  WHERE v.token_hash = app_credential() AND v.consumed_txid = txid_current()
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_candidate_id()
 RETURNS uuid
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT CASE WHEN app_role() = 'candidate' THEN (SELECT c.id FROM candidates c WHERE c.user_id = app_user_id()) END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_candidate_invitations()
 RETURNS SETOF uuid
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT i.id FROM invitations i WHERE i.candidate_id = app_candidate_id()
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_org_admin_reach()
 RETURNS SETOF uuid
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT u.id FROM users u WHERE app_role() = 'org_admin' AND u.org_id = app_org_id()
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION candidate_objects(candidate uuid)
 RETURNS SETOF uuid
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT candidate
  UNION ALL SELECT i.id FROM interests i WHERE i.candidate_id = candidate
  UNION ALL SELECT k.id FROM spot_checks k WHERE k.candidate_id = candidate
  UNION ALL SELECT m.id FROM messages m JOIN threads t ON t.id = m.thread_id WHERE t.candidate_id = candidate
  UNION ALL SELECT r.id FROM message_reports r JOIN messages m ON m.id = r.message_id JOIN threads t ON t.id = m.thread_id
            WHERE t.candidate_id = candidate
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_org_sees(candidate uuid, org uuid)
 RETURNS boolean
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT coalesce((SELECT app_view_open(i.org_view) FROM interests i WHERE i.candidate_id = candidate AND i.org_id = org), false)
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_org_sees_candidate(candidate uuid, interest text)
 RETURNS boolean
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT coalesce((SELECT org_sees(c.status, c.sharing, c.verification, interest, app_keep_placed())
                   FROM candidates c WHERE c.id = candidate), false)
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION org_name(org uuid)
 RETURNS text
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT o.name FROM organisations o WHERE o.id = org
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION app_candidate_email(candidate uuid)
 RETURNS text
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $$
  SELECT u.email FROM candidates c JOIN users u ON u.id = c.user_id
  WHERE c.id = candidate AND (app_is_staff() OR EXISTS (
    SELECT 1 FROM interests i WHERE i.candidate_id = c.id AND app_in_org(i.org_id)
      AND org_sees(c.status, c.sharing, c.verification, i.state, app_keep_placed())))
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION candidate_active(candidate uuid, at timestamp with time zone)
 RETURNS void
 LANGUAGE sql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $$
  INSERT INTO candidate_activity (candidate_id, last_active_at) VALUES (candidate, at)
  ON CONFLICT (candidate_id) DO UPDATE SET last_active_at = greatest(candidate_activity.last_active_at, EXCLUDED.last_active_at)
$$;
-- +goose StatementEnd
