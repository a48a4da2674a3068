package db

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/muster-cms/muster/db/internal/dbgen"
	"github.com/muster-cms/muster/sim"
)

// Statistics: anonymous counts that survive the people they count.

// ExpiredInvitationCount returns how many invitations have expired unused,
// in all. EFORBIDDEN unless the actor is the operator or the engine.
func (tx *Tx) ExpiredInvitationCount(ctx context.Context) (int64, error) {
	if err := tx.authorize(sim.PermViewStatistics); err != nil {
		return 0, err
	}
	n, err := tx.q.ExpiredInvitationCountTotal(ctx, tx.tx)
	if err != nil {
		return 0, fmt.Errorf("count expired invitations: %w", err)
	}
	return n, nil
}

// ReportFunnel is the funnel of the people who registered in period: the
// programme's, and orgID's own when orgID is not "". The operator (and the
// engine) may ask for any organisation, and see every figure exactly. An
// organisation's user may ask for their own organisation only (another's
// is not found, as a missing one is), and sees its figures exactly and the
// programme's through sim.ReleaseFunnel: the one place that decides what
// leaves the operator. Live candidates and ghost records count alike.
func (tx *Tx) ReportFunnel(ctx context.Context, period sim.ReportPeriod, orgID string, now time.Time) (sim.FunnelReport, error) {
	if err := tx.authorize(sim.PermViewReports); err != nil {
		return sim.FunnelReport{}, err
	}
	return tx.reportFunnel(ctx, period, orgID, now, !tx.actor.Role.Staff())
}

// ReleaseFunnel is the programme's funnel as the operator releases it
// beyond the programme (an information request's answer): through
// sim.ReleaseFunnel, as an organisation sees it.
func (tx *Tx) ReleaseFunnel(ctx context.Context, period sim.ReportPeriod, now time.Time) (sim.FunnelReport, error) {
	if err := tx.authorize(sim.PermInfoRequests); err != nil {
		return sim.FunnelReport{}, err
	}
	return tx.reportFunnel(ctx, period, "", now, true)
}

func (tx *Tx) reportFunnel(ctx context.Context, period sim.ReportPeriod, orgID string, now time.Time, release bool) (sim.FunnelReport, error) {
	org, orgName, err := tx.reportOrg(ctx, orgID)
	if err != nil {
		return sim.FunnelReport{}, err
	}
	out := sim.FunnelReport{AsOf: now, Period: period, OrgID: orgID, OrgName: orgName, Released: release}
	programme, err := tx.funnelCounts(ctx, period, nil)
	if err != nil {
		return sim.FunnelReport{}, err
	}
	if !release {
		out.Programme = sim.ExactFunnel(programme)
	} else {
		out.Programme = sim.ReleaseFunnel(programme)
	}
	if org != nil {
		own, err := tx.funnelCounts(ctx, period, org)
		if err != nil {
			return sim.FunnelReport{}, err
		}
		// An organisation's funnel starts with the people who chose it.
		out.Organisation = sim.ExactFunnel(own[2:])
	}
	return out, nil
}

// funnelCounts is report_funnel's answer, checked to be every stage of
// sim.FunnelStages in order.
func (tx *Tx) funnelCounts(ctx context.Context, period sim.ReportPeriod, org *uuid.UUID) ([]sim.FunnelCount, error) {
	rows, err := tx.q.ReportFunnel(ctx, tx.tx, dbgen.ReportFunnelParams{FromMonth: period.From, ToMonth: period.To, OrgID: org})
	if err != nil {
		return nil, fmt.Errorf("count the funnel: %w", interpretError(err))
	}
	if len(rows) != len(sim.FunnelStages) {
		return nil, fmt.Errorf("count the funnel: %d stages, not %d", len(rows), len(sim.FunnelStages))
	}
	out := make([]sim.FunnelCount, len(rows))
	for i, r := range rows {
		if sim.FunnelStage(r.Stage) != sim.FunnelStages[i] {
			return nil, fmt.Errorf("count the funnel: stage %d is %q, not %q", i, r.Stage, sim.FunnelStages[i])
		}
		out[i] = sim.FunnelCount{Stage: sim.FunnelStages[i], People: r.People, MedianDays: r.MedianDays, Intervals: r.Intervals}
	}
	return out, nil
}

