-- Public registry of declarations, see docs/registry.md.
-- registry_names holds each declaration's organisation name normalised for
-- search (NFKC, katakana folded to hiragana, lower case, no spaces). The
-- normalisation is done in Go (internal/registry), so the table is kept by
-- registry.Sync after each change of a declaration's name and rebuilt by
-- registry.Reindex; name is the org_name the row was computed from, so a
-- stale row is found by comparing it with declarations.org_name.
CREATE TABLE registry_names (
    declaration_id TEXT PRIMARY KEY REFERENCES declarations(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    norm           TEXT NOT NULL
);
-- The registry's order: newest declaration first, then by number.
CREATE INDEX registry_declarations_order ON declarations(declared_at, number);
