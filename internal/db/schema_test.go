package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

// schemaFacts is a migrated schema read back from the engine's catalog, as
// fact name → what the engine says about it, in words both dialects can
// produce: "column users.email type" → "text", "index sessions_user" →
// "on sessions (user_id)". Facts one engine has and the other lacks, or
// that read differently, are the differences TestSchemasMatch lists.
type schemaFacts map[string]string

func (f schemaFacts) add(key, value string) {
	// Two facts with one name (two checks on the same columns) keep both.
	k := key
	for n := 2; ; n++ {
		if _, dup := f[k]; !dup {
			f[k] = value
			return
		}
		k = fmt.Sprintf("%s #%d", key, n)
	}
}

// schemaAllowed lists the differences between the two migrated schemas that
// are known and accepted, each with the reason. Key is a fact name
// (path.Match pattern); Lite and PG are what each engine must say for the
// entry to apply ("-" for a fact the engine lacks), so an entry excuses
// exactly the difference it describes and no other. An entry that
// excuses nothing fails the test, so the list shrinks when a migration
// removes a difference.
var schemaAllowed = []struct {
	Key, Lite, PG, Reason string
}{
	// SQLite quirk: a PRIMARY KEY column that is not a rowid alias accepts
	// NULL unless it is declared NOT NULL (sqlite.org/quirks.html, "Primary
	// keys can sometimes contain NULLs"); PostgreSQL always refuses. Every
	// TEXT PRIMARY KEY in the SQLite migrations is declared without NOT
	// NULL. Harmless as the code always writes ids (db.NewID, hashes), but
	// a true difference: closing it means rebuilding each table, a new
	// migration.
	{Key: "column *.* null", Lite: "null (primary key)", PG: "not null",
		Reason: "SQLite lets NULL into a non-rowid primary key not declared NOT NULL; ids are always written by the code"},

	// SQLite has no boolean type; these two flags are INTEGER 0/1 on SQLite
	// and BOOLEAN on PostgreSQL, and database/sql scans both into a Go
	// bool. (share_reports.targeted, added later, is BOOLEAN on both.)
	{Key: "column sessions.rotate type", Lite: "integer", PG: "boolean",
		Reason: "SQLite has no boolean type: 0/1 in INTEGER, scanned into bool"},
	{Key: "column orgs.wholesale type", Lite: "integer", PG: "boolean",
		Reason: "SQLite has no boolean type: 0/1 in INTEGER, scanned into bool"},

	// An INTEGER PRIMARY KEY is SQLite's rowid, which SQLite fills in when
	// an INSERT leaves it out; the PostgreSQL columns below have no
	// identity. The code always writes these ids: the singleton rows
	// (CHECK (id = 1)) are written with id 1 and registry.EnsureIndex
	// numbers registry_entries from registry_rids.
	{Key: "column declaration_numbers.id default", Lite: "generated", PG: "none",
		Reason: "singleton row written with id 1; SQLite's rowid alias would fill an omitted id"},
	{Key: "column registry_rids.id default", Lite: "generated", PG: "none",
		Reason: "singleton row written with id 1; SQLite's rowid alias would fill an omitted id"},
	{Key: "column key_check.id default", Lite: "generated", PG: "none",
		Reason: "singleton row written with id 1; SQLite's rowid alias would fill an omitted id"},
	{Key: "column signing_current.id default", Lite: "generated", PG: "none",
		Reason: "singleton row written with id 1; SQLite's rowid alias would fill an omitted id"},
	{Key: "column registry_entries.rid default", Lite: "generated", PG: "none",
		Reason: "rid is always written from registry_rids; SQLite's rowid alias would fill an omitted one"},
}

