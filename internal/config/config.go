// Package config gathers every setting of mamori into one struct, read from
// flags and MAMORI_* environment variables, so that wiring code receives
// configuration explicitly and nothing reads the environment behind its back.
package config

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is the whole runtime configuration. Zero values are never used
// directly: Load fills defaults, Validate checks them.
type Config struct {
	Addr        string // listen address
	BaseURL     string // public URL used in mails and setup links
	DataDir     string // SQLite database, keys and uploads live here
	DatabaseURL string // postgres://… selects PostgreSQL; empty selects SQLite in DataDir

	LogFormat string // text | json
	LogLevel  string // debug | info | warn | error

	SMTPURL  string // smtp://user:pass@host:port; empty keeps mail in the outbox
	MailFrom string

	TLSCert string
	TLSKey  string

	// DebugAddr, when set, serves Go's profiler (net/http/pprof) on its own
	// listener, which must be a loopback address.
	DebugAddr string

	// MetricsAddr, when set, serves /metrics without authentication on its
	// own listener, which must be a loopback address: the scraper on the
	// same machine (or a sidecar) reaches it, the Internet cannot.
	MetricsAddr string
	// MetricsToken, when set, lets a scraper read /metrics on the main
	// listener with "Authorization: Bearer <token>". Taken from the
	// environment only (MAMORI_METRICS_TOKEN), like SecretKey, so it does
	// not show in process listings. Without it, only a logged-in operator
	// administrator reads /metrics there.
	MetricsToken string

	// TrustedProxies are the reverse proxies in front of mamori whose
	// X-Forwarded-For is believed for who the client is (per-address
	// login limits, audit, sessions). Empty: the peer address is the
	// client, whatever headers say.
	TrustedProxies []netip.Prefix

	SessionTTL      time.Duration
	SessionIdle     time.Duration
	MaxBodyBytes    int64
	ShutdownTimeout time.Duration
	SignupOpen      bool

	// LoginMaxFailures failed logins per account inside LoginWindow lock that
	// account's password login until the window has passed.
	LoginMaxFailures int
	LoginWindow      time.Duration

	// DiagnosisWindow is how recent a saved self-diagnosis must be for a
	// two-star declaration.
	DiagnosisWindow time.Duration

	// SecretKey is the master key (32 bytes, hex or base64) that encrypts
	// reported mail at rest and keys recipient pseudonyms. Taken from the
	// environment only (MAMORI_SECRET_KEY), never a flag, so it does not
	// show in process listings; when empty, <DataDir>/keys/secret.key is
	// used, created at first need.
	SecretKey string
}

// Default returns the settings a newcomer gets with no flags at all.
func Default() Config {
	return Config{
		Addr:             "127.0.0.1:8080",
		DataDir:          "./mamori-data",
		LogFormat:        "text",
		LogLevel:         "info",
		MailFrom:         "mamori <no-reply@localhost>",
		SessionTTL:       7 * 24 * time.Hour,
		SessionIdle:      12 * time.Hour,
		MaxBodyBytes:     1 << 20,
		ShutdownTimeout:  15 * time.Second,
		SignupOpen:       true,
		LoginMaxFailures: 5,
		LoginWindow:      15 * time.Minute,
		DiagnosisWindow:  365 * 24 * time.Hour,
	}
}

// FlagError reports every bad setting at once so an operator fixes them in
// one go rather than one restart per mistake.
type FlagError struct{ Problems []string }

