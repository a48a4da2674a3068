package httpapi

import (
	"context"
	"time"

	"github.com/muster-cms/muster/db"
	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/sim"
)

// The retention schedule, in whole days: how long each category is kept,
// which the operator may change and within what limits.

const day = 24 * time.Hour

// floorDays and ceilDays are a period in whole days: what it allows
// rounded in, so a limit in days is one that may be set.
func floorDays(d time.Duration) int { return int(d / day) }
func ceilDays(d time.Duration) int  { return int((d + day - 1) / day) }

func retentionRuleOut(r sim.RetentionRule) api.RetentionRule {
	out := api.RetentionRule{
		Category: api.RetentionCategory(r.Category), Action: api.RetentionRuleAction(r.Action), Description: r.Describe(),
	}
	if r.Keep > 0 {
		keep := floorDays(r.Keep)
		out.KeepDays = &keep
	}
	if r.OrgVisible > 0 {
		visible := floorDays(r.OrgVisible)
		out.OrgVisibleDays = &visible
	}
	if b, ok := sim.RetentionBounds[r.Category]; ok {
		out.Changeable = true
		limits := api.RetentionLimits{KeepDaysMin: ceilDays(b.Min), KeepDaysMax: floorDays(b.Max)}
		if r.Category == sim.RetainCandidateRecord {
			lo, hi := ceilDays(sim.OrgVisibleBound.Min), floorDays(sim.OrgVisibleBound.Max)
			limits.OrgVisibleDaysMin, limits.OrgVisibleDaysMax = &lo, &hi
		}
		out.Limits = &limits
	}
	return out
}

// GetRetentionSchedule returns the schedule in force.
func (s *server) GetRetentionSchedule(ctx context.Context, _ api.GetRetentionScheduleRequestObject) (api.GetRetentionScheduleResponseObject, error) {
	schedule, err := within(s, ctx, func(tx *db.Tx) (sim.RetentionSchedule, error) { return tx.RetentionSchedule(ctx) })
	if err != nil {
		return nil, err
	}
	out := api.GetRetentionSchedule200JSONResponse{Rules: make([]api.RetentionRule, len(schedule))}
	for i, r := range schedule {
		out.Rules[i] = retentionRuleOut(r)
	}
	return out, nil
}

// SetRetentionRule changes one category's periods.
func (s *server) SetRetentionRule(ctx context.Context, req api.SetRetentionRuleRequestObject) (api.SetRetentionRuleResponseObject, error) {
	r := sim.RetentionRule{
		Category: sim.RetentionCategory(req.Category), Keep: time.Duration(req.Body.KeepDays) * day,
		OrgVisible: time.Duration(deref(req.Body.OrgVisibleDays)) * day, // the document bounds both: no overflow
	}
	rule, err := within(s, ctx, func(tx *db.Tx) (sim.RetentionRule, error) { return tx.RetentionRuleSet(ctx, r, s.cfg.Now()) })
	if err != nil {
		return nil, err
	}
	return api.SetRetentionRule200JSONResponse(retentionRuleOut(rule)), nil
}
