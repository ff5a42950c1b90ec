-- Incident readiness, see docs/incident.md: each organisation's incident
-- response card and its incident log.
--
-- The card is one JSON document per organisation (doc) rather than a
-- column per field: it is always read and written whole, never searched
-- by field; it holds a variable number of internal contacts and one list
-- of steps per situation, which columns would flatten into forty-odd
-- fields and a migration for every situation added. The Go code checks
-- the document on the way in and computes "done" on the way out, so the
-- rule can change without touching stored rows. revision counts saves:
-- a save names the revision it started from, so two people editing at
-- once cannot overwrite each other unnoticed. No row means the card was
-- never saved (the editor then offers our defaults).
CREATE TABLE incident_cards (
    org_id     TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    doc        TEXT NOT NULL,
    revision   INTEGER NOT NULL CHECK (revision >= 1),
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT REFERENCES users(id) ON DELETE SET NULL
);

-- One row per incident. An incident is open while closed_at is NULL, so
-- the status and the closing date cannot disagree. Text is plain text as
-- typed, never HTML; pages escape it.
CREATE TABLE incidents (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    title       TEXT NOT NULL CHECK (title <> ''),
    description TEXT NOT NULL DEFAULT '',
    found_at    TIMESTAMP NOT NULL,
    impact      TEXT NOT NULL DEFAULT '',
    actions     TEXT NOT NULL DEFAULT '',
    closed_at   TIMESTAMP,
    revision    INTEGER NOT NULL CHECK (revision >= 1),
    created_at  TIMESTAMP NOT NULL,
    created_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    updated_at  TIMESTAMP NOT NULL,
    updated_by  TEXT REFERENCES users(id) ON DELETE SET NULL
);
-- Serves the log (open first, newest first) and the count of open ones.
CREATE INDEX incidents_org ON incidents(org_id, closed_at, found_at);
