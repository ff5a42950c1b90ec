package web

import (
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:f::/48")}
	for _, c := range []struct {
		name, peer string
		xff        []string
		trusted    []netip.Prefix
		want       string
	}{
		{"no trusted proxies: the header is ignored", "127.0.0.1", []string{"203.0.113.7"}, nil, "127.0.0.1"},
		{"peer not a proxy: its header is ignored", "198.51.100.1", []string{"203.0.113.7"}, proxies, "198.51.100.1"},
		{"through the proxy", "127.0.0.1", []string{"203.0.113.7"}, proxies, "203.0.113.7"},
		{"a client's own entry to the left is not believed", "127.0.0.1", []string{"192.0.2.66, 203.0.113.7"}, proxies, "203.0.113.7"},
		{"two trusted hops", "127.0.0.1", []string{"203.0.113.7, 10.1.2.3"}, proxies, "203.0.113.7"},
		{"several header lines read as one list", "127.0.0.1", []string{"192.0.2.66", "203.0.113.7,10.1.2.3"}, proxies, "203.0.113.7"},
		{"every hop trusted: the leftmost", "127.0.0.1", []string{"10.9.9.9, 10.1.2.3"}, proxies, "10.9.9.9"},
		{"junk from the client stops the walk at the hop after it", "127.0.0.1", []string{"not-an-ip, 10.1.2.3"}, proxies, "10.1.2.3"},
		{"junk right at the proxy: the proxy", "127.0.0.1", []string{"unknown"}, proxies, "127.0.0.1"},
		{"no header: the proxy", "127.0.0.1", nil, proxies, "127.0.0.1"},
		{"with a port", "127.0.0.1", []string{"203.0.113.7:4711"}, proxies, "203.0.113.7"},
		{"IPv6 with a port", "127.0.0.1", []string{"[2001:db8:1::5]:4711"}, proxies, "2001:db8:1::5"},
		{"IPv6 proxy", "2001:db8:f::1", []string{"2001:db8:1::5"}, proxies, "2001:db8:1::5"},
		{"IPv4-mapped peer", "::ffff:127.0.0.1", []string{"203.0.113.7"}, proxies, "203.0.113.7"},
	} {
		got := ClientAddr(netip.MustParseAddr(c.peer), c.xff, c.trusted)
		if got.String() != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func FuzzClientAddr(f *testing.F) {
	f.Add("203.0.113.7, 10.1.2.3")
	f.Add("[2001:db8::1]:80,unknown, ,")
	proxies := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}
	peer := netip.MustParseAddr("127.0.0.1")
	f.Fuzz(func(t *testing.T, xff string) {
		got := ClientAddr(peer, []string{xff}, proxies)
		// The answer is always a real address: the peer or one read from
		// the header.
		if !got.IsValid() {
			t.Fatalf("%q: invalid address", xff)
		}
	})
}
