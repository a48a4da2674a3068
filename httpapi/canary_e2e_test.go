package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/muster-cms/muster"
	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/internal/teststack"
	"github.com/muster-cms/muster/render"
	"github.com/muster-cms/muster/sim"
)

// logBuffer collects a stack's log lines, from every goroutine.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// canaryMarker is a value no other test writes.
func canaryMarker(t *testing.T, field string) string {
	t.Helper()
	b := make([]byte, 5)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return "Canary" + field + hex.EncodeToString(b)
}

// pgDump is the database's data, as pg_dump writes it.
func pgDump(t *testing.T, s *teststack.Stack) string {
	t.Helper()
	out, err := exec.Command("pg_dump", "--data-only", "--dbname", s.DB.AdminURL).CombinedOutput()
	require.NoError(t, err, "pg_dump (Debian's postgresql-client, installed with postgresql): %s", out)
	return string(out)
}

// payloadsOf collects every payload in a protobuf message: inputs,
// results, memos, search attributes, encoded failure attributes.
func payloadsOf(m protoreflect.Message, out *[]*commonpb.Payload) {
	if p, ok := m.Interface().(*commonpb.Payload); ok {
		*out = append(*out, p)
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := range l.Len() {
				payloadsOf(l.Get(i).Message(), out)
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				payloadsOf(mv.Message(), out)
				return true
			})
		case fd.Message() != nil && !fd.IsList() && !fd.IsMap():
			payloadsOf(v.Message(), out)
		}
		return true
	})
}

// histories fetches every workflow history of the stack's task queue,
// open or closed, and returns each as JSON and its payloads decoded with
// the stack's key.
func histories(t *testing.T, s *teststack.Stack) (raw, decoded string, runs int) {
	t.Helper()
	ctx := context.Background()
	var rawB, decB strings.Builder
	var token []byte
	for {
		resp, err := s.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("TaskQueue = '%s'", s.Queue), NextPageToken: token,
		})
		require.NoError(t, err)
		for _, e := range resp.GetExecutions() {
			runs++
			it := s.Temporal.GetWorkflowHistory(ctx, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId(), false, 0)
			for it.HasNext() {
				ev, err := it.Next()
				require.NoError(t, err)
				j, err := protojson.Marshal(ev)
				require.NoError(t, err)
				rawB.Write(j)
				var ps []*commonpb.Payload
				payloadsOf(ev.ProtoReflect(), &ps)
				if len(ps) == 0 {
					continue
				}
				plain, err := s.Codec.Decode(ps)
				require.NoError(t, err)
				for _, p := range plain {
					decB.Write(p.GetData())
					decB.WriteByte('\n')
				}
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return rawB.String(), decB.String(), runs
		}
	}
}

var checkInLink = regexp.MustCompile(`/me/follow-ups/([0-9a-f-]{36})`)