// ReportBreakdown is the people who registered in period by d and the
// furthest stage they reached: exact for the operator (and the engine);
// for an organisation's users, the programme's table through
// sim.ReleaseTable. By organisation, each row's label is its name.
func (tx *Tx) ReportBreakdown(ctx context.Context, period sim.ReportPeriod, d sim.BreakdownDimension, now time.Time) (sim.BreakdownReport, error) {
	if err := tx.authorize(sim.PermViewReports); err != nil {
		return sim.BreakdownReport{}, err
	}
	return tx.reportBreakdown(ctx, period, d, now, !tx.actor.Role.Staff())
}

// ReleaseBreakdown is a breakdown as the operator releases it beyond the
// programme: through sim.ReleaseTable.
func (tx *Tx) ReleaseBreakdown(ctx context.Context, period sim.ReportPeriod, d sim.BreakdownDimension, now time.Time) (sim.BreakdownReport, error) {
	if err := tx.authorize(sim.PermInfoRequests); err != nil {
		return sim.BreakdownReport{}, err
	}
	return tx.reportBreakdown(ctx, period, d, now, true)
}

func (tx *Tx) reportBreakdown(ctx context.Context, period sim.ReportPeriod, d sim.BreakdownDimension, now time.Time, release bool) (sim.BreakdownReport, error) {
	if !slices.Contains(sim.BreakdownDimensions, d) {
		return sim.BreakdownReport{}, sim.FieldError("by", "no breakdown by %q", d)
	}
	rows, err := tx.q.ReportBreakdown(ctx, tx.tx, dbgen.ReportBreakdownParams{FromMonth: period.From, ToMonth: period.To, Dimension: string(d)})
	if err != nil {
		return sim.BreakdownReport{}, fmt.Errorf("count the breakdown: %w", interpretError(err))
	}
	counts := make([]sim.BreakdownCount, len(rows))
	for i, r := range rows {
		if !slices.Contains(d.Columns(), sim.FunnelStage(r.Furthest)) {
			return sim.BreakdownReport{}, fmt.Errorf("count the breakdown: stage %q is not a column by %s", r.Furthest, d)
		}
		counts[i] = sim.BreakdownCount{Key: r.Key, Furthest: sim.FunnelStage(r.Furthest), People: r.People}
	}
	keys, cells := sim.BreakdownCells(d, counts)
	out := sim.BreakdownReport{AsOf: now, Period: period, Dimension: d, Rows: keys, Labels: slices.Clone(keys), Columns: d.Columns(), Released: release}
	if !release {
		out.Table = sim.ExactTable(cells)
	} else {
		out.Table = sim.ReleaseTable(cells)
	}
	if d == sim.ByOrganisation {
		ids := make([]uuid.UUID, len(out.Rows))
		for i, k := range out.Rows {
			if ids[i], err = uuid.Parse(k); err != nil {
				return sim.BreakdownReport{}, fmt.Errorf("count the breakdown: organisation %q", k)
			}
		}
		names, err := tx.q.OrgNamesOf(ctx, tx.tx, ids)
		if err != nil {
			return sim.BreakdownReport{}, fmt.Errorf("name organisations: %w", interpretError(err))
		}
		if len(names) != len(ids) {
			return sim.BreakdownReport{}, fmt.Errorf("name organisations: %d names for %d organisations", len(names), len(ids))
		}
		copy(out.Labels, names)
	}
	return out, nil
}

