-- A session's organisation standing read with the session itself (issue
-- 16; docs/decisions.md, "one transaction per request").
--
-- What decides whether an organisation's user may work (the organisation
-- is active, its latest agreement's version is still accepted, the user
-- accepted the newest code of conduct) was read after the session was
-- found, as the session's user: a round trip of its own on every request
-- of every organisation user. org_standing() is that read, once; the
-- OrgStanding query runs it as the caller, under row-level security as
-- before; session_standing() runs it, with the owner's rights, for the
-- session whose token the transaction presents and for nothing else, so
-- that finding the session returns it in the same statement. PL/pgSQL,
-- not SQL: a function Postgres cannot inline (it has the owner's rights)
-- plans a SQL body on every call, and PL/pgSQL keeps its plan.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION org_standing(usr uuid, org uuid)
RETURNS TABLE (name text, active boolean, has_agreement boolean, agreement_version text, agreement_signed_name text,
               version_accepted boolean, conduct_accepted boolean)
LANGUAGE sql STABLE AS $$
  SELECT o.name, o.active,
         (a.id IS NOT NULL),
         coalesce(a.version, ''), coalesce(a.signed_name, ''),
         (v.retired_at IS NULL AND v.version IS NOT NULL),
         EXISTS (SELECT 1 FROM conduct_acceptances ca
                 WHERE ca.user_id = usr
                   AND ca.version = (SELECT t.version FROM conduct_texts t ORDER BY t.published_at DESC, t.version DESC LIMIT 1))
  FROM organisations o
  LEFT JOIN LATERAL (
      SELECT g.id, g.version, g.signed_name FROM org_agreements g
      WHERE g.org_id = o.id ORDER BY g.signed_on DESC, g.recorded_at DESC LIMIT 1
  ) a ON true
  LEFT JOIN agreement_versions v ON v.version = a.version
  WHERE o.id = org
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION org_standing(uuid, uuid) TO muster_app;

-- +goose StatementBegin
CREATE FUNCTION session_standing()
RETURNS TABLE (name text, active boolean, has_agreement boolean, agreement_version text, agreement_signed_name text,
               version_accepted boolean, conduct_accepted boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT st.*
  FROM sessions s JOIN users u ON u.id = s.user_id
  CROSS JOIN LATERAL org_standing(u.id, u.org_id) st
  WHERE s.token_hash = app_credential() AND u.org_id IS NOT NULL;
END
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION session_standing() TO muster_app;

-- +goose Down
DROP FUNCTION session_standing();
DROP FUNCTION org_standing(uuid, uuid);
