-- name: ThreadFor :one
-- The thread between a candidate and an organisation, with whether the
-- organisation sees the candidate now (messaging follows visibility).
SELECT t.id, t.candidate_id, t.org_id, t.last_message_at,
       app_view_open(i.org_view) AS open
FROM threads t JOIN candidates c ON c.id = t.candidate_id
JOIN interests i ON i.candidate_id = t.candidate_id AND i.org_id = t.org_id
WHERE t.candidate_id = @candidate_id AND t.org_id = @org_id;

-- name: ThreadOpenFor :one
-- Whether the organisation sees the candidate now, so that the two may
-- write to each other: ENOTFOUND when there is no interest between them.
SELECT app_view_open(i.org_view)::boolean AS open
FROM interests i JOIN candidates c ON c.id = i.candidate_id
WHERE i.candidate_id = @candidate_id AND i.org_id = @org_id;

-- name: ThreadTouch :one
-- Creates the thread at its first message, or moves it to the top of the
-- lists at a later one.
INSERT INTO threads (id, candidate_id, org_id, created_at, last_message_at)
VALUES (@id, @candidate_id, @org_id, @now, @now)
ON CONFLICT (candidate_id, org_id) DO UPDATE SET last_message_at = greatest(threads.last_message_at, excluded.last_message_at)
RETURNING id;

-- name: MessageInsert :one
INSERT INTO messages (id, thread_id, author_id, from_candidate, body, sent_at)
VALUES (@id, @thread_id, @author_id, @from_candidate, @body, @sent_at)
RETURNING seq;

-- name: ThreadMarkRead :exec
-- Records that the user has read the thread up to read_seq; a mark never
-- moves back.
INSERT INTO thread_reads (thread_id, user_id, read_seq) VALUES (@thread_id, @user_id, @read_seq)
ON CONFLICT (thread_id, user_id) DO UPDATE SET read_seq = greatest(thread_reads.read_seq, excluded.read_seq);

-- name: ThreadLastSeq :one
SELECT coalesce(max(seq), 0)::bigint FROM messages WHERE thread_id = @thread_id AND hidden_at IS NULL;

-- name: MessagesPage :many
-- A page of a thread, newest first, before the message numbered
-- before_seq; hidden messages are shown to nobody here.
SELECT m.id, m.seq, m.author_id, m.from_candidate, m.body, m.sent_at, m.hidden_at, m.hidden_reason
FROM messages m
WHERE m.thread_id = @thread_id AND m.seq < @before_seq
  AND m.hidden_at IS NULL
ORDER BY m.seq DESC
LIMIT @max_rows;

-- name: ThreadsForCandidate :many
-- The candidate's threads, latest first, each with how many messages from
-- the organisation they have not read, and the organisation's public name
-- while it is on the programme.
SELECT t.id, t.org_id, coalesce(p.name, '')::text AS org_name, t.last_message_at,
       (SELECT count(*) FROM messages m
        WHERE m.thread_id = t.id AND NOT m.from_candidate AND m.hidden_at IS NULL
          AND m.seq > coalesce((SELECT r.read_seq FROM thread_reads r WHERE r.thread_id = t.id AND r.user_id = @user_id), 0)
       )::bigint AS unread
FROM threads t LEFT JOIN pledged_organisations p ON p.id = t.org_id
WHERE t.candidate_id = @candidate_id
ORDER BY t.last_message_at DESC, t.id DESC;

-- name: ThreadsForOrg :many
-- The threads of an organisation with the candidates it sees, latest
-- first, keyset on (last_message_at, id), each with how many messages
-- from the candidate the user has not read.
SELECT t.id, t.candidate_id, t.last_message_at,
       (SELECT count(*) FROM messages m
        WHERE m.thread_id = t.id AND m.from_candidate AND m.hidden_at IS NULL
          AND m.seq > coalesce((SELECT r.read_seq FROM thread_reads r WHERE r.thread_id = t.id AND r.user_id = @user_id), 0)
       )::bigint AS unread
