package config

import (
	"strings"
	"testing"
)

func TestTrustedProxies(t *testing.T) {
	c, err := load(t, nil, map[string]string{"MAMORI_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8 ::1"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range c.TrustedProxies {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "127.0.0.1/32 10.0.0.0/8 ::1/128" {
		t.Errorf("from the environment: %v", got)
	}
	c, err = load(t, []string{"--trusted-proxies=192.0.2.0/24"}, map[string]string{"MAMORI_TRUSTED_PROXIES": "127.0.0.1"})
	if err != nil || len(c.TrustedProxies) != 1 || c.TrustedProxies[0].String() != "192.0.2.0/24" {
		t.Errorf("flag over environment: %v %v", c.TrustedProxies, err)
	}
	c, err = load(t, nil, nil)
	if err != nil || len(c.TrustedProxies) != 0 {
		t.Errorf("default trusts a proxy: %v %v", c.TrustedProxies, err)
	}
	for _, bad := range []string{"0.0.0.0/0", "::/0", "proxy.local", "10.0.0.0/33", "fe80::1%eth0"} {
		if _, err := load(t, nil, map[string]string{"MAMORI_TRUSTED_PROXIES": bad}); err == nil {
			t.Errorf("MAMORI_TRUSTED_PROXIES=%s accepted", bad)
		}
		if _, err := load(t, []string{"--trusted-proxies=" + bad}, nil); err == nil {
			t.Errorf("--trusted-proxies=%s accepted", bad)
		}
	}
}
