package sim_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/muster-cms/muster/sim"
)

// uuids returns n version-4 UUIDs in their canonical form, the same on
// every run (a fixed seed).
func uuids(n int) []string {
	r := rand.New(rand.NewPCG(20261122, 10))
	ids := make([]string, n)
	for i := range ids {
		hi, lo := r.Uint64(), r.Uint64()
		hi = hi&^0xf000 | 0x4000     // version 4
		lo = lo&^(0xc<<60) | 0x8<<60 // RFC 4122 variant
		ids[i] = fmt.Sprintf("%08x-%04x-%04x-%04x-%012x",
			hi>>32, (hi>>16)&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
	}
	return ids
}

func uuidGen() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		hi, lo := rapid.Uint64().Draw(t, "hi"), rapid.Uint64().Draw(t, "lo")
		return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, (hi>>16)&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
	})
}

func spotProfile(c sim.Connection) sim.Profile {
	p := validProfile(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	p.Connection = c
	return p
}

func hasFlag(flags []sim.SpotCheckFlag, f sim.SpotCheckFlag) bool { return slices.Contains(flags, f) }

// asciiUpper capitalises the ASCII letters of s only: a UUID's hex digits
// may come in either case (Unicode case mapping does not round-trip for
// every letter, and an ID is not free text).
func asciiUpper(s string) string {
	return strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

// The decision is drawn from the ID alone: the same however often it is
// made, whatever else is in the profile, and the same for the ID in
// capitals (a UUID is not case-sensitive).
func TestSpotCheckSampleDeterministic(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		id := rapid.OneOf(uuidGen(), rapid.String()).Draw(t, "id")
		share := rapid.Float64Range(0, 1).Draw(t, "share")
		conn := rapid.SampledFrom(sim.Connections).Draw(t, "connection")
		p := sim.SpotCheckPolicy{Share: share}
		first := p.Sample(id, spotProfile(conn))
		require.Equal(t, first, p.Sample(id, spotProfile(conn)))
		require.Equal(t, first, p.Sample(asciiUpper(id), spotProfile(conn)))
		other := spotProfile(conn)
		other.FirstName, other.Region = "Sam", "wales"
		require.Equal(t, first, p.Sample(id, other))
		// A larger share samples everything a smaller one does.
		if hasFlag(first, sim.FlagRandomSample) {
			bigger := rapid.Float64Range(share, 1).Draw(t, "bigger share")
			require.True(t, hasFlag(sim.SpotCheckPolicy{Share: bigger}.Sample(id, spotProfile(conn)), sim.FlagRandomSample))
		}
	})
}

// Every "other family member" is flagged, whatever the share; no other
// connection is; no flag appears twice.
func TestSpotCheckFlagsOtherFamilyMember(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		id := uuidGen().Draw(t, "id")
		share := rapid.SampledFrom([]float64{0, 0.1, 0.5, 1}).Draw(t, "share")
		conn := rapid.SampledFrom(sim.Connections).Draw(t, "connection")
		flags := sim.SpotCheckPolicy{Share: share}.Sample(id, spotProfile(conn))
		require.Equal(t, conn == sim.ConnOtherFamilyMember, hasFlag(flags, sim.FlagConnectionOther), "%v", flags)
		for _, f := range flags {
			require.Contains(t, []sim.SpotCheckFlag{sim.FlagRandomSample, sim.FlagConnectionOther}, f)
		}
		require.Len(t, slices.Compact(slices.Clone(flags)), len(flags))
	})
}

func TestSpotCheckShare(t *testing.T) {
	t.Parallel()
	ids := uuids(20000)
	require.Len(t, slices.Compact(slices.Sorted(slices.Values(ids))), len(ids), "the IDs are distinct")
	vet := spotProfile(sim.ConnVeteran)
	other := spotProfile(sim.ConnOtherFamilyMember)
	sampled := 0
	for _, id := range ids {
		require.Empty(t, sim.SpotCheckPolicy{Share: 0}.Sample(id, vet), "share 0 samples none at random")
		require.Equal(t, []sim.SpotCheckFlag{sim.FlagConnectionOther}, sim.SpotCheckPolicy{Share: 0}.Sample(id, other))
		require.Equal(t, []sim.SpotCheckFlag{sim.FlagRandomSample}, sim.SpotCheckPolicy{Share: 1}.Sample(id, vet), "share 1 samples all")
		require.Equal(t, []sim.SpotCheckFlag{sim.FlagRandomSample, sim.FlagConnectionOther}, sim.SpotCheckPolicy{Share: 1}.Sample(id, other))
		flags := sim.DefaultSpotCheckPolicy.Sample(id, vet)
		if hasFlag(flags, sim.FlagRandomSample) {
			sampled++
		}
		require.Equal(t, flags, sim.DefaultSpotCheckPolicy.Sample(strings.ToUpper(id), vet))
	}
	share := float64(sampled) / float64(len(ids))
	t.Logf("default policy sampled %d of %d at random (%.4f)", sampled, len(ids), share)
	require.InDelta(t, 0.10, share, 0.01)
	require.Equal(t, 0.10, sim.DefaultSpotCheckPolicy.Share)
}

