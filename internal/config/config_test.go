package config

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// envMap turns a map into the env lookup Load takes, so no test reads or
// changes the real process environment.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func load(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	c, _, err := Load("serve", args, envMap(env), io.Discard, false)
	return c, err
}

func problems(t *testing.T, err error) []string {
	t.Helper()
	var fe *FlagError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FlagError", err, err)
	}
	return fe.Problems
}

func TestDefaultsValidate(t *testing.T) {
	c, err := load(t, nil, nil)
	if err != nil {
		t.Fatalf("defaults with no flags and no env: %v", err)
	}
	if c.BaseURL != "http://127.0.0.1:8080" {
		t.Errorf("BaseURL = %q, want it derived from Addr", c.BaseURL)
	}
	d := Default()
	d.BaseURL = "http://127.0.0.1:8080"
	if err := d.Validate(); err != nil {
		t.Errorf("Default() with a base URL: %v", err)
	}
	if c.Secure() {
		t.Error("defaults must not be Secure")
	}
	// The store-only subset (admin commands) loads too.
	if _, _, err := Load("admin", nil, envMap(nil), io.Discard, true); err != nil {
		t.Errorf("store-only defaults: %v", err)
	}
}

func TestBadValues(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // substring of the single problem reported
	}{
		{"addr without port", []string{"--addr=localhost"}, nil, `addr "localhost"`},
		{"base-url relative", []string{"--base-url=/mamori"}, nil, `base-url "/mamori"`},
		{"base-url ftp", []string{"--base-url=ftp://example.jp"}, nil, `base-url "ftp://example.jp"`},
		{"base-url no host", []string{"--base-url=https://"}, nil, `base-url "https://"`},
		{"database-url scheme", []string{"--database-url=mysql://u@h/db"}, nil, "database-url"},
		{"database-url env scheme", nil, map[string]string{"MAMORI_DATABASE_URL": "sqlite:///x.db"}, "database-url"},
		{"log-format", []string{"--log-format=xml"}, nil, `log-format "xml"`},
		{"log-level", []string{"--log-level=verbose"}, nil, `log-level "verbose"`},
		{"smtp-url scheme", []string{"--smtp-url=http://mail.example.jp"}, nil, "smtp-url"},
		{"smtp-url no host", []string{"--smtp-url=smtp://:25"}, nil, "smtp-url"},
		{"tls cert without key", []string{"--tls-cert=cert.pem"}, nil, "tls-cert and tls-key"},
		{"tls key without cert", nil, map[string]string{"MAMORI_TLS_KEY": "key.pem"}, "tls-cert and tls-key"},
		{"session-idle > ttl", []string{"--session-ttl=1h", "--session-idle=2h"}, nil, "session-idle"},
		{"session-ttl too short", []string{"--session-ttl=30s", "--session-idle=1m", "--login-window=1m"}, nil, "session-ttl: must be at least 1m"},
		{"max-body-bytes flag", []string{"--max-body-bytes=100"}, nil, "max-body-bytes"},
		{"max-body-bytes env", nil, map[string]string{"MAMORI_MAX_BODY_BYTES": "1MB"}, "MAMORI_MAX_BODY_BYTES"},
		{"session ttl env", nil, map[string]string{"MAMORI_SESSION_TTL": "7days"}, "MAMORI_SESSION_TTL"},
		{"signup env", nil, map[string]string{"MAMORI_SIGNUP_OPEN": "maybe"}, "MAMORI_SIGNUP_OPEN"},
		{"login-max-failures", []string{"--login-max-failures=0"}, nil, "login-max-failures"},
		{"login-window", []string{"--login-window=10s"}, nil, "login-window"},
		{"shutdown-timeout", []string{"--shutdown-timeout=0s"}, nil, "shutdown-timeout"},
		{"data-dir empty", []string{"--data-dir= "}, nil, "data-dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.args, tt.env)
			ps := problems(t, err)
			// A too-short TTL also makes the default idle time too long;
			// every other bad value must be reported exactly once.
			if len(ps) != 1 && !strings.HasPrefix(tt.want, "session-ttl") {
				t.Fatalf("problems = %q, want exactly one", ps)
			}
			if !strings.Contains(ps[0], tt.want) {
				t.Errorf("problem %q does not name %q", ps[0], tt.want)
			}
			if !strings.Contains(err.Error(), ps[0]) {
				t.Errorf("Error() %q leaves out %q", err.Error(), ps[0])
			}
		})
	}
}

