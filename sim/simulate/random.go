package simulate

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"time"
)

// Streams: each organisation and each candidate draws from its own PCG
// stream, seeded from (Seed, domain, index), so that one can be generated
// without the others.
const (
	domainOrg       uint64 = 1
	domainCandidate uint64 = 2
)

// seedStream points src at the stream of item i of domain under seed.
// mix is a bijection, so distinct indexes give distinct PCG states.
func seedStream(src *rand.PCG, seed, domain uint64, i int) {
	hi := mix(seed ^ mix(domain))
	src.Seed(hi, mix(hi^uint64(i)))
}

// mix is SplitMix64's finaliser: it spreads nearby inputs (seeds 1, 2, 3;
// indexes i, i+1) far apart, so neighbouring streams are unrelated.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// newID draws a UUID-shaped ID (version 4, RFC 9562 variant) from r.
func newID(r *rand.Rand) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], r.Uint64())
	binary.BigEndian.PutUint64(b[8:], r.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:])
}

// choice is one row of a weighted table.
type choice[T any] struct {
	value  T
	weight int
}

// table draws values in proportion to their weights.
type table[T any] struct {
	choices []choice[T]
	total   int
}

func newTable[T any](choices ...choice[T]) table[T] {
	t := table[T]{choices: choices}
	for _, c := range choices {
		if c.weight < 0 {
			panic("simulate: negative weight")
		}
		t.total += c.weight
	}
	if t.total == 0 {
		panic("simulate: empty table")
	}
	return t
}

func (t table[T]) pick(r *rand.Rand) T {
	x := r.IntN(t.total)
	for _, c := range t.choices {
		if x < c.weight {
			return c.value
		}
		x -= c.weight
	}
	panic("unreachable")
}

// one draws uniformly from a list.
func one[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// spread places up to n moments after start and no later than end, in
// order and at least minGap apart, with gaps drawn around minGap+mean
// (exponentially, as waits for a reply are) and squeezed to fit the
// window. It returns fewer than n moments when the window cannot hold n
// gaps of minGap: the journey had no time to go further.
func spread(r *rand.Rand, start, end time.Time, n int, minGap, mean time.Duration) []time.Time {
	window := int64(end.Sub(start) / time.Second)
	gapMin := int64(minGap / time.Second)
	if fits := window / gapMin; int64(n) > fits {
		n = int(fits)
	}
	if n <= 0 {
		return nil
	}
	extras := make([]float64, n)
	var sum float64
	for i := range extras {
		extras[i] = r.ExpFloat64() * mean.Seconds()
		sum += extras[i]
	}
	scale := 1.0
	if room := float64(window - int64(n)*gapMin); sum > room {
		scale = room / sum
	}
	times := make([]time.Time, n)
	at := start
	for i, e := range extras {
		at = at.Add(time.Duration(gapMin+int64(e*scale)) * time.Second)
		times[i] = at
	}
	return times
}

// date is t's calendar date, at midnight UTC.
func date(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
