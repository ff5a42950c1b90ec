-- Information asset ledger, see docs/assets.md. One row per asset of an
-- organisation, in the ledger's column order (DESIGN.md §2.5). position
-- keeps the ledger's row order, so a ledger exported to Excel and imported
-- again comes back in the same order. Deleting sets deleted_at; a deleted
-- asset can be restored. Importance is computed, not stored.
CREATE TABLE assets (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    business_area   TEXT NOT NULL DEFAULT '',
    name            TEXT NOT NULL,
    notes           TEXT NOT NULL DEFAULT '',
    users           TEXT NOT NULL DEFAULT '',
    department      TEXT NOT NULL DEFAULT '',
    storage         TEXT NOT NULL DEFAULT '',
    personal_data   TEXT NOT NULL DEFAULT 'none' CHECK (personal_data IN ('none', 'personal', 'sensitive', 'my_number')),
    confidentiality INTEGER NOT NULL CHECK (confidentiality BETWEEN 1 AND 3),
    integrity       INTEGER NOT NULL CHECK (integrity BETWEEN 1 AND 3),
    availability    INTEGER NOT NULL CHECK (availability BETWEEN 1 AND 3),
    retention       TEXT NOT NULL DEFAULT '',
    registered_on   TEXT NOT NULL DEFAULT '',
    deleted_at      TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX assets_org ON assets(org_id, position);
