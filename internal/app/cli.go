package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mamori/internal/config"
	"mamori/internal/db"
	"mamori/internal/mailparse"
	"mamori/internal/masterkey"
	"mamori/internal/registry"
	"mamori/internal/sharing"
	"mamori/internal/signing"
)

const usage = `mamori — security programmes for small businesses

Usage:
  mamori serve [flags]                 start the web server (see: mamori serve -h)
  mamori migrate [flags]               apply database migrations and exit
  mamori version                       print the version
  mamori dev generate-registry --count N [--seed S]
                                       fill the store with N synthetic declarations (for benchmarks)
  mamori verify-declaration (--key-file KEYS.json | --data-dir DIR | --database-url URL) FILE
                                       check a saved /api/v1/declarations/{number} answer offline
  mamori rotate-declaration-key [--revoke KEYID]
                                       start signing with a new key (every instance within a minute),
                                       or withdraw an old key from the published key document
  mamori backup --to FILE              the database and its keys in one file (docs/operations.md)
  mamori restore --from FILE --data-dir NEW
                                       unpack a backup into an empty data directory
  mamori mail parse [--sanitize] [--boundary HOST,...,CIDR,...] [--key K] FILE...
                                       print a reported mail's indicators as JSON, one line per file
  mamori admin create-user  --email E [--role R] [--name N] [--password-stdin]
  mamori admin create-org   --name N --owner EMAIL [--prefecture NN] [--industry X] [--employees N]
                            [--capital YEN] [--corporate-number N] [--name-kana K] [--name-en E]
  mamori admin add-member   --org SLUG --email EMAIL [--role owner|member]
  mamori admin create-token --email E [--name N]

Every command takes --data-dir / --database-url (or MAMORI_DATA_DIR /
MAMORI_DATABASE_URL) and works while a server runs on the same store.
Admin commands print the created id, slug or token alone on the last line.
Roles: operator_admin, analyst, specialist, supporter, share_member.
`

// Run executes one command line and returns the process exit status.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		cfg, _, err := config.Load("serve", args[1:], env, stderr, false)
		if err != nil {
			return reportConfig(stderr, err)
		}
		ctx, stop := SignalContext()
		defer stop()
		if err := Serve(ctx, cfg, NewLogger(cfg, stderr), nil); err != nil {
			fmt.Fprintln(stderr, "mamori:", err)
			return 1
		}
		return 0
	case "migrate":
		cfg, _, err := config.Load("migrate", args[1:], env, stderr, true)
		if err != nil {
			return reportConfig(stderr, err)
		}
		d, err := Open(context.Background(), cfg, NewLogger(cfg, stderr))
		if err != nil {
			fmt.Fprintln(stderr, "mamori:", err)
			return 1
		}
		d.Close()
		fmt.Fprintln(stdout, "migrations up to date")
		return 0
	case "verify-declaration":
		return signing.VerifyCommand(args[1:], stdout, stderr, localKeys)
	case "rotate-declaration-key":
		return runRotate(args[1:], stdout, stderr, env)
	case "backup":
		return runBackup(args[1:], stdout, stderr, env)
	case "restore":
		return runRestore(args[1:], stdout, stderr, env)
	case "mail":
		if len(args) < 2 || args[1] != "parse" {
			fmt.Fprintf(stderr, "mamori mail: unknown command\n\n%s", usage)
			return 2
		}
		return mailparse.Command(args[2:], stdout, stderr, func() ([]byte, error) {
			v := env("MAMORI_SECRET_KEY")
			if v == "" {
				return nil, nil
			}
			k, err := config.DecodeKey(v)
			if err != nil {
				return nil, fmt.Errorf("MAMORI_SECRET_KEY: %w", err)
			}
			box, err := masterkey.New(k)
			if err != nil {
				return nil, err
			}
			return sharing.PseudonymKey(box), nil
		})
	case "dev":
		if len(args) < 2 || args[1] != "generate-registry" {
			fmt.Fprintf(stderr, "mamori dev: unknown command\n\n%s", usage)
			return 2
		}
		return runGenerate(args[2:], stdout, stderr, env)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "mamori", Version)
		return 0
	case "admin":
		if len(args) < 2 {
			fmt.Fprint(stderr, usage)
			return 2
		}
		return runAdmin(args[1], args[2:], stdin, stdout, stderr, env)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "mamori: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func reportConfig(stderr io.Writer, err error) int {
	if config.IsHelp(err) {
		return 0
	}
	fmt.Fprintln(stderr, "mamori:", err)
	return 2
}

