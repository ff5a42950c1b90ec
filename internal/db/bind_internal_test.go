package db

import "testing"

func TestBindRewritesPlaceholders(t *testing.T) {
	tests := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT * FROM t WHERE a = ?`, `SELECT * FROM t WHERE a = $1`},
		{`INSERT INTO t (a, b, c) VALUES (?, ?, ?)`, `INSERT INTO t (a, b, c) VALUES ($1, $2, $3)`},
		{`SELECT '?' FROM t WHERE a = ?`, `SELECT '?' FROM t WHERE a = $1`},
		{`SELECT 'a?b', ?, 'c?'`, `SELECT 'a?b', $1, 'c?'`},
		{`SELECT 'it''s ?' || ?`, `SELECT 'it''s ?' || $1`},
		{`SELECT '' || ?`, `SELECT '' || $1`},
		{`SELECT ?,?,?,?,?,?,?,?,?,?,?`, `SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11`},
		{"SELECT ?\n\tFROM t WHERE x = ?", "SELECT $1\n\tFROM t WHERE x = $2"},
		{`SELECT 'ほ?げ' || ?`, `SELECT 'ほ?げ' || $1`},
	}
	pg := &DB{dialect: Postgres}
	lite := &DB{dialect: SQLite}
	for _, tt := range tests {
		if got := pg.bind(tt.in); got != tt.want {
			t.Errorf("bind(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// The cached form must be the same as the first.
		if got := pg.bind(tt.in); got != tt.want {
			t.Errorf("cached bind(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := lite.bind(tt.in); got != tt.in {
			t.Errorf("SQLite bind(%q) = %q, want unchanged", tt.in, got)
		}
	}
}