func (e *FlagError) Error() string {
	return "invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// Database selects the settings that point at the data store; admin commands
// take only these, so they run against the same store as a running server.
func (c *Config) registerStore(fs *flag.FlagSet, env func(string) string) {
	fs.StringVar(&c.DataDir, "data-dir", envOr(env, "MAMORI_DATA_DIR", c.DataDir), "data directory (SQLite database, keys) [MAMORI_DATA_DIR]")
	fs.StringVar(&c.DatabaseURL, "database-url", envOr(env, "MAMORI_DATABASE_URL", c.DatabaseURL), "postgres://… to use PostgreSQL instead of SQLite [MAMORI_DATABASE_URL]")
	fs.StringVar(&c.LogFormat, "log-format", envOr(env, "MAMORI_LOG_FORMAT", c.LogFormat), "log format: text or json [MAMORI_LOG_FORMAT]")
	fs.StringVar(&c.LogLevel, "log-level", envOr(env, "MAMORI_LOG_LEVEL", c.LogLevel), "log level: debug, info, warn, error [MAMORI_LOG_LEVEL]")
	fs.StringVar(&c.BaseURL, "base-url", envOr(env, "MAMORI_BASE_URL", c.BaseURL), "public base URL used in links [MAMORI_BASE_URL]")
	fs.StringVar(&c.SMTPURL, "smtp-url", envOr(env, "MAMORI_SMTP_URL", c.SMTPURL), "smtp://user:pass@host:port; empty keeps mail in the outbox [MAMORI_SMTP_URL]")
	fs.StringVar(&c.MailFrom, "mail-from", envOr(env, "MAMORI_MAIL_FROM", c.MailFrom), "sender address of outgoing mail [MAMORI_MAIL_FROM]")
}

// Load parses the flags of one command on top of defaults and environment.
// Flags win over environment variables, which win over defaults. The bool
// reports whether the store-only subset was registered (admin commands).
func Load(name string, args []string, env func(string) string, out io.Writer, storeOnly bool) (Config, []string, error) {
	c := Default()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	c.registerStore(fs, env)
	var problems []string
	durationVar := func(p *time.Duration, flagName, envName, usage string) {
		if v := env(envName); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s=%q: not a duration (examples: 90m, 12h)", envName, v))
			} else {
				*p = d
			}
		}
		fs.DurationVar(p, flagName, *p, usage+" ["+envName+"]")
	}
	if !storeOnly {
		fs.StringVar(&c.Addr, "addr", envOr(env, "MAMORI_ADDR", c.Addr), "listen address [MAMORI_ADDR]")
		fs.StringVar(&c.TLSCert, "tls-cert", envOr(env, "MAMORI_TLS_CERT", c.TLSCert), "TLS certificate file; with --tls-key serves HTTPS [MAMORI_TLS_CERT]")
		fs.StringVar(&c.DebugAddr, "debug-addr", envOr(env, "MAMORI_DEBUG_ADDR", c.DebugAddr), "loopback address for the Go profiler, e.g. 127.0.0.1:6060 [MAMORI_DEBUG_ADDR]")
		fs.StringVar(&c.MetricsAddr, "metrics-addr", envOr(env, "MAMORI_METRICS_ADDR", c.MetricsAddr), "loopback address serving /metrics without authentication, e.g. 127.0.0.1:9090 [MAMORI_METRICS_ADDR]")
		if v := env("MAMORI_TRUSTED_PROXIES"); v != "" {
			if p, err := ParseProxies(v); err != nil {
				problems = append(problems, "MAMORI_TRUSTED_PROXIES: "+err.Error())
			} else {
				c.TrustedProxies = p
			}
		}
		fs.Func("trusted-proxies", "reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For names the client [MAMORI_TRUSTED_PROXIES]", func(v string) error {
			p, err := ParseProxies(v)
			if err == nil {
				c.TrustedProxies = p
			}
			return err
		})
		fs.StringVar(&c.TLSKey, "tls-key", envOr(env, "MAMORI_TLS_KEY", c.TLSKey), "TLS key file [MAMORI_TLS_KEY]")
		durationVar(&c.SessionTTL, "session-ttl", "MAMORI_SESSION_TTL", "longest life of a login session")
		durationVar(&c.SessionIdle, "session-idle", "MAMORI_SESSION_IDLE", "a session unused this long expires")
		durationVar(&c.ShutdownTimeout, "shutdown-timeout", "MAMORI_SHUTDOWN_TIMEOUT", "time given to in-flight requests at shutdown")
		durationVar(&c.LoginWindow, "login-window", "MAMORI_LOGIN_WINDOW", "window for counting failed logins")
		durationVar(&c.DiagnosisWindow, "diagnosis-window", "MAMORI_DIAGNOSIS_WINDOW", "how recent a self-diagnosis must be for two stars (e.g. 8760h)")
		intEnv := func(p *int, flagName, envName, usage string) {
			if v := env(envName); v != "" {
				n, err := strconv.Atoi(v)
				if err != nil {
					problems = append(problems, fmt.Sprintf("%s=%q: not a whole number", envName, v))
				} else {
					*p = n
				}
			}
			fs.IntVar(p, flagName, *p, usage+" ["+envName+"]")
		}
		intEnv(&c.LoginMaxFailures, "login-max-failures", "MAMORI_LOGIN_MAX_FAILURES", "failed logins per account before a temporary lock")
		mb := int(c.MaxBodyBytes)
		intEnv(&mb, "max-body-bytes", "MAMORI_MAX_BODY_BYTES", "largest accepted request body")
		signup := c.SignupOpen
		if v := env("MAMORI_SIGNUP_OPEN"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				problems = append(problems, fmt.Sprintf("MAMORI_SIGNUP_OPEN=%q: use true or false", v))
			} else {
				signup = b
			}
		}
		fs.BoolVar(&c.SignupOpen, "signup-open", signup, "allow anyone to create an account [MAMORI_SIGNUP_OPEN]")
		if err := fs.Parse(args); err != nil {
			return c, nil, err
		}
		c.MaxBodyBytes = int64(mb)
	} else if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	if c.BaseURL == "" {
		addr, tls := c.Addr, c.TLSCert != ""
		if storeOnly {
			// Admin commands take no listener flags, but they write links
			// too: follow the server's environment.
			addr, tls = envOr(env, "MAMORI_ADDR", addr), env("MAMORI_TLS_CERT") != ""
		}
		c.BaseURL = defaultBaseURL(addr, tls)
	}
	// Links are built as BaseURL + "/path"; a trailing slash would double.
	if u, err := url.Parse(c.BaseURL); err == nil && u.Host != "" {
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}
	c.SecretKey = env("MAMORI_SECRET_KEY")
	if !storeOnly {
		c.MetricsToken = env("MAMORI_METRICS_TOKEN")
	}
	if err := c.validate(problems); err != nil {
		return c, fs.Args(), err
	}
	return c, fs.Args(), nil
}