func TestAllProblemsReportedTogether(t *testing.T) {
	args := []string{"--addr=nope", "--log-format=xml", "--log-level=loud", "--smtp-url=ftp://x", "--tls-cert=c.pem",
		"--database-url=mysql://x", "--max-body-bytes=1"}
	env := map[string]string{"MAMORI_SESSION_TTL": "forever", "MAMORI_SIGNUP_OPEN": "perhaps"}
	_, err := load(t, args, env)
	ps := problems(t, err)
	want := []string{"MAMORI_SESSION_TTL", "MAMORI_SIGNUP_OPEN", `addr "nope"`, "database-url", "log-format", "log-level",
		"smtp-url", "tls-cert", "max-body-bytes"}
	if len(ps) != len(want) {
		t.Errorf("got %d problems %q, want %d", len(ps), ps, len(want))
	}
	all := strings.Join(ps, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("problems %q do not mention %q", ps, w)
		}
	}
}

func TestPrecedence(t *testing.T) {
	env := map[string]string{
		"MAMORI_ADDR":               "0.0.0.0:9000",
		"MAMORI_LOG_LEVEL":          "debug",
		"MAMORI_SESSION_TTL":        "48h",
		"MAMORI_SESSION_IDLE":       "2h",
		"MAMORI_SIGNUP_OPEN":        "false",
		"MAMORI_MAX_BODY_BYTES":     "4096",
		"MAMORI_LOGIN_MAX_FAILURES": "9",
		"MAMORI_DATA_DIR":           "/var/lib/mamori",
	}
	t.Run("env over defaults", func(t *testing.T) {
		c, err := load(t, nil, env)
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != "0.0.0.0:9000" || c.LogLevel != "debug" || c.SessionTTL != 48*time.Hour || c.SessionIdle != 2*time.Hour ||
			c.SignupOpen || c.MaxBodyBytes != 4096 || c.LoginMaxFailures != 9 || c.DataDir != "/var/lib/mamori" {
			t.Errorf("env not applied: %+v", c)
		}
		if c.BaseURL != "http://localhost:9000" {
			t.Errorf("BaseURL = %q, want derived from env addr (a wildcard host as localhost)", c.BaseURL)
		}
		if c.LogFormat != "text" {
			t.Errorf("LogFormat = %q, want default text", c.LogFormat)
		}
	})
	t.Run("flags over env", func(t *testing.T) {
		args := []string{"--addr=127.0.0.1:7000", "--log-level=warn", "--session-ttl=24h", "--session-idle=1h",
			"--signup-open=true", "--max-body-bytes=2048", "--login-max-failures=3", "--data-dir=/tmp/m", "rest", "args"}
		c, rest, err := Load("serve", args, envMap(env), io.Discard, false)
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != "127.0.0.1:7000" || c.LogLevel != "warn" || c.SessionTTL != 24*time.Hour || c.SessionIdle != time.Hour ||
			!c.SignupOpen || c.MaxBodyBytes != 2048 || c.LoginMaxFailures != 3 || c.DataDir != "/tmp/m" {
			t.Errorf("flags not applied: %+v", c)
		}
		if strings.Join(rest, " ") != "rest args" {
			t.Errorf("remaining args = %q", rest)
		}
	})
	t.Run("unparsable env overridden by flag still reported", func(t *testing.T) {
		// An operator learns about a broken variable even when a flag hides it.
		_, err := load(t, []string{"--session-ttl=24h"}, map[string]string{"MAMORI_SESSION_TTL": "x"})
		if ps := problems(t, err); len(ps) != 1 || !strings.Contains(ps[0], "MAMORI_SESSION_TTL") {
			t.Errorf("problems = %q", ps)
		}
	})
}