// TestSchemasMatch migrates a fresh SQLite and a fresh PostgreSQL database
// and compares what their catalogs say: tables, columns (type meaning,
// nullability, whether a default exists), primary keys, unique
// constraints, indexes, foreign keys and check constraints. Each migration
// is written twice by hand, once per dialect; a difference between the two
// would otherwise show only in production, on whichever engine the tests
// that would have met it did not run.
func TestSchemasMatch(t *testing.T) {
	ctx := context.Background()
	lite := readSQLiteSchema(t, ctx, dbtest.SQLite(t))
	pg := readPostgresSchema(t, ctx, dbtest.Postgres(t))
	if len(lite) < 100 || len(pg) < 100 {
		t.Fatalf("read %d SQLite and %d PostgreSQL facts: the catalog queries found too little", len(lite), len(pg))
	}

	keys := map[string]bool{}
	for k := range lite {
		keys[k] = true
	}
	for k := range pg {
		keys[k] = true
	}
	used := make([]bool, len(schemaAllowed))
	var diffs, allowed []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		l, lok := lite[k]
		p, pok := pg[k]
		if !lok {
			l = "-"
		}
		if !pok {
			p = "-"
		}
		if lok && pok && l == p {
			continue
		}
		line := fmt.Sprintf("%s:\n      sqlite:   %s\n      postgres: %s", k, l, p)
		excused := false
		for i, a := range schemaAllowed {
			if ok, _ := path.Match(a.Key, k); ok && a.Lite == l && a.PG == p {
				used[i] = true
				excused = true
				allowed = append(allowed, k+" ("+a.Reason+")")
				break
			}
		}
		if !excused {
			diffs = append(diffs, line)
		}
	}
	if len(diffs) > 0 {
		t.Errorf("the migrated schemas differ in %d places (fix the migrations, or add an entry with its reason to schemaAllowed):\n  %s",
			len(diffs), strings.Join(diffs, "\n  "))
	}
	for i, u := range used {
		if !u {
			t.Errorf("schemaAllowed entry %q (sqlite %q, postgres %q) excuses no difference any more: remove it", schemaAllowed[i].Key, schemaAllowed[i].Lite, schemaAllowed[i].PG)
		}
	}
	kinds := map[string]int{}
	for k := range keys {
		kinds[k[:strings.IndexByte(k, ' ')]]++
	}
	t.Logf("%d facts compared (%v); %d known differences allowed", len(keys), kinds, len(allowed))
	for _, a := range allowed {
		t.Logf("  allowed: %s", a)
	}
}

// typeMeaning maps a declared type to the few meanings the code relies on.
// PostgreSQL's integer and bigint both read as integer: the width is not
// compared (SQLite's INTEGER holds 64 bits).
func typeMeaning(declared string) string {
	s := strings.ToLower(strings.TrimSpace(declared))
	if i := strings.IndexByte(s, '('); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	switch s {
	case "text", "varchar", "character varying", "char", "character", "clob":
		return "text"
	case "integer", "int", "bigint", "smallint", "int2", "int4", "int8":
		return "integer"
	case "real", "float", "double", "double precision", "numeric", "decimal":
		return "real"
	case "boolean", "bool":
		return "boolean"
	case "blob", "bytea":
		return "bytes"
	case "timestamp", "timestamptz", "datetime", "timestamp with time zone":
		return "timestamp"
	case "timestamp without time zone":
		// mamori's PostgreSQL times are timestamptz; a zoneless column
		// would read back in another offset.
		return "timestamp without time zone"
	case "":
		return "(none)"
	}
	return "other: " + s
}

// Expressions (checks, partial index conditions) are written differently by
// each engine (PostgreSQL stores `x BETWEEN 1 AND 3` as `((x >= 1) AND (x
// <= 3))` and `x IN ('a')` as `(x = ANY (ARRAY['a'::text]))`), so they are
// compared by what survives that rewriting: the columns named, the
// literals in order, and IS [NOT] NULL tests.
var (
	exprToken = regexp.MustCompile(`'(?:[^']|'')*'|[A-Za-z_][A-Za-z0-9_]*|[0-9]+(?:\.[0-9]+)?|"(?:[^"]|"")*"`)
	nullTest  = regexp.MustCompile(`(?i)\bis\s+(not\s+)?null\b`)
	// indexWhere finds a partial index's condition in its CREATE INDEX.
	indexWhere = regexp.MustCompile(`(?is)\bwhere\b(.*)$`)
)

func exprSignature(expr string, columns map[string]bool) string {
	var cols, lits []string
	for _, tok := range exprToken.FindAllString(expr, -1) {
		switch {
		case tok[0] == '\'':
			lits = append(lits, tok)
		case tok[0] >= '0' && tok[0] <= '9':
			lits = append(lits, tok)
		default:
			name := strings.ToLower(strings.Trim(tok, `"`))
			if columns[name] && !slices.Contains(cols, name) {
				cols = append(cols, name)
			}
		}
	}
	sort.Strings(cols)
	var nulls []string
	for _, m := range nullTest.FindAllStringSubmatch(expr, -1) {
		if m[1] != "" {
			nulls = append(nulls, "is not null")
		} else {
			nulls = append(nulls, "is null")
		}
	}
	s := "(" + strings.Join(cols, ", ") + ")"
	if len(lits) > 0 {
		s += " values " + strings.Join(lits, " ")
	}
	if len(nulls) > 0 {
		s += " " + strings.Join(nulls, ", ")
	}
	return s
}

