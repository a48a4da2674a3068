package sim_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/sim"
)

func TestDurationMarshalJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		d    sim.Duration
		want string
	}{
		{sim.Duration(30 * 24 * time.Hour), `"720h0m0s"`},
		{sim.Duration(0), `"0s"`},
		{sim.Duration(90 * time.Second), `"1m30s"`},
		{sim.Duration(1500 * time.Millisecond), `"1.5s"`},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tc.d)
			require.NoError(t, err)
			require.Equal(t, tc.want, string(b))

			var back sim.Duration
			require.NoError(t, json.Unmarshal(b, &back))
			require.Equal(t, tc.d, back)
		})
	}
	require.Equal(t, "720h0m0s", sim.Duration(30*24*time.Hour).String())
}

func TestDurationUnmarshalJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want sim.Duration
		ok   bool
	}{
		{"duration string", `"720h0m0s"`, sim.Duration(720 * time.Hour), true},
		{"short duration string", `"720h"`, sim.Duration(720 * time.Hour), true},
		{"minutes", `"90m"`, sim.Duration(90 * time.Minute), true},
		{"nanoseconds", `2592000000000000`, sim.Duration(30 * 24 * time.Hour), true},
		{"zero nanoseconds", `0`, 0, true},
		{"soon", `"soon"`, 0, false},
		{"empty string", `""`, 0, false},
		{"bool", `true`, 0, false},
		{"fraction", `1.5`, 0, false},
		{"object", `{}`, 0, false},
		{"overflowing integer", `99999999999999999999`, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var d sim.Duration
			err := json.Unmarshal([]byte(tc.in), &d)
			if !tc.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, d)
		})
	}
}

func TestInvitationArgsJSON(t *testing.T) {
	t.Parallel()
	args := sim.InvitationArgs{InvitationID: "inv1", Kind: sim.InvitationSelf, Window: sim.Duration(sim.DefaultInvitationWindow)}
	b, err := json.Marshal(args)
	require.NoError(t, err)
	require.JSONEq(t, `{"InvitationID":"inv1","Kind":"self","Window":"720h0m0s"}`, string(b))

	var back sim.InvitationArgs
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, args, back)

	// Inputs recorded before Duration existed carry nanoseconds.
	var old sim.InvitationArgs
	require.NoError(t, json.Unmarshal([]byte(`{"InvitationID":"inv1","Kind":"operator","Window":2592000000000000}`), &old))
	require.Equal(t, sim.Duration(30*24*time.Hour), old.Window)
}

func TestIntentValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		i    sim.Intent
		ok   bool
	}{
		{"empty", sim.Intent{}, false},
		{"workflow ID only", sim.Intent{WorkflowID: "invitation/1"}, false},
		{"workflow without ID", sim.Intent{Workflow: sim.WorkflowInvitation}, false},
		{"signal without ID", sim.Intent{Signal: sim.SignalInvitationRegistered}, false},
		{"both workflow and signal", sim.Intent{WorkflowID: "invitation/1", Workflow: sim.WorkflowInvitation, Signal: sim.SignalInvitationRegistered}, false},
		{"workflow", sim.Intent{WorkflowID: "invitation/1", Workflow: sim.WorkflowInvitation}, true},
		{"signal", sim.Intent{WorkflowID: "invitation/1", Signal: sim.SignalInvitationRegistered}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.i.Validate()
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}

func TestStartInvitation(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 11, 22, 9, 30, 0, 0, time.UTC)
	cases := []struct {
		name   string
		inv    sim.Invitation
		window sim.Duration
	}{
		{
			"operator, default window",
			sim.Invitation{ID: "inv-1", CandidateID: "c1", Kind: sim.InvitationByOperator, CreatedAt: created, ExpiresAt: created.Add(sim.DefaultInvitationWindow)},
			sim.Duration(30 * 24 * time.Hour),
		},
		{
			"self, short window",
			sim.Invitation{ID: "inv-2", CandidateID: "c2", Kind: sim.InvitationSelf, CreatedAt: created, ExpiresAt: created.Add(90 * time.Minute)},
			sim.Duration(90 * time.Minute),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			i := sim.StartInvitation(tc.inv)
			require.NoError(t, i.Validate())
			require.Equal(t, "invitation/"+tc.inv.ID, i.WorkflowID)
			require.Equal(t, sim.InvitationWorkflowID(tc.inv.ID), i.WorkflowID)
			require.Equal(t, sim.WorkflowInvitation, i.Workflow)
			require.Empty(t, i.Signal)
			require.Equal(t, sim.InvitationArgs{InvitationID: tc.inv.ID, Kind: tc.inv.Kind, Window: tc.window}, i.Args)
		})
	}
}

func TestSignalRegistered(t *testing.T) {
	t.Parallel()
	i := sim.SignalRegistered("inv-1")
	require.NoError(t, i.Validate())
	require.Equal(t, "invitation/inv-1", i.WorkflowID)
	require.Equal(t, sim.SignalInvitationRegistered, i.Signal)
	require.Empty(t, i.Workflow)
	require.Nil(t, i.Args)
	// The signal goes to the workflow StartInvitation started.
	require.Equal(t, sim.StartInvitation(sim.Invitation{ID: "inv-1"}).WorkflowID, i.WorkflowID)
}

func TestStartRegistrationRequest(t *testing.T) {
	t.Parallel()
	i := sim.StartRegistrationRequest("req-7")
	require.NoError(t, i.Validate())
	require.Equal(t, "registration-request/req-7", i.WorkflowID)
	require.Equal(t, sim.RegistrationRequestWorkflowID("req-7"), i.WorkflowID)
	require.Equal(t, sim.WorkflowRegistrationRequest, i.Workflow)
	require.Empty(t, i.Signal)
	require.Equal(t, sim.RegistrationRequestArgs{RequestID: "req-7"}, i.Args)
}

// null leaves a Duration as it was, as encoding/json does for its own types.
func TestDurationNull(t *testing.T) {
	t.Parallel()
	d := sim.Duration(time.Hour)
	require.NoError(t, json.Unmarshal([]byte(`null`), &d))
	require.Equal(t, sim.Duration(time.Hour), d)
}