func TestHelpAndUnknownFlag(t *testing.T) {
	_, _, err := Load("serve", []string{"-h"}, envMap(nil), io.Discard, false)
	if !IsHelp(err) {
		t.Errorf("-h: err = %v, want help", err)
	}
	_, _, err = Load("serve", []string{"--no-such-flag"}, envMap(nil), io.Discard, false)
	if err == nil || IsHelp(err) {
		t.Errorf("unknown flag: err = %v", err)
	}
	// Server-only flags are not accepted by store-only commands.
	if _, _, err := Load("admin", []string{"--addr=127.0.0.1:1"}, envMap(nil), io.Discard, true); err == nil {
		t.Error("store-only Load accepted --addr")
	}
}

func TestSecure(t *testing.T) {
	tests := []struct {
		c    Config
		want bool
	}{
		{Config{BaseURL: "http://example.jp"}, false},
		{Config{BaseURL: "https://example.jp"}, true},
		{Config{BaseURL: "http://example.jp", TLSCert: "c.pem", TLSKey: "k.pem"}, true},
		{Config{BaseURL: "httpsx://example.jp"}, false},
		{Config{}, false},
	}
	for _, tt := range tests {
		if got := tt.c.Secure(); got != tt.want {
			t.Errorf("Secure(%q, cert %q) = %v, want %v", tt.c.BaseURL, tt.c.TLSCert, got, tt.want)
		}
	}
}

func TestDecodeKey(t *testing.T) {
	for s, ok := range map[string]bool{
		strings.Repeat("0f", 32):                       true,
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=": true,
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8":  true,
		" " + strings.Repeat("0f", 32) + "\n":          true,
		strings.Repeat("0f", 31):                       false,
		"secret":                                       false,
		"":                                             false,
	} {
		if _, err := DecodeKey(s); (err == nil) != ok {
			t.Errorf("DecodeKey(%q): %v", s, err)
		}
	}
}

// TestMetricsSettings: the unauthenticated metrics listener is refused
// anywhere but loopback, and the scrape token comes from the environment
// only and must be long and header-safe.
func TestMetricsSettings(t *testing.T) {
	tok := strings.Repeat("k", MinMetricsTokenLen)
	c, err := load(t, []string{"--metrics-addr", "127.0.0.1:9090"}, map[string]string{"MAMORI_METRICS_TOKEN": tok})
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr != "127.0.0.1:9090" || c.MetricsToken != tok {
		t.Fatalf("got addr %q token %q", c.MetricsAddr, c.MetricsToken)
	}
	for _, addr := range []string{"[::1]:9090", "localhost:9090", "127.0.0.2:9090"} {
		if _, err := load(t, nil, map[string]string{"MAMORI_METRICS_ADDR": addr}); err != nil {
			t.Errorf("%s refused: %v", addr, err)
		}
	}
	for _, addr := range []string{":9090", "0.0.0.0:9090", "[::]:9090", "192.0.2.1:9090", "example.jp:9090", "127.0.0.1"} {
		_, err := load(t, []string{"--metrics-addr", addr}, nil)
		if err == nil || !strings.Contains(problems(t, err)[0], "metrics-addr") {
			t.Errorf("%s: %v, want metrics-addr refused", addr, err)
		}
	}
	for _, bad := range []string{"short", strings.Repeat("k", MinMetricsTokenLen-1), strings.Repeat("k", 40) + " x", strings.Repeat("k", 40) + "\x00", strings.Repeat("k", 40) + "é"} {
		_, err := load(t, nil, map[string]string{"MAMORI_METRICS_TOKEN": bad})
		if err == nil || !strings.Contains(problems(t, err)[0], "MAMORI_METRICS_TOKEN") {
			t.Errorf("token %q: %v, want it refused", bad, err)
		}
	}
	// No flag can carry the token (it would show in process listings).
	if _, err := load(t, []string{"--metrics-token", tok}, nil); err == nil {
		t.Error("a --metrics-token flag was accepted")
	}
}