func readSQLiteSchema(t *testing.T, ctx context.Context, d *db.DB) schemaFacts {
	t.Helper()
	q := d.Read()
	f := schemaFacts{}
	tables := queryStrings(t, ctx, q, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	for _, tbl := range tables {
		f["table "+tbl] = "exists"
		var createSQL string
		if err := q.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?`, tbl).Scan(&createSQL); err != nil {
			t.Fatal(err)
		}
		type col struct {
			name, typ string
			notNull   bool
			dflt      *string
			pk        int
		}
		var cols []col
		rows, err := q.QueryContext(ctx, `SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid`, tbl)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c col
			if err := rows.Scan(&c.name, &c.typ, &c.notNull, &c.dflt, &c.pk); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, c)
		}
		closeRows(t, rows)
		names := map[string]bool{}
		pkCount := 0
		for _, c := range cols {
			names[strings.ToLower(c.name)] = true
			if c.pk > 0 {
				pkCount++
			}
		}
		pk := make([]string, pkCount)
		for _, c := range cols {
			if c.pk > 0 {
				pk[c.pk-1] = c.name
			}
		}
		for _, c := range cols {
			key := "column " + tbl + "." + c.name
			// A lone INTEGER PRIMARY KEY is the rowid: never NULL, and
			// filled in when an INSERT leaves it out.
			rowid := c.pk > 0 && pkCount == 1 && strings.EqualFold(c.typ, "INTEGER")
			f[key+" type"] = typeMeaning(c.typ)
			switch {
			case c.notNull || rowid:
				f[key+" null"] = "not null"
			case c.pk > 0:
				f[key+" null"] = "null (primary key)"
			default:
				f[key+" null"] = "null"
			}
			switch {
			case rowid:
				f[key+" default"] = "generated"
			case c.dflt != nil:
				f[key+" default"] = "yes"
			default:
				f[key+" default"] = "none"
			}
		}
		if len(pk) > 0 {
			f["primary key "+tbl] = "(" + strings.Join(pk, ", ") + ")"
		}

		// Indexes: those from UNIQUE constraints are named by SQLite
		// (sqlite_autoindex_…) and compare by their columns; those made
		// by CREATE INDEX compare by name.
		type idx struct {
			name    string
			unique  bool
			origin  string
			partial bool
		}
		var idxs []idx
		rows, err = q.QueryContext(ctx, `SELECT name, "unique", origin, partial FROM pragma_index_list(?)`, tbl)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var x idx
			if err := rows.Scan(&x.name, &x.unique, &x.origin, &x.partial); err != nil {
				t.Fatal(err)
			}
			idxs = append(idxs, x)
		}
		closeRows(t, rows)
		for _, x := range idxs {
			var parts []string
			rows, err := q.QueryContext(ctx, `SELECT name, "desc" FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno`, x.name)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var name *string
				var desc bool
				if err := rows.Scan(&name, &desc); err != nil {
					t.Fatal(err)
				}
				p := "(expression)"
				if name != nil {
					p = *name
				}
				if desc {
					p += " desc"
				}
				parts = append(parts, p)
			}
			closeRows(t, rows)
			on := "(" + strings.Join(parts, ", ") + ")"
			switch x.origin {
			case "pk":
				// The primary key, compared above.
			case "u":
				f.add("unique "+tbl+" "+on, "constraint")
			default:
				v := "on " + tbl + " " + on
				if x.unique {
					v = "unique " + v
				}
				if x.partial {
					var idxSQL string
					if err := q.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?`, x.name).Scan(&idxSQL); err != nil {
						t.Fatal(err)
					}
					where := indexWhere.FindStringSubmatch(idxSQL)
					if where == nil {
						t.Fatalf("partial index %s: no WHERE in %q", x.name, idxSQL)
					}
					v += " where " + exprSignature(where[1], names)
				}
				f["index "+x.name] = v
			}
		}

		// Foreign keys: one row per column; id groups a composite key.
		type fkPart struct {
			id              int
			table, from     string
			to              *string
			onDelete, onUpd string
		}
		var fks []fkPart
		rows, err = q.QueryContext(ctx, `SELECT id, "table", "from", "to", on_delete, on_update FROM pragma_foreign_key_list(?) ORDER BY id, seq`, tbl)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var p fkPart
			if err := rows.Scan(&p.id, &p.table, &p.from, &p.to, &p.onDelete, &p.onUpd); err != nil {
				t.Fatal(err)
			}
			fks = append(fks, p)
		}
		closeRows(t, rows)
		for i := 0; i < len(fks); {
			j := i
			var from, to []string
			for ; j < len(fks) && fks[j].id == fks[i].id; j++ {
				from = append(from, fks[j].from)
				if fks[j].to != nil {
					to = append(to, *fks[j].to)
				}
			}
			if len(to) == 0 { // REFERENCES t: t's primary key
				to = sqlitePrimaryKey(t, ctx, q, fks[i].table)
			}
			f.add("foreign key "+tbl+" ("+strings.Join(from, ", ")+")", fkText(fks[i].table, to, fks[i].onDelete, fks[i].onUpd))
			i = j
		}

		for _, c := range sqliteChecks(createSQL) {
			f.add("check "+tbl+" "+exprSignatureCols(c, names), exprSignature(c, names))
		}
	}
	return f
}

