package httpapi

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClientIP(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	cases := []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxies: the header is ignored", "203.0.113.5:4000", []string{"198.51.100.1"}, nil, "203.0.113.5"},
		{"an untrusted peer cannot claim an address", "203.0.113.5:4000", []string{"198.51.100.1"}, proxies, "203.0.113.5"},
		{"one trusted proxy", "10.1.2.3:4000", []string{"198.51.100.1"}, proxies, "198.51.100.1"},
		{"a forged left-most entry is passed over", "10.1.2.3:4000", []string{"1.2.3.4, 198.51.100.1"}, proxies, "198.51.100.1"},
		{"a chain of trusted proxies", "10.1.2.3:4000", []string{"198.51.100.1, 10.9.9.9", "10.8.8.8"}, proxies, "198.51.100.1"},
		{"trusted peer without the header", "10.1.2.3:4000", nil, proxies, "10.1.2.3"},
		{"garbage stops the walk", "10.1.2.3:4000", []string{"198.51.100.1, not-an-ip, 10.9.9.9"}, proxies, "10.9.9.9"},
		{"IPv6 proxy, IPv4-mapped client", "[::1]:4000", []string{"::ffff:198.51.100.2"}, proxies, "198.51.100.2"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		assert.Equal(t, c.want, clientIP(r, c.trusted), c.name)
	}
}
