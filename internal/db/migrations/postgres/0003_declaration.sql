-- Self-declaration (セキュリティ対策自己宣言), see docs/declarations.md.
-- One record per organisation in declarations: it keeps its number through
-- ★→★★, withdrawal and re-declaration. Every change appends a row to
-- declaration_events (append-only in practice). Numbers come from the
-- one-row counter declaration_numbers, incremented in the declaring
-- transaction, so they are unique and never reused.
CREATE TABLE declaration_numbers (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    last_serial BIGINT NOT NULL
);
-- The first serial issued is 1000000001: every serial has ten digits.
INSERT INTO declaration_numbers (id, last_serial) VALUES (1, 1000000000);

CREATE TABLE declarations (
    id              TEXT PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    org_id          TEXT NOT NULL UNIQUE REFERENCES orgs(id),
    stars           INTEGER NOT NULL CHECK (stars IN (1, 2)),
    status          TEXT NOT NULL,
    org_name        TEXT NOT NULL DEFAULT '',
    declared_by     TEXT REFERENCES users(id) ON DELETE SET NULL,
    declarant_name  TEXT NOT NULL DEFAULT '',
    declarant_title TEXT NOT NULL DEFAULT '',
    declared_at     TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE declaration_events (
    id             TEXT PRIMARY KEY,
    declaration_id TEXT NOT NULL REFERENCES declarations(id),
    at             TIMESTAMPTZ NOT NULL,
    kind           TEXT NOT NULL,
    stars          INTEGER NOT NULL,
    actor_id       TEXT NOT NULL DEFAULT '',
    detail         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX declaration_events_declaration ON declaration_events(declaration_id, at);