// exprSignatureCols names a check by the columns it reads, so a check that
// differs between the engines shows as one fact read two ways.
func exprSignatureCols(expr string, columns map[string]bool) string {
	s := exprSignature(expr, columns)
	return s[:strings.IndexByte(s, ')')+1]
}

func fkText(table string, to []string, onDelete, onUpdate string) string {
	s := table + " (" + strings.Join(to, ", ") + ")"
	if d := strings.ToLower(onDelete); d != "no action" {
		s += " on delete " + d
	}
	if u := strings.ToLower(onUpdate); u != "no action" {
		s += " on update " + u
	}
	return s
}

func sqlitePrimaryKey(t *testing.T, ctx context.Context, q db.Querier, table string) []string {
	t.Helper()
	return queryStrings(t, ctx, q, `SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`, table)
}

// sqliteChecks returns the text inside each CHECK (…) of a CREATE TABLE
// statement, which is where SQLite keeps them (ALTER TABLE ADD COLUMN
// appends the column's text there too), skipping comments, strings and
// quoted names.
func sqliteChecks(createSQL string) []string {
	var out []string
	s := createSQL
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case strings.HasPrefix(s[i:], "--"):
			if n := strings.IndexByte(s[i:], '\n'); n >= 0 {
				i += n
			} else {
				i = len(s)
			}
		case strings.HasPrefix(s[i:], "/*"):
			if n := strings.Index(s[i+2:], "*/"); n >= 0 {
				i += n + 4
			} else {
				i = len(s)
			}
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for j < len(s) {
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			i = j + 1
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			if strings.EqualFold(s[i:j], "check") {
				k := j
				for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r') {
					k++
				}
				if k < len(s) && s[k] == '(' {
					end := matchParen(s, k)
					out = append(out, s[k+1:end])
					j = end + 1
				}
			}
			i = j
		default:
			i++
		}
	}
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// matchParen returns the index of the parenthesis closing the one at open,
// skipping string literals.
func matchParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '\'':
			for i++; i < len(s); i++ {
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return len(s)
}