FROM threads t JOIN candidates c ON c.id = t.candidate_id
JOIN interests i ON i.candidate_id = t.candidate_id AND i.org_id = t.org_id
WHERE t.org_id = @org_id
  AND app_view_open(i.org_view)
  AND (t.last_message_at, t.id) < (@before_at::timestamptz, @before_id::uuid)
ORDER BY t.last_message_at DESC, t.id DESC
LIMIT @max_rows;

-- name: MessageForReport :one
-- A message its reader may report, with its thread.
SELECT m.id, m.author_id, m.from_candidate, t.org_id, t.candidate_id
FROM messages m JOIN threads t ON t.id = m.thread_id
WHERE m.id = @id AND m.hidden_at IS NULL;

-- name: MessageReportInsert :one
-- A report; one per reader per message: ENOTFOUND (no row) when the
-- reader reported it already, and MessageReportOf then finds the first.
INSERT INTO message_reports (id, message_id, reported_by, reason, note, reported_at)
VALUES (@id, @message_id, @reported_by, @reason, sqlc.narg(note), @reported_at)
ON CONFLICT (message_id, reported_by) DO NOTHING
RETURNING id;

-- name: MessageReportOf :one
-- A reader's report of a message. A statement of its own: after the
-- insert above waited for a concurrent report to commit, only a new
-- statement's snapshot sees that report.
SELECT id FROM message_reports WHERE message_id = @message_id AND reported_by = @reported_by;

-- name: ReportsOpen :many
-- The moderation queue: open reports, oldest first, keyset on
-- (reported_at, id), each with the message reported.
SELECT r.id, r.message_id, r.reported_by, r.reason, r.note, r.reported_at,
       m.thread_id, t.org_id, m.body, m.from_candidate, m.author_id, m.sent_at
FROM message_reports r JOIN messages m ON m.id = r.message_id JOIN threads t ON t.id = m.thread_id
WHERE r.decision IS NULL AND (r.reported_at, r.id) > (@after_at::timestamptz, @after_id::uuid)
ORDER BY r.reported_at, r.id
LIMIT @max_rows;

-- name: MessageLockForReport :one
-- Holds the reported message before any of its reports, so that two
-- decisions on one message run one after the other instead of locking
-- each other's reports.
SELECT m.id FROM messages m
WHERE m.id = (SELECT r.message_id FROM message_reports r WHERE r.id = @report_id)
FOR UPDATE OF m;

-- name: ReportGetForUpdate :one
SELECT r.id, r.message_id, r.decision, m.thread_id, t.org_id, t.candidate_id
FROM message_reports r JOIN messages m ON m.id = r.message_id JOIN threads t ON t.id = m.thread_id
WHERE r.id = @id
FOR UPDATE OF r;

-- name: ReportsDecide :many
-- Closes every open report of a message with one decision.
UPDATE message_reports SET decision = @decision::text, decided_by = @decided_by::uuid, decided_at = @decided_at::timestamptz
WHERE message_id = @message_id AND decision IS NULL
RETURNING id;

-- name: MessageHide :execrows
UPDATE messages SET hidden_at = @hidden_at::timestamptz, hidden_by = @hidden_by::uuid, hidden_reason = @hidden_reason::text
WHERE id = @id AND hidden_at IS NULL;

-- name: MessageForNotification :one
-- What a message notification needs: the thread's two sides, the
-- organisation's name, and whether the message is still to be shown and
-- the two may still write to each other (nothing is sent if not).
SELECT t.org_id, t.candidate_id, c.user_id AS candidate_user_id, o.name AS org_name, m.from_candidate,
       (m.hidden_at IS NULL AND app_view_open(i.org_view))::boolean AS open
FROM messages m JOIN threads t ON t.id = m.thread_id JOIN candidates c ON c.id = t.candidate_id
JOIN organisations o ON o.id = t.org_id
JOIN interests i ON i.candidate_id = t.candidate_id AND i.org_id = t.org_id
WHERE m.id = @id;
