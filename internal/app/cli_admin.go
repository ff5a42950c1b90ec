package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"mamori/internal/apperr"
	"mamori/internal/audit"
	"mamori/internal/auth"
	"mamori/internal/config"
	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/org"
)

// mamori admin: accounts, organisations, memberships and API tokens made
// from the shell, on the same store a running server uses.

// adminEnv is what an admin command needs: the store and the wired
// services, without a listening server.
func adminEnv(name string, args []string, env func(string) string, stderr io.Writer, define func(fs *flag.FlagSet)) (*App, func(), error) {
	fs := flag.NewFlagSet("admin "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	define(fs)
	// Store flags may come before or after the command's own flags, so
	// both sets are parsed from one list: ours first, the rest to config.
	var own, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		n := strings.TrimLeft(a, "-")
		key, _, hasVal := strings.Cut(n, "=")
		if fs.Lookup(key) != nil && strings.HasPrefix(a, "-") {
			own = append(own, a)
			if f := fs.Lookup(key); !hasVal && !isBoolFlag(f) && i+1 < len(args) {
				own = append(own, args[i+1])
				i++
			}
			continue
		}
		rest = append(rest, a)
	}
	if err := fs.Parse(own); err != nil {
		return nil, nil, err
	}
	cfg, extra, err := config.Load("admin "+name, rest, env, stderr, true)
	if err != nil {
		return nil, nil, err
	}
	if len(extra) > 0 {
		return nil, nil, fmt.Errorf("unexpected arguments: %s", strings.Join(extra, " "))
	}
	log := NewLogger(cfg, stderr)
	d, err := Open(context.Background(), cfg, log)
	if err != nil {
		return nil, nil, err
	}
	a, err := Build(cfg, d, log)
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	return a, func() { d.Close() }, nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// describe turns an application error into an English sentence for the
// shell, naming each bad field.
func describe(cat *i18n.Catalog, err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code == apperr.Internal {
		return err.Error()
	}
	p := cat.Printer("en")
	msg := p.T(ae.Key, ae.Args...)
	for f, k := range ae.Fields {
		msg += fmt.Sprintf("\n  --%s: %s", strings.ReplaceAll(f, "_", "-"), p.T(k))
	}
	return msg
}

func runAdmin(cmd string, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	switch cmd {
	case "create-user":
		return adminCreateUser(args, stdin, stdout, stderr, env)
	case "create-org":
		return adminCreateOrg(args, stdout, stderr, env)
	case "add-member":
		return adminAddMember(args, stdout, stderr, env)
	case "create-token":
		return adminCreateToken(args, stdout, stderr, env)
	}
	fmt.Fprintf(stderr, "mamori admin: unknown command %q\n\n%s", cmd, usage)
	return 2
}

// adminRun is an admin command whose flags are parsed and whose store is
// open: what each command needs to report a failure the same way.
type adminRun struct {
	*App
	cmd    string
	stderr io.Writer
	close  func()
}

// openAdmin parses an admin command's flags and opens the store. When it
// cannot, run is nil and code is the exit status: 0 after -h, 2 for bad
// flags or a store that does not open.
func openAdmin(cmd string, args []string, env func(string) string, stderr io.Writer, define func(fs *flag.FlagSet)) (run *adminRun, code int) {
	a, closeFn, err := adminEnv(cmd, args, env, stderr, define)
	if err != nil {
		if config.IsHelp(err) {
			return nil, 0
		}
		fmt.Fprintln(stderr, "mamori admin "+cmd+":", err)
		return nil, 2
	}
	return &adminRun{App: a, cmd: cmd, stderr: stderr, close: closeFn}, 0
}

// fail reports an error from the services in the catalog's English and
// returns exit status 1.
func (r *adminRun) fail(err error) int {
	fmt.Fprintln(r.stderr, "mamori admin "+r.cmd+": "+describe(r.Catalog, err))
	return 1
}

// required takes flag name and value pairs and names the first flag left
// empty; the command then exits with status 2.
func (r *adminRun) required(pairs ...string) bool {
	for i := 0; i < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			fmt.Fprintf(r.stderr, "mamori admin %s: --%s is required\n", r.cmd, pairs[i])
			return false
		}
	}
	return true
}

func adminCreateUser(args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	var email, role, name string
	var pwStdin bool
	r, code := openAdmin("create-user", args, env, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "e-mail address (required)")
		fs.StringVar(&role, "role", "", "global role: operator_admin, analyst, specialist, supporter, share_member")
		fs.StringVar(&name, "name", "", "display name")
		fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from standard input")
	})
	if r == nil {
		return code
	}
	defer r.close()
	ctx := context.Background()
	if !r.required("email", email) {
		return 2
	}
	pw := ""
	if pwStdin {
		line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return r.fail(err)
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	var u *auth.User
	err := r.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		u, err = r.Auth.CreateUserDirect(ctx, tx, nil, auth.CreateUserInput{Email: email, Name: name, Password: pw, Role: role})
		return err
	})
	if err != nil {
		return r.fail(err)
	}
	fmt.Fprintf(stdout, "created user %s", u.Email)
	if role != "" {
		fmt.Fprintf(stdout, " with role %s", role)
	}
	if pw == "" {
		fmt.Fprintf(stdout, " (no password yet: use \"forgot password\" on the login page to set one)")
	}
	fmt.Fprintf(stdout, "\n%s\n", u.ID)
	return 0
}

