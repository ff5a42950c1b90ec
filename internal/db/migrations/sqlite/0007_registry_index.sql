-- The registry's search index, rebuilt as rid-ordered entries and blocked
-- posting lists (docs/registry.md, "The search index"). Everything here is
-- derived from declarations and orgs: the old tables are dropped and
-- registry.EnsureIndex builds the new ones at the next start.
DROP TABLE registry_grams;
DROP TABLE registry_gram_counts;
DROP TABLE registry_names;
DROP INDEX registry_declarations_recent;
DROP INDEX registry_declarations_stars;
DROP INDEX registry_orgs_prefecture;
DROP INDEX registry_orgs_industry;
UPDATE registry_rids SET last_rid = 0;

-- One row per listed declaration, with what a search result shows. rid
-- (the rowid) rises with each (re)declaration: newest first is rid
-- descending.
CREATE TABLE registry_entries (
    rid              INTEGER PRIMARY KEY,
    declaration_id   TEXT NOT NULL UNIQUE REFERENCES declarations(id) ON DELETE CASCADE,
    number           TEXT NOT NULL,
    name             TEXT NOT NULL,
    stars            INTEGER NOT NULL,
    prefecture       TEXT NOT NULL,
    industry         TEXT NOT NULL,
    status           TEXT NOT NULL,
    declared_at      TIMESTAMP NOT NULL,
    corporate_number TEXT,
    norm             TEXT NOT NULL
);
CREATE INDEX registry_entries_number ON registry_entries(number);
CREATE INDEX registry_entries_corporate_number ON registry_entries(corporate_number) WHERE corporate_number IS NOT NULL;
-- The entries holding each key (a name's unigram or bigram, or a facet
-- such as pref:13), a block of 65,536 rids per row (registry/block.go).
CREATE TABLE registry_postings (
    key   TEXT NOT NULL,
    block INTEGER NOT NULL,
    bits  BLOB NOT NULL,
    PRIMARY KEY (key, block)
) WITHOUT ROWID;
-- How many entries hold each key.
CREATE TABLE registry_counts (
    key TEXT PRIMARY KEY,
    n   INTEGER NOT NULL
) WITHOUT ROWID;
-- Moved on by every write to the index, so caches of posting lists know
-- when theirs are out of date (registry.Lists).
ALTER TABLE registry_rids ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