func TestSpotCheckPolicyValidate(t *testing.T) {
	t.Parallel()
	for _, share := range []float64{0, 0.1, 0.5, 1} {
		require.NoError(t, sim.SpotCheckPolicy{Share: share}.Validate(), share)
	}
	for _, share := range []float64{-0.01, 1.01, math.NaN(), math.Inf(1), math.Inf(-1)} {
		require.Error(t, sim.SpotCheckPolicy{Share: share}.Validate(), share)
	}
	require.NoError(t, sim.DefaultSpotCheckPolicy.Validate())
}

func TestDecideVerification(t *testing.T) {
	t.Parallel()
	const (
		unchecked = sim.VerificationUnchecked
		sampled   = sim.VerificationSampled
		verified  = sim.VerificationVerified
		rejected  = sim.VerificationRejected
	)
	cases := []struct {
		name    string
		from    sim.Verification
		outcome sim.Verification
		reason  string
		want    sim.Verification // when code is ""
		code    string
		field   string
	}{
		{"verify", sampled, verified, "", verified, "", ""},
		{"verify, blank reason", sampled, verified, "  \n ", verified, "", ""},
		{"verify with a reason", sampled, verified, "looks fine", "", sim.EINVALID, "reason"},
		{"reject", sampled, rejected, "no evidence of the connection", rejected, "", ""},
		{"reject, multi-line reason", sampled, rejected, "first\nsecond\tthird", rejected, "", ""},
		{"reject, reason of 500 characters", sampled, rejected, strings.Repeat("ü", 500), rejected, "", ""},
		{"reject, 500 characters padded", sampled, rejected, "  " + strings.Repeat("a", 500) + "\n", rejected, "", ""},
		{"reject, reason of 501 characters", sampled, rejected, strings.Repeat("a", 501), "", sim.EINVALID, "reason"},
		{"reject without a reason", sampled, rejected, "", "", sim.EINVALID, "reason"},
		{"reject, blank reason", sampled, rejected, " \t\n", "", sim.EINVALID, "reason"},
		{"reject, NUL in the reason", sampled, rejected, "a\x00b", "", sim.EINVALID, "reason"},
		{"reject, carriage return", sampled, rejected, "a\r\nb", "", sim.EINVALID, "reason"},
		{"reject, direction override", sampled, rejected, "a\u202eb", "", sim.EINVALID, "reason"},
		{"reject, invalid UTF-8", sampled, rejected, "a\xffb", "", sim.EINVALID, "reason"},
		{"outcome unchecked", sampled, unchecked, "", "", sim.EINVALID, "outcome"},
		{"outcome sampled", sampled, sampled, "", "", sim.EINVALID, "outcome"},
		{"outcome empty", sampled, "", "", "", sim.EINVALID, "outcome"},
		{"outcome unknown", sampled, "approved", "", "", sim.EINVALID, "outcome"},
		{"verify unchecked", unchecked, verified, "", "", sim.ECONFLICT, ""},
		{"reject unchecked", unchecked, rejected, "reason", "", sim.ECONFLICT, ""},
		{"verify again", verified, verified, "", "", sim.ECONFLICT, ""},
		{"reject verified", verified, rejected, "changed my mind", "", sim.ECONFLICT, ""},
		{"verify rejected", rejected, verified, "", "", sim.ECONFLICT, ""},
		{"reject again", rejected, rejected, "again", "", sim.ECONFLICT, ""},
		{"unknown state", "", verified, "", "", sim.ECONFLICT, ""},
		{"invalid outcome beats the state", verified, "approved", "", "", sim.EINVALID, "outcome"},
		{"invalid reason beats the state", unchecked, rejected, "", "", sim.EINVALID, "reason"},
	}
	for _, tc := range cases {
		got, err := sim.DecideVerification(tc.from, tc.outcome, tc.reason)
		if tc.code == "" {
			require.NoError(t, err, tc.name)
			require.Equal(t, tc.want, got, tc.name)
			continue
		}
		require.Equal(t, tc.code, sim.ErrorCode(err), "%s: %v", tc.name, err)
		require.Equal(t, tc.from, got, "%s: a refused decision leaves the state", tc.name)
		var e *sim.Error
		require.ErrorAs(t, err, &e, tc.name)
		require.Equal(t, tc.field, e.Field, tc.name)
		require.NotEmpty(t, e.Message, tc.name)
	}
}
