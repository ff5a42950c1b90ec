package config

import (
	"io"
	"testing"
)

// TestDefaultBaseURLFollowsTLS: without --base-url, links (mail, setup)
// use the scheme the server actually serves: with --tls-cert an http://
// link would meet a server that only speaks TLS.
func TestDefaultBaseURLFollowsTLS(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, "http://127.0.0.1:8080"},
		{[]string{"--tls-cert=c.pem", "--tls-key=k.pem"}, nil, "https://127.0.0.1:8080"},
		{[]string{"--addr=127.0.0.1:8443"}, map[string]string{"MAMORI_TLS_CERT": "c.pem", "MAMORI_TLS_KEY": "k.pem"}, "https://127.0.0.1:8443"},
		{[]string{"--tls-cert=c.pem", "--tls-key=k.pem", "--addr=mamori.example.jp:443"}, nil, "https://mamori.example.jp"},
		{[]string{"--addr=:80"}, nil, "http://localhost"},
		{[]string{"--addr=0.0.0.0:8080"}, nil, "http://localhost:8080"},
		{[]string{"--addr=[::]:8443", "--tls-cert=c.pem", "--tls-key=k.pem"}, nil, "https://localhost:8443"},
		{[]string{"--addr=[::1]:443", "--tls-cert=c.pem", "--tls-key=k.pem"}, nil, "https://[::1]"},
		// An explicit base URL wins, without its trailing slash (links
		// are BaseURL + "/path").
		{[]string{"--tls-cert=c.pem", "--tls-key=k.pem", "--base-url=http://proxy.example.jp/"}, nil, "http://proxy.example.jp"},
	}
	for _, tt := range tests {
		c, err := load(t, tt.args, tt.env)
		if err != nil {
			t.Errorf("%v %v: %v", tt.args, tt.env, err)
			continue
		}
		if c.BaseURL != tt.want {
			t.Errorf("%v %v: BaseURL = %q, want %q", tt.args, tt.env, c.BaseURL, tt.want)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%v: derived base URL does not validate: %v", tt.args, err)
		}
	}
	// Admin commands have no listener flags but write links too: they
	// follow the server's environment.
	c, _, err := Load("admin", nil, envMap(map[string]string{"MAMORI_ADDR": "0.0.0.0:8443", "MAMORI_TLS_CERT": "c.pem", "MAMORI_TLS_KEY": "k.pem"}), io.Discard, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "https://localhost:8443" {
		t.Errorf("admin command BaseURL = %q, want https://localhost:8443", c.BaseURL)
	}
}