func envOr(env func(string) string, key, def string) string {
	if v := env(key); v != "" {
		return v
	}
	return def
}

// Validate checks every value and reports all problems together.
func (c *Config) Validate() error { return c.validate(nil) }

func (c *Config) validate(problems []string) error {
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			problems = append(problems, fmt.Sprintf("addr %q: expected host:port, e.g. 127.0.0.1:8080", c.Addr))
		}
	}
	if c.DebugAddr != "" && !loopbackAddr(c.DebugAddr) {
		problems = append(problems, fmt.Sprintf("debug-addr %q: must be a loopback host:port such as 127.0.0.1:6060", c.DebugAddr))
	}
	if c.MetricsAddr != "" && !loopbackAddr(c.MetricsAddr) {
		problems = append(problems, fmt.Sprintf("metrics-addr %q: must be a loopback host:port such as 127.0.0.1:9090 (it answers without authentication)", c.MetricsAddr))
	}
	if c.MetricsToken != "" {
		if err := checkMetricsToken(c.MetricsToken); err != nil {
			problems = append(problems, "MAMORI_METRICS_TOKEN: "+err.Error())
		}
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("base-url %q: expected an absolute http(s) URL", c.BaseURL))
	}
	if c.DatabaseURL == "" && strings.TrimSpace(c.DataDir) == "" {
		problems = append(problems, "data-dir: must not be empty when no database-url is given")
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			problems = append(problems, "database-url: expected postgres://user:pass@host:port/db")
		}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		problems = append(problems, fmt.Sprintf("log-format %q: use text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		problems = append(problems, fmt.Sprintf("log-level %q: use debug, info, warn or error", c.LogLevel))
	}
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			problems = append(problems, "smtp-url: expected smtp://user:pass@host:587 or smtps://…:465")
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		problems = append(problems, "tls-cert and tls-key: give both or neither")
	}
	if c.SessionTTL < time.Minute {
		problems = append(problems, "session-ttl: must be at least 1m")
	}
	if c.SessionIdle < time.Minute || c.SessionIdle > c.SessionTTL {
		problems = append(problems, "session-idle: must be at least 1m and not longer than session-ttl")
	}
	if c.MaxBodyBytes < 1024 {
		problems = append(problems, "max-body-bytes: must be at least 1024")
	}
	if c.LoginMaxFailures < 1 {
		problems = append(problems, "login-max-failures: must be at least 1")
	}
	if c.LoginWindow < time.Minute {
		problems = append(problems, "login-window: must be at least 1m")
	}
	if c.DiagnosisWindow < 24*time.Hour {
		problems = append(problems, "diagnosis-window: must be at least 24h")
	}
	if c.ShutdownTimeout <= 0 {
		problems = append(problems, "shutdown-timeout: must be positive")
	}
	if c.SecretKey != "" {
		if _, err := DecodeKey(c.SecretKey); err != nil {
			problems = append(problems, "MAMORI_SECRET_KEY: "+err.Error())
		}
	}
	if len(problems) > 0 {
		return &FlagError{Problems: problems}
	}
	return nil
}