// ReportFollowUps is the follow-up of the placements whose job started in
// period: the programme's, or orgID's own. Who may ask for what, and who
// sees it exactly, as ReportFunnel: the operator everything exactly; an
// organisation's users their own exactly, the programme's through
// sim.ReleaseFollowUps, another organisation's not found.
func (tx *Tx) ReportFollowUps(ctx context.Context, period sim.ReportPeriod, orgID string, now time.Time) (sim.FollowUpReport, error) {
	if err := tx.authorize(sim.PermViewReports); err != nil {
		return sim.FollowUpReport{}, err
	}
	org, _, err := tx.reportOrg(ctx, orgID)
	if err != nil {
		return sim.FollowUpReport{}, err
	}
	rows, err := tx.q.ReportFollowUps(ctx, tx.tx, dbgen.ReportFollowUpsParams{FromMonth: period.From, ToMonth: period.To, OrgID: org})
	if err != nil {
		return sim.FollowUpReport{}, fmt.Errorf("count the follow-up: %w", interpretError(err))
	}
	counts := make([]sim.FollowUpCount, len(rows))
	for i, r := range rows {
		counts[i] = sim.FollowUpCount{Months: int(r.Months), Placed: r.Placed, InPost: r.InPost, NotInPost: r.NotInPost, NoAnswer: r.NoAnswer}
	}
	// An organisation's own figures, and everything for the operator, are
	// exact; the programme's beyond the operator are released.
	release := !tx.actor.Role.Staff() && org == nil
	out := sim.FollowUpReport{AsOf: now, Period: period, OrgID: orgID, Released: release}
	if release {
		out.Rows = sim.ReleaseFollowUps(counts)
	} else {
		out.Rows = sim.ExactFollowUps(counts)
	}
	return out, nil
}

// ProgrammeView is the operator's view of the programme (sim.ProgrammeView).
// Operator (and engine) only.
func (tx *Tx) ProgrammeView(ctx context.Context, now time.Time) (sim.ProgrammeView, error) {
	if err := tx.authorize(sim.PermViewStatistics); err != nil {
		return sim.ProgrammeView{}, err
	}
	rows, err := tx.q.ProgrammeView(ctx, tx.tx)
	if err != nil {
		return sim.ProgrammeView{}, fmt.Errorf("programme view: %w", interpretError(err))
	}
	v := sim.ProgrammeView{AsOf: now, OrganisationsBy: map[string]map[string]int64{"onboarding": {}, "agreement": {}, "organisations": {}},
		OpenDataRequests: map[sim.DataRequestState]int64{}, OpenInfoRequests: map[sim.InfoRequestState]int64{}}
	for _, r := range rows {
		switch r.Dimension {
		case "onboarding", "agreement", "organisations":
			v.OrganisationsBy[r.Dimension][r.Key] = r.N
		case "spot_checks":
			v.OpenSpotChecks = r.N
		case "moderation":
			v.OpenModeration = r.N
		case "data_requests":
			v.OpenDataRequests[sim.DataRequestState(r.Key)] = r.N
		case "info_requests":
			if r.Key == "flagged" {
				v.FlaggedInfoRequests = r.N
			} else {
				v.OpenInfoRequests[sim.InfoRequestState(r.Key)] = r.N
			}
		}
	}
	return v, nil
}

// reportOrg is the organisation a report is scoped to, and its name: nil
// for the programme's; any existing one for the operator and the engine;
// an organisation's users their own only (another's, or one that does not
// exist, is not found, as a missing one is).
func (tx *Tx) reportOrg(ctx context.Context, orgID string) (*uuid.UUID, string, error) {
	if orgID == "" {
		return nil, "", nil
	}
	id, err := uuid.Parse(orgID)
	if err != nil || !tx.actor.Role.Staff() && orgID != tx.actor.OrgID {
		return nil, "", sim.ErrNotFound
	}
	name, err := tx.q.OrgNameOf(ctx, tx.tx, id)
	if err != nil {
		return nil, "", fmt.Errorf("name organisation: %w", interpretError(err))
	}
	if name == "" {
		return nil, "", sim.ErrNotFound
	}
	return &id, name, nil
}