func readPostgresSchema(t *testing.T, ctx context.Context, d *db.DB) schemaFacts {
	t.Helper()
	q := d.Read()
	f := schemaFacts{}
	// Everything below reads the test's own schema (first on the
	// search_path), through the catalogs rather than information_schema,
	// which hides what the current role does not own.
	const inSchema = `c.relnamespace = current_schema()::regnamespace`
	tables := queryStrings(t, ctx, q, `SELECT c.relname FROM pg_class c WHERE c.relkind IN ('r', 'p') AND `+inSchema+` ORDER BY 1`)
	colNames := map[string]map[string]bool{}
	for _, tbl := range tables {
		f["table "+tbl] = "exists"
		colNames[tbl] = map[string]bool{}
	}

	rows, err := q.QueryContext(ctx, `
		SELECT c.relname, a.attname, format_type(a.atttypid, NULL), a.attnotnull, a.atthasdef,
		       a.attidentity <> '' OR COALESCE(pg_get_expr(ad.adbin, ad.adrelid) LIKE 'nextval(%', false)
		FROM pg_attribute a
		JOIN pg_class c ON c.oid = a.attrelid
		LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
		WHERE c.relkind IN ('r', 'p') AND `+inSchema+` AND a.attnum > 0 AND NOT a.attisdropped`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var tbl, name, typ string
		var notNull, hasDef, generated bool
		if err := rows.Scan(&tbl, &name, &typ, &notNull, &hasDef, &generated); err != nil {
			t.Fatal(err)
		}
		colNames[tbl][name] = true
		key := "column " + tbl + "." + name
		f[key+" type"] = typeMeaning(typ)
		f[key+" null"] = map[bool]string{true: "not null", false: "null"}[notNull]
		switch {
		case generated:
			f[key+" default"] = "generated"
		case hasDef:
			f[key+" default"] = "yes"
		default:
			f[key+" default"] = "none"
		}
	}
	closeRows(t, rows)

	// Constraints. Column lists keep the constraint's order.
	rows, err = q.QueryContext(ctx, `
		SELECT c.relname, con.contype, pg_get_constraintdef(con.oid),
		       COALESCE((SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, n)
		                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum), ''),
		       COALESCE((SELECT relname FROM pg_class WHERE oid = con.confrelid), ''),
		       COALESCE((SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, n)
		                 JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum), ''),
		       con.confdeltype, con.confupdtype
		FROM pg_constraint con
		JOIN pg_class c ON c.oid = con.conrelid
		WHERE `+inSchema+` AND con.contype IN ('p', 'u', 'f', 'c')`)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]string{"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default", " ": "no action"}
	for rows.Next() {
		var tbl, typ, def, cols, refTable, refCols, onDel, onUpd string
		if err := rows.Scan(&tbl, &typ, &def, &cols, &refTable, &refCols, &onDel, &onUpd); err != nil {
			t.Fatal(err)
		}
		switch typ {
		case "p":
			f["primary key "+tbl] = "(" + cols + ")"
		case "u":
			f.add("unique "+tbl+" ("+cols+")", "constraint")
		case "f":
			f.add("foreign key "+tbl+" ("+cols+")", fkText(refTable, strings.Split(refCols, ", "), actions[onDel], actions[onUpd]))
		case "c":
			f.add("check "+tbl+" "+exprSignatureCols(def, colNames[tbl]), exprSignature(def, colNames[tbl]))
		}
	}
	closeRows(t, rows)

	// Indexes that no constraint owns (those made by CREATE INDEX).
	rows, err = q.QueryContext(ctx, `
		SELECT i.relname, c.relname, ix.indisunique, COALESCE(pg_get_expr(ix.indpred, ix.indrelid), ''),
		       (SELECT string_agg(CASE WHEN ix.indkey[k.n - 1] = 0 THEN '(expression)' ELSE a.attname::text END
		                          || CASE WHEN ix.indoption[k.n - 1] & 1 = 1 THEN ' desc' ELSE '' END, ', ' ORDER BY k.n)
		        FROM generate_series(1, ix.indnkeyatts) k(n)
		        LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ix.indkey[k.n - 1])
		FROM pg_index ix
		JOIN pg_class i ON i.oid = ix.indexrelid
		JOIN pg_class c ON c.oid = ix.indrelid
		WHERE `+inSchema+`
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid AND con.contype IN ('p', 'u', 'x'))`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, tbl, pred, cols string
		var unique bool
		if err := rows.Scan(&name, &tbl, &unique, &pred, &cols); err != nil {
			t.Fatal(err)
		}
		v := "on " + tbl + " (" + cols + ")"
		if unique {
			v = "unique " + v
		}
		if pred != "" {
			v += " where " + exprSignature(pred, colNames[tbl])
		}
		f["index "+name] = v
	}
	closeRows(t, rows)
	return f
}

func queryStrings(t *testing.T, ctx context.Context, q db.Querier, query string, args ...any) []string {
	t.Helper()
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	closeRows(t, rows)
	return out
}

func closeRows(t *testing.T, rows *sql.Rows) {
	t.Helper()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
}