// account finds the account a subcommand names by its address. Every
// subcommand that needs one says the same when there is none, with the
// command that creates it.
func account(ctx context.Context, q db.Querier, email string) (*auth.User, error) {
	u, err := auth.UserByEmail(ctx, q, email)
	if errors.Is(err, db.ErrNotFound) {
		return nil, fmt.Errorf("no account with e-mail %s (create it first with: mamori admin create-user --email %s)", email, email)
	}
	return u, err
}

func adminCreateOrg(args []string, stdout, stderr io.Writer, env func(string) string) int {
	var orgName, owner, pref, industry, employees, capital, corp, kana, nameEn string
	r, code := openAdmin("create-org", args, env, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&orgName, "name", "", "organisation name (required)")
		fs.StringVar(&owner, "owner", "", "owner's e-mail address (required; the account must exist)")
		fs.StringVar(&pref, "prefecture", "", "prefecture code 01–47")
		fs.StringVar(&industry, "industry", "", "JSIC major group A–T")
		fs.StringVar(&employees, "employees", "", "number of employees")
		fs.StringVar(&capital, "capital", "", "capital in yen")
		fs.StringVar(&corp, "corporate-number", "", "13-digit corporate number")
		fs.StringVar(&kana, "name-kana", "", "name in kana")
		fs.StringVar(&nameEn, "name-en", "", "name in English")
	})
	if r == nil {
		return code
	}
	defer r.close()
	ctx := context.Background()
	if !r.required("name", orgName, "owner", owner) {
		return 2
	}
	in := org.CreateInput{Name: orgName, NameKana: kana, NameEn: nameEn, CorporateNumber: corp, Prefecture: pref, Industry: industry}
	if employees != "" {
		n, err := strconv.Atoi(employees)
		if err != nil {
			fmt.Fprintln(stderr, "mamori admin create-org: --employees: not a whole number")
			return 2
		}
		in.Employees = &n
	}
	if capital != "" {
		n, err := strconv.ParseInt(strings.ReplaceAll(capital, ",", ""), 10, 64)
		if err != nil {
			fmt.Fprintln(stderr, "mamori admin create-org: --capital: not a whole number of yen")
			return 2
		}
		in.CapitalYen = &n
	}
	var o *org.Org
	err := r.DB.InTx(ctx, func(tx *db.Tx) error {
		u, err := account(ctx, tx, owner)
		if err != nil {
			return err
		}
		// Its only owner disabled, the organisation would start with
		// nobody able to manage it.
		if u.DisabledAt != nil {
			return fmt.Errorf("the account %s is disabled: an organisation needs an active owner (enable the account first, or name another)", owner)
		}
		o, err = r.Orgs.Create(ctx, tx, nil, u.ID, in)
		return err
	})
	if err != nil {
		return r.fail(err)
	}
	fmt.Fprintf(stdout, "created organisation %q owned by %s\n%s\n", o.Name, owner, o.Slug)
	return 0
}

func adminAddMember(args []string, stdout, stderr io.Writer, env func(string) string) int {
	var slug, email, role string
	r, code := openAdmin("add-member", args, env, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "org", "", "organisation slug (required)")
		fs.StringVar(&email, "email", "", "member's e-mail address (required; the account must exist)")
		fs.StringVar(&role, "role", "member", "owner or member")
	})
	if r == nil {
		return code
	}
	defer r.close()
	ctx := context.Background()
	if !r.required("org", slug, "email", email) {
		return 2
	}
	var uid string
	err := r.DB.InTx(ctx, func(tx *db.Tx) error {
		u, err := account(ctx, tx, email)
		if err != nil {
			return err
		}
		uid = u.ID
		return r.Orgs.AddMember(ctx, tx, nil, slug, u.ID, role)
	})
	if err != nil {
		return r.fail(err)
	}
	fmt.Fprintf(stdout, "added %s to %s as %s\n%s\n", email, slug, role, uid)
	return 0
}

func adminCreateToken(args []string, stdout, stderr io.Writer, env func(string) string) int {
	var email, name string
	r, code := openAdmin("create-token", args, env, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "account e-mail address (required)")
		fs.StringVar(&name, "name", "cli", "token name")
	})
	if r == nil {
		return code
	}
	defer r.close()
	ctx := context.Background()
	if !r.required("email", email) {
		return 2
	}
	var token string
	err := r.DB.InTx(ctx, func(tx *db.Tx) error {
		u, err := account(ctx, tx, email)
		if err != nil {
			return err
		}
		var t *auth.APIToken
		token, t, err = auth.CreateAPIToken(ctx, tx, u.ID, name)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, nil, audit.Entry{Action: audit.TokenCreated, TargetType: "token", TargetID: t.ID, ActorID: u.ID, ActorEmail: u.Email, Detail: map[string]any{"name": name, "via": "cli"}})
	})
	if err != nil {
		return r.fail(err)
	}
	fmt.Fprintf(stdout, "created API token %q for %s (shown once; use it as Authorization: Bearer …)\n%s\n", name, email, token)
	return 0
}
