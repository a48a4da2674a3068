package httpapi

import (
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/muster-cms/muster/sim"
)

// perNetwork is a token bucket for each client network, held in memory:
// a limit per API process. Buckets idle for longer than it takes them to
// refill are dropped, so memory stays bounded by recent callers.
type perNetwork struct {
	mu      sync.Mutex
	every   time.Duration // one token per every
	burst   int
	buckets map[string]*bucket
	swept   time.Time
	message string
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

func newPerNetwork(perHour int, message string) *perNetwork {
	return &perNetwork{
		every:   time.Hour / time.Duration(perHour),
		burst:   perHour,
		buckets: map[string]*bucket{},
		message: message,
	}
}

// allow takes a token for addr at now, or returns an ETHROTTLED error
// saying how long to wait.
func (p *perNetwork) allow(addr string, now time.Time) error {
	addr = network(addr)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweep(now)
	b := p.buckets[addr]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Every(p.every), p.burst)}
		p.buckets[addr] = b
	}
	b.last = now
	r := b.lim.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	if wait == 0 {
		return nil
	}
	r.CancelAt(now) // a refused request does not use up a token
	return sim.Throttled(p.message, wait)
}

// network is the unit a limit applies to: the client's network as sign-in
// counts it (sim.ClientNetwork: an IPv4 /24, an IPv6 /64), since one
// caller commonly holds a whole one, so counting single addresses would
// let them step around the limit.
func network(addr string) string { return sim.ClientNetwork(addr) }

// sweep drops full buckets at most once a minute.
func (p *perNetwork) sweep(now time.Time) {
	if now.Sub(p.swept) < time.Minute {
		return
	}
	p.swept = now
	full := time.Duration(p.burst) * p.every
	for k, b := range p.buckets {
		if now.Sub(b.last) > full {
			delete(p.buckets, k)
		}
	}
}