// Main is what cmd/mamori calls.
func Main() { os.Exit(Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)) }

// runGenerate fills a store with synthetic declarations for load tests.
func runGenerate(args []string, stdout, stderr io.Writer, env func(string) string) int {
	fs := flag.NewFlagSet("dev generate-registry", flag.ContinueOnError)
	fs.SetOutput(stderr)
	count := fs.Int("count", 10000, "number of declarations to generate")
	seed := fs.Int64("seed", 1, "random seed (same seed, same data)")
	var own, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		key, _, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if (key == "count" || key == "seed") && strings.HasPrefix(a, "-") {
			own = append(own, a)
			if !hasVal && i+1 < len(args) {
				own = append(own, args[i+1])
				i++
			}
			continue
		}
		rest = append(rest, a)
	}
	if err := fs.Parse(own); err != nil {
		return 2
	}
	if *count < 1 || *count > 10_000_000 {
		fmt.Fprintln(stderr, "mamori dev generate-registry: --count must be between 1 and 10000000")
		return 2
	}
	cfg, _, err := config.Load("dev generate-registry", rest, env, stderr, true)
	if err != nil {
		return reportConfig(stderr, err)
	}
	ctx, stop := SignalContext()
	defer stop()
	d, err := Open(ctx, cfg, NewLogger(cfg, stderr))
	if err != nil {
		fmt.Fprintln(stderr, "mamori:", err)
		return 1
	}
	defer d.Close()
	// Declarations need the deployment's master key (a server refuses to
	// start without it on a store that has some): make sure it exists, or
	// that the configured one belongs to this store, before writing any.
	if _, err := OpenKey(ctx, cfg, d); err != nil {
		fmt.Fprintln(stderr, "mamori dev generate-registry:", err)
		return 1
	}
	start := time.Now()
	if err := registry.Generate(ctx, d, *count, *seed, stderr); err != nil {
		fmt.Fprintln(stderr, "mamori dev generate-registry:", err)
		return 1
	}
	fmt.Fprintf(stdout, "generated %d declarations in %s\n%d\n", *count, time.Since(start).Round(time.Millisecond), *count)
	return 0
}

// localKeys reads the published keys of a local store for
// `verify-declaration --data-dir/--database-url`. It needs no master key
// (public keys are stored in clear) and creates nothing.
func localKeys(dataDir, databaseURL string) ([]signing.PublicKey, error) {
	if databaseURL == "" {
		path := filepath.Join(dataDir, "mamori.db")
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("no mamori database in %s: %w", dataDir, err)
		}
	}
	ctx := context.Background()
	d, err := db.Open(ctx, databaseURL, dataDir, db.Options{})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return signing.PublishedKeys(ctx, d.Read())
}

// runRotate runs `mamori rotate-declaration-key`: a new current key in
// the database's key ring, or (--revoke) an old key withdrawn from the
// published document. The new key id is printed alone on the last line.
func runRotate(args []string, stdout, stderr io.Writer, env func(string) string) int {
	var revoke string
	a, closeFn, err := adminEnv("rotate-declaration-key", args, env, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&revoke, "revoke", "", "key id to withdraw from the published key document (never the current one)")
	})
	if err != nil {
		if config.IsHelp(err) {
			return 0
		}
		fmt.Fprintln(stderr, "mamori rotate-declaration-key:", err)
		return 2
	}
	defer closeFn()
	ctx := context.Background()
	if revoke != "" {
		if err := a.Keys.Revoke(ctx, revoke); err != nil {
			fmt.Fprintln(stderr, "mamori rotate-declaration-key:", err)
			return 1
		}
		fmt.Fprintf(stderr, "key %s withdrawn: records it signed no longer verify against a fresh key document\n", revoke)
		fmt.Fprintln(stdout, revoke)
		return 0
	}
	old := a.Keys.CurrentID()
	id, err := a.Keys.Rotate(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "mamori rotate-declaration-key:", err)
		return 1
	}
	fmt.Fprintf(stderr, "new current key %s (previous %s stays published); running servers sign with it within a minute\n", id, old)
	fmt.Fprintln(stdout, id)
	return 0
}
