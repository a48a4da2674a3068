package simulate

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/muster-cms/muster/sim"
)

// organisations generates n organisations of users users each, as of now.
// Names are made unique by numbering repeats, so organisation j depends on
// the names before it: generate them all together.
func organisations(seed uint64, n, users int, now time.Time) []Org {
	orgs := make([]Org, n)
	seen := make(map[string]int, n)
	var src rand.PCG
	r := rand.New(&src)
	for j := range orgs {
		seedStream(&src, seed, domainOrg, j)
		orgs[j] = newOrg(r, j, users, now)
		name := orgs[j].Details.Name
		seen[name]++
		if k := seen[name]; k > 1 {
			orgs[j].Details.Name = name + " (" + strconv.Itoa(k) + ")"
		}
	}
	return orgs
}

func newOrg(r *rand.Rand, j, users int, now time.Time) Org {
	region := orgRegions.pick(r)
	typ, name := orgName(r, region, one(r, places[region]))
	o := Org{
		ID: newID(r),
		Details: sim.OrgDetails{
			Name:     name,
			Type:     typ,
			Region:   region,
			PledgeOn: pledgeOn(r, now),
			Active:   !chance(r, 0.05), // a few have left the programme, keeping their history
		},
		Users: make([]OrgUser, users),
	}
	for k := range o.Users {
		role := sim.RoleOrgUser
		if k == 0 {
			role = sim.RoleOrgAdmin
		}
		o.Users[k] = OrgUser{
			ID:    newID(r),
			Name:  one(r, firstNames) + " " + one(r, lastNames),
			Email: fmt.Sprintf("org-%d-user-%d@example.test", j, k),
			Role:  role,
		}
	}
	return o
}

// orgName names an organisation after place, as the bodies of its nation
// are named: health boards in Scotland and Wales, health and social care
// trusts in Northern Ireland, trusts and integrated care boards in
// England.
func orgName(r *rand.Rand, region sim.Region, place string) (sim.OrgType, string) {
	switch region {
	case "scotland":
		return "health_board", "NHS " + place
	case "wales":
		return "health_board", place + " University Health Board"
	case "northern_ireland":
		return "trust", place + " Health and Social Care Trust"
	}
	switch x := r.IntN(100); {
	case x < 75:
		return "trust", fmt.Sprintf(one(r, englishTrustNames), place)
	case x < 90:
		return "integrated_care_board", "NHS " + place + " Integrated Care Board"
	default:
		return "other", place + " GP Federation"
	}
}

// pledgeOn is a date three to six years before now, when the programme
// was being set up, and never before 2000 (see sim.OrgDetails.Validate).
func pledgeOn(r *rand.Rand, now time.Time) time.Time {
	d := date(now.AddDate(-3, 0, -r.IntN(3*365)))
	if floor := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC); d.Before(floor) {
		if now.Before(floor) {
			return time.Time{}
		}
		return floor
	}
	return d
}
