package signing

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

const verifyUsage = `Usage: mamori verify-declaration (--key-file KEYS.json | --data-dir DIR | --database-url URL) FILE

Checks a declaration record saved from GET /api/v1/declarations/{number}
against the issuer's public keys, offline:
  --key-file KEYS.json  the saved /.well-known/mamori-declarations-key document
  --data-dir DIR        the published keys in a local mamori store (SQLite)
  --database-url URL    the published keys in a mamori PostgreSQL database

Exit status: 0 valid, 1 not valid (bad signature, unknown key, malformed
file), 2 usage error.
`

// LocalKeys reads the published keys of a local store, for --data-dir and
// --database-url; the application supplies it (this package opens no
// database by itself).
type LocalKeys func(dataDir, databaseURL string) ([]PublicKey, error)

// VerifyCommand runs `mamori verify-declaration`: it verifies a saved API
// response against a saved key document (--key-file) or a local store's
// published keys (--data-dir, --database-url), prints
//
//	valid: <number> <name> <stars> <status> (key <id>)
//
// and returns 0; it returns 1 with the reason on stderr when the record is
// not valid and 2 for a usage error.
func VerifyCommand(args []string, stdout, stderr io.Writer, local LocalKeys) int {
	fs := flag.NewFlagSet("verify-declaration", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, verifyUsage) }
	keyFile := fs.String("key-file", "", "saved key document (/.well-known/mamori-declarations-key)")
	dataDir := fs.String("data-dir", "", "mamori data directory (SQLite store)")
	dbURL := fs.String("database-url", "", "mamori PostgreSQL database")
	if err := fs.Parse(reorder(fs, args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	sources := 0
	for _, v := range []string{*keyFile, *dataDir, *dbURL} {
		if v != "" {
			sources++
		}
	}
	if fs.NArg() != 1 || sources != 1 {
		fmt.Fprint(stderr, verifyUsage)
		return 2
	}
	path := fs.Arg(0)

	var keys []PublicKey
	var err error
	if *keyFile != "" {
		keys, err = ReadKeysFile(*keyFile)
		if err != nil {
			fmt.Fprintf(stderr, "mamori verify-declaration: key file %s: %v\n", *keyFile, err)
			return 1
		}
	} else {
		keys, err = local(*dataDir, *dbURL)
		if err != nil {
			fmt.Fprintf(stderr, "mamori verify-declaration: %v\n", err)
			return 1
		}
	}

	v, err := VerifyFile(path, keys)
	if err != nil {
		fmt.Fprintf(stderr, "mamori verify-declaration: %s: NOT VALID: %s\n", path, explain(err))
		return 1
	}
	var rec struct {
		Number string `json:"number"`
		Name   string `json:"name"`
		Stars  int    `json:"stars"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(v.Record, &rec); err != nil || rec.Number == "" {
		fmt.Fprintf(stderr, "mamori verify-declaration: %s: the signature is valid, but the record is not a declaration record\n", path)
		return 1
	}
	fmt.Fprintf(stdout, "valid: %s %s %d %s (key %s)\n", rec.Number, oneLine(rec.Name), rec.Stars, rec.Status, v.KeyID)
	return 0
}

// explain turns a verification error into a sentence for the command line.
func explain(err error) string {
	switch {
	case errors.Is(err, ErrBadSignature):
		return "the signature does not match the record: it was changed after it was signed, or it was not signed by this issuer"
	case errors.Is(err, ErrUnknownKey):
		return err.Error() + " (fetch the issuer's key document again: the record may be signed with a newer key)"
	}
	return err.Error()
}

// oneLine keeps a name that holds control or bidi-override characters from
// rewriting the terminal, reordering the line or faking a second one.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' ||
			(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return '?'
		}
		return r
	}, s)
}

// reorder moves flags before the positional arguments, so both
// `verify-declaration FILE --key-file K` and `--key-file K FILE` work.
func reorder(fs *flag.FlagSet, args []string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			rest = append(rest, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil && i+1 < len(args) {
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				continue
			}
			flags = append(flags, args[i+1])
			i++
		}
	}
	return append(append(flags, "--"), rest...)
}
