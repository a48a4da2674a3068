-- The audit chain linked after commit, by one sequencer (issue 16;
-- docs/decisions.md, "the audit chain's sequencer").
--
-- Until now the insert trigger numbered and hashed each row under one
-- advisory lock that it held until the writer committed: every audited
-- transaction committed one after another, and Postgres could not group
-- their commits. Now a writer only inserts its row, stamped with who acted
-- (from the transaction's own context, as before) and numbered by a
-- sequence (id: the event's number, in the order rows were written, with a
-- gap where a writer rolled back). Nothing waits. The chain is made after
-- commit by audit_chain(), which takes the chain's lock for a moment and
-- links every committed row that is not linked yet, oldest id first: each
-- gets the next chain position (seq, from 1 without gaps), the hash of the
-- row before it (prev_hash) and its own hash. Muster runs it after each
-- transaction that wrote an audit event, and before anything reads the
-- chain (the trail, a candidate's access log, an export, verification).
--
-- What the chain guarantees does not change:
--   - no fork: positions are given only under the chain's lock, each the
--     last one plus one, and seq is unique;
--   - a change of any byte of a linked row is found at that row, and a
--     removed row at the one after it (sim.AuditHash, db.AuditVerify);
--   - nobody rewrites it: the application may only insert (its rows'
--     chain columns are cleared whatever it sends) and run audit_chain();
--     an update, the owner's included, may only link an unlinked row as
--     the next in the chain, with the hashes the trigger computes, and
--     changes nothing else; deletes and truncation are refused as before.

-- +goose Up
CREATE SEQUENCE audit_events_id_seq;
ALTER TABLE audit_events ADD COLUMN id bigint;
-- Owned by the column, so that it goes wherever the table goes.
ALTER SEQUENCE audit_events_id_seq OWNED BY audit_events.id;
ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update;
UPDATE audit_events SET id = seq;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update;
SELECT setval('audit_events_id_seq', coalesce((SELECT max(id) FROM audit_events), 0) + 1, false);
ALTER TABLE audit_events ALTER COLUMN id SET NOT NULL;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey;
ALTER TABLE audit_events ADD PRIMARY KEY (id);
ALTER TABLE audit_events ALTER COLUMN seq DROP NOT NULL;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_seq_key UNIQUE (seq);
ALTER TABLE audit_events ALTER COLUMN prev_hash DROP NOT NULL;
ALTER TABLE audit_events ALTER COLUMN hash DROP NOT NULL;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_linked_check
    CHECK ((seq IS NULL) = (prev_hash IS NULL) AND (seq IS NULL) = (hash IS NULL));
CREATE INDEX audit_events_unlinked_idx ON audit_events (id) WHERE seq IS NULL;
COMMENT ON COLUMN audit_events.id IS 'class=operational; category=audit; subject=user:actor_id; anonymise=keep; seen_by=operator';

DROP TRIGGER audit_events_chain ON audit_events;
DROP FUNCTION audit_events_chain();
-- Who acted, from the transaction's own context; the event's number; and
-- no link yet, whatever the writer sent. With its owner's rights: the
-- application has no right to the sequence.
-- +goose StatementBegin
CREATE FUNCTION audit_events_stamp() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  NEW.id := nextval('audit_events_id_seq');
  NEW.seq := NULL;
  NEW.prev_hash := NULL;
  NEW.hash := NULL;
  NEW.actor_role := coalesce(app_role(), 'none');
  NEW.actor_id := app_user_id();
  NEW.actor_org_id := app_org_id();
  NEW.ip := CASE WHEN NEW.actor_role = 'candidate' THEN '' ELSE coalesce(NEW.ip, '') END;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_stamp BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_stamp();

-- The one update the trail allows: an unlinked row linked as the next in
-- the chain, nothing else changed. The trigger computes the link and the
-- hash; whoever runs the update only names the position, and a position
-- that is not the next one is refused.
-- +goose StatementBegin
CREATE FUNCTION audit_events_link() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  last audit_events%ROWTYPE;
BEGIN
  IF OLD.seq IS NOT NULL OR NEW.seq IS NULL
     OR to_jsonb(NEW) - ARRAY['seq', 'prev_hash', 'hash'] <> to_jsonb(OLD) - ARRAY['seq', 'prev_hash', 'hash'] THEN
    RAISE EXCEPTION 'the audit trail is append-only: an event is only linked into the chain, once'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM pg_advisory_xact_lock(7239400311);
  SELECT * INTO last FROM audit_events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1;
  IF NEW.seq <> coalesce(last.seq, 0) + 1 THEN
    RAISE EXCEPTION 'the audit chain goes on from its last row: position % is not next', NEW.seq
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  NEW.prev_hash := coalesce(last.hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
  NEW.hash := audit_event_hash(NEW.prev_hash, NEW);
  RETURN NEW;
END
$$;
-- +goose StatementEnd
DROP TRIGGER audit_events_no_update ON audit_events;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_events_link BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_link();

-- The sequencer: links every committed, unlinked row, oldest event first,
-- and returns how many. One at a time under the chain's lock, taken before
-- anything is read; read committed only, so that each statement sees the
-- rows the sequencer before it linked and the writers that have
-- committed since. Anyone may run it: all it can do is what it does.
-- +goose StatementBegin
CREATE FUNCTION audit_chain() RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  next bigint;
  e bigint;
  n bigint := 0;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'the audit chain is linked in read committed transactions only';
  END IF;
  PERFORM pg_advisory_xact_lock(7239400311);
  SELECT coalesce(max(seq), 0) INTO next FROM audit_events;
  FOR e IN SELECT id FROM audit_events WHERE seq IS NULL ORDER BY id LOOP
    next := next + 1;
    UPDATE audit_events SET seq = next WHERE id = e;
    n := n + 1;
  END LOOP;
  RETURN n;
END
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION audit_chain() TO muster_app;

-- +goose Down
REVOKE EXECUTE ON FUNCTION audit_chain() FROM muster_app;
DROP FUNCTION audit_chain();
DROP TRIGGER audit_events_link ON audit_events;
DROP TRIGGER audit_events_no_delete ON audit_events;
DROP FUNCTION audit_events_link();
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
DROP TRIGGER audit_events_stamp ON audit_events;
DROP FUNCTION audit_events_stamp();
-- Rows written since cannot be numbered back into a chain that was made
-- at insert; refuse to go down over them.
-- +goose StatementBegin
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM audit_events WHERE seq IS NULL OR seq <> id) THEN
    RAISE EXCEPTION 'audit events were written under the sequencer: the chain cannot go back to numbering at insert';
  END IF;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION audit_events_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  last audit_events%ROWTYPE;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'audit events are written in read committed transactions only';
  END IF;
  PERFORM pg_advisory_xact_lock(7239400311);
  SELECT * INTO last FROM audit_events ORDER BY seq DESC LIMIT 1;
  NEW.seq := coalesce(last.seq, 0) + 1;
  NEW.prev_hash := coalesce(last.hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
  NEW.actor_role := coalesce(app_role(), 'none');
  NEW.actor_id := app_user_id();
  NEW.actor_org_id := app_org_id();
  NEW.ip := CASE WHEN NEW.actor_role = 'candidate' THEN '' ELSE coalesce(NEW.ip, '') END;
  NEW.hash := audit_event_hash(NEW.prev_hash, NEW);
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_chain();
DROP INDEX audit_events_unlinked_idx;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_linked_check;
ALTER TABLE audit_events ALTER COLUMN hash SET NOT NULL;
ALTER TABLE audit_events ALTER COLUMN prev_hash SET NOT NULL;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_seq_key;
ALTER TABLE audit_events ALTER COLUMN seq SET NOT NULL;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey;
ALTER TABLE audit_events ADD PRIMARY KEY (seq);
ALTER TABLE audit_events DROP COLUMN id; -- and its sequence, which it owns