// loopbackAddr reports whether addr is host:port on a loopback host
// (127.0.0.0/8, ::1 or localhost). An empty host ("":9090) listens on
// every interface and is not.
// ParseProxies reads a list of proxy addresses or networks, separated by
// commas or spaces. A network of every address (0.0.0.0/0, ::/0) is
// refused: trusting everyone would let any client choose the address its
// failed logins are counted under.
func ParseProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		var p netip.Prefix
		if strings.Contains(f, "/") {
			var err error
			if p, err = netip.ParsePrefix(f); err != nil {
				return nil, fmt.Errorf("%q: expected an address or a network such as 10.0.0.0/8", f)
			}
		} else {
			a, err := netip.ParseAddr(f)
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q: expected an address or a network such as 10.0.0.0/8", f)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		p = p.Masked()
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		if p.Bits() == 0 {
			return nil, fmt.Errorf("%q: trusting every address would let any client choose its own; name the proxies", f)
		}
		out = append(out, p)
	}
	return out, nil
}

func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// MinMetricsTokenLen is the shortest metrics token accepted: 32 characters
// (e.g. `openssl rand -hex 16` or longer) put it beyond guessing through
// the network.
const MinMetricsTokenLen = 32

// checkMetricsToken refuses a token that is short or that could not travel
// in an Authorization header as it is (spaces, control characters).
func checkMetricsToken(tok string) error {
	if len(tok) < MinMetricsTokenLen || len(tok) > 1024 {
		return fmt.Errorf("must be %d to 1024 characters (openssl rand -hex 32)", MinMetricsTokenLen)
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] <= ' ' || tok[i] >= 0x7f {
			return errors.New("must be printable ASCII without spaces (openssl rand -hex 32)")
		}
	}
	return nil
}

// Secure reports whether cookies must carry the Secure flag and HSTS be sent.
func (c *Config) Secure() bool {
	return c.TLSCert != "" || strings.HasPrefix(c.BaseURL, "https://")
}

// defaultBaseURL is the URL a server listening on addr answers at when
// no --base-url is given: https when it serves TLS (mailed links in http
// would meet a server that does not speak it), a wildcard host
// (":8080", "0.0.0.0:8080") as localhost, the scheme's own port left out.
func defaultBaseURL(addr string, tls bool) string {
	scheme, defPort := "http", "80"
	if tls {
		scheme, defPort = "https", "443"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return scheme + "://" + addr // validate reports the address
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	if port == defPort {
		if strings.Contains(host, ":") {
			return scheme + "://[" + host + "]"
		}
		return scheme + "://" + host
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// ErrHelp is returned when -h was asked for; callers exit 0.
var ErrHelp = flag.ErrHelp

// IsHelp reports whether err means the user asked for usage.
func IsHelp(err error) bool { return errors.Is(err, flag.ErrHelp) }

// DecodeKey reads a 32-byte key written as 64 hex digits or as base64
// (standard or URL alphabet, padded or not): the forms `openssl rand`
// prints.
func DecodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, errors.New("expected 32 bytes as 64 hex digits or base64 (openssl rand -hex 32)")
}
