package mailparse

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

const commandUsage = `usage: mamori mail parse [--sanitize] [--boundary HOST,...,CIDR,...] [--key KEY] [--reporter ADDR,NAME,...] [--member-domain DOMAIN,...] FILE...

Prints one JSON object per file and line. With --sanitize, prints what
would be shared: recipients pseudonymised, hops inside the boundary
dropped, URL tokens removed, times on the hour.
`

// Command runs "mamori mail parse". A file that parses only in part is
// printed with its errors and does not change the exit status; a file
// that cannot be read at all is reported on stderr and makes it 1 once
// the other files are done. defaultKey gives the pseudonym key when
// --key is not set (the hub's, so the command's pseudonyms match the
// shared reports'); nil and no error when there is none.
func Command(args []string, stdout, stderr io.Writer, defaultKey func() ([]byte, error)) int {
	fs := flag.NewFlagSet("mail parse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, commandUsage); fs.PrintDefaults() }
	sanitize := fs.Bool("sanitize", false, "print what would be shared")
	boundary := fs.String("boundary", "", "the member's mail servers: host names (matched with their subdomains) and IP ranges, comma-separated")
	key := fs.String("key", "", "pseudonym key for --sanitize (default: the hub's, derived from $MAMORI_SECRET_KEY; else a random key for this run)")
	reporter := fs.String("reporter", "", "the reporter's own addresses and names to remove, comma-separated")
	domains := fs.String("member-domain", "", "the member's own mail domains, comma-separated")
	orgs := fs.String("organisation", "", "the reporting organisation's names (Japanese, English) to remove, separated by '|'")
	phones := fs.String("phone", "", "the reporting organisation's own phone and fax numbers to remove, comma-separated")
	maxSize := fs.Int64("max-size", DefaultMaxSize, "largest mail read, in bytes")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	if *maxSize <= 0 {
		fmt.Fprintln(stderr, "mamori mail parse: --max-size must be a positive number of bytes")
		return 2
	}
	b, err := ParseBoundary(*boundary)
	if err != nil {
		fmt.Fprintln(stderr, "mamori mail parse: --boundary:", err)
		return 2
	}
	opts := Options{MaxSize: *maxSize, Boundary: b}
	var sopts SanitizeOptions
	if *sanitize {
		sopts.Key = []byte(*key)
		if *key == "" && defaultKey != nil {
			k, err := defaultKey()
			if err != nil {
				fmt.Fprintln(stderr, "mamori mail parse:", err)
				return 2
			}
			sopts.Key = k
		}
		if len(sopts.Key) == 0 {
			sopts.Key = make([]byte, 32)
			rand.Read(sopts.Key)
			fmt.Fprintln(stderr, "mamori mail parse: no --key or MAMORI_SECRET_KEY: pseudonyms use a random key and will not match other runs")
		}
		if len(sopts.Key) < 16 {
			fmt.Fprintln(stderr, "mamori mail parse: the key must be at least 16 bytes")
			return 2
		}
		sopts.Boundary = b
		sopts.Reporter = splitList(*reporter)
		sopts.MemberDomains = splitList(*domains)
		sopts.Phones = splitList(*phones)
		for _, o := range strings.Split(*orgs, "|") {
			if o = strings.TrimSpace(o); o != "" {
				sopts.Organisations = append(sopts.Organisations, o)
			}
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	status := 0
	for _, path := range fs.Args() {
		m, err := parseFile(path, opts)
		if err != nil {
			fmt.Fprintf(stderr, "mamori mail parse: %s: %v\n", path, err)
			status = 1
			continue
		}
		m.File = filepath.Base(path)
		if *sanitize {
			s, err := Sanitize(m, sopts)
			if err != nil {
				fmt.Fprintf(stderr, "mamori mail parse: %s: %v\n", path, err)
				status = 1
				continue
			}
			m = s.Message
		}
		if err := enc.Encode(m); err != nil {
			fmt.Fprintln(stderr, "mamori mail parse:", err)
			return 1
		}
	}
	return status
}

func parseFile(path string, opts Options) (*Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Unwrap(err)
	}
	defer f.Close()
	return Parse(f, opts)
}

func splitList(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