// The canary: a candidate whose every field holds a unique marker goes
// through the whole journey (chooses an organisation, writes and is
// written to, is viewed, placed and followed up, answers), downloads
// their data (every marker is in it), then is erased. Afterwards no marker
// is anywhere: not in a pg_dump of the database, not in any Temporal
// history of the stack fetched and decoded with the key, not in the
// process's logs. Before the erasure the same dump finds them, so the
// scan can fail; the decoded histories hold the candidate's ID, so the
// decoding works.
func TestCanaryLeavesNoTraceAfterErasure(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	s := teststack.NewLogged(t, temporalAddr, &logs, func(c *muster.Config) {
		c.FollowUp = sim.FollowUpPolicy{Months: []int{3}, RemindAfter: time.Hour, AnswerWindow: time.Hour}
	})
	ctx := context.Background()
	op := s.Login(t, teststack.OperatorEmail, teststack.OperatorPassword)
	orgID, admin := onboard(t, s, op, "Canary NHS Trust", "admin@canary.example")

	n, err := rand.Int(rand.Reader, big.NewInt(90000))
	require.NoError(t, err)
	m := map[string]string{
		"first": canaryMarker(t, "First"), "last": canaryMarker(t, "Last"), "skill": canaryMarker(t, "Skill"),
		"jobs": canaryMarker(t, "Jobs"), "email": strings.ToLower(canaryMarker(t, "mail")), "phone": fmt.Sprintf("07700 9%05d", n.Int64()+10000),
		"msg": canaryMarker(t, "Msg"), "reply": canaryMarker(t, "Reply"),
	}
	email := m["email"] + "@example.org"
	cand, candID := journeyCandidate(t, s, op, email, map[string]any{
		"first_name": m["first"], "last_name": m["last"], "phone": m["phone"], "skills": []string{m["skill"]}, "job_preferences": m["jobs"],
	})
	r := s.JSON(t, http.MethodPost, "/v1/me/interests", cand, map[string]any{"org_ids": []string{orgID}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))
	r = s.JSON(t, http.MethodPost, "/v1/me/threads/"+orgID+"/messages", cand, map[string]any{"body": m["msg"]})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	r = s.JSON(t, http.MethodPost, "/v1/organisations/"+orgID+"/candidates/"+candID+"/messages", admin, map[string]any{"body": m["reply"]})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	require.Equal(t, http.StatusOK, s.Do(t, http.MethodGet, "/v1/organisations/"+orgID+"/candidates/"+candID, admin, nil).Status)
	started := time.Now().AddDate(0, -4, 0).UTC().Format(time.DateOnly)
	for _, kind := range []string{"interview", "offer", "placed"} {
		r := s.JSON(t, http.MethodPost, "/v1/organisations/"+orgID+"/candidates/"+candID+"/interventions", admin, map[string]any{"kind": kind, "on": started})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Raw))
	}
	checkIn := checkInLink.FindStringSubmatch(waitMailsWith(t, s, email, "Are you still with Canary NHS Trust?", 1)[0])
	require.NotNil(t, checkIn)
	r = s.JSON(t, http.MethodPost, "/v1/me/follow-ups/"+checkIn[1]+"/answer", cand, map[string]any{"still_in_post": true})
	require.Equal(t, http.StatusOK, r.Status, string(r.Raw))

	// The export has every marker.
	var userID string
	require.NoError(t, s.DB.Admin.QueryRow(ctx, "SELECT user_id::text FROM candidates WHERE id = $1", candID).Scan(&userID))
	actor := sim.Actor{UserID: userID, Role: sim.RoleCandidate}
	var export sim.SubjectAccess
	require.NoError(t, s.Store.InTx(ctx, actor, func(tx *db.Tx) error {
		var err error
		export, err = tx.SubjectAccess(ctx, candID, time.Now())
		return err
	}))
	var j bytes.Buffer
	require.NoError(t, render.SubjectJSON(&j, export))
	dump := pgDump(t, s)
	for field, mk := range m {
		require.True(t, strings.Contains(j.String(), mk), "the export has the %s", field)
		require.True(t, strings.Contains(dump, mk), "before erasure the dump finds the %s", field)
	}

	// Erased.
	require.NoError(t, s.Store.InTx(ctx, actor, func(tx *db.Tx) error {
		_, err := tx.ErasureRequest(ctx, candID, time.Now())
		return err
	}))
	require.Len(t, s.Finished(t, sim.WorkflowErasure), 1)
	receipt := waitMailsWith(t, s, email, "has been erased", 1)[0]
	require.Regexp(t, `ER-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`, receipt)
	for _, wf := range []string{sim.WorkflowInterestNotification, sim.WorkflowMessageNotification, sim.WorkflowJourneyHooks} {
		s.Finished(t, wf)
	}

	dump = pgDump(t, s)
	raw, decoded, runs := histories(t, s)
	require.Positive(t, runs)
	require.Contains(t, decoded, candID, "the decoded histories hold IDs: the decoding works")
	logged := logs.String()
	require.NotEmpty(t, logged)
	for field, mk := range m {
		require.False(t, strings.Contains(dump, mk), "the %s (%s) is left in the database", field, mk)
		require.False(t, strings.Contains(raw, mk), "the %s (%s) is in a workflow history", field, mk)
		require.False(t, strings.Contains(decoded, mk), "the %s (%s) is in a decoded workflow payload", field, mk)
		require.False(t, strings.Contains(logged, mk), "the %s (%s) is in the logs", field, mk)
	}
	t.Logf("scanned a %d-byte dump, %d workflow runs (%d bytes decoded) and %d bytes of logs", len(dump), runs, len(decoded), len(logged))
}
