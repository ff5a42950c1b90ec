-- N-gram index of registry names, see docs/registry.md ("An n-gram index").
-- rid is a compact integer per registry_names row, allocated from the
-- one-row counter registry_rids (like declaration_numbers), so postings are
-- small. Existing rows get theirs from registry.EnsureIndex at start
-- (a NULL rid counts as stale).
ALTER TABLE registry_names ADD COLUMN rid BIGINT;
CREATE UNIQUE INDEX registry_names_rid ON registry_names(rid);
CREATE TABLE registry_rids (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_rid BIGINT NOT NULL
);
INSERT INTO registry_rids (id, last_rid) VALUES (1, 0);
-- One row per distinct unigram and bigram of a normalised name, except the
-- grams of the commonest legal forms (registry.stopGrams).
CREATE TABLE registry_grams (
    gram TEXT NOT NULL,
    rid  BIGINT NOT NULL,
    PRIMARY KEY (gram, rid)
);
-- How many names hold each gram, to pick the rarest gram of a query.
CREATE TABLE registry_gram_counts (
    gram TEXT PRIMARY KEY,
    n    BIGINT NOT NULL
);
-- The registry's order (declared_at descending, then number) as an index
-- that can be walked forwards, and per-filter variants of it.
CREATE INDEX registry_declarations_recent ON declarations(declared_at DESC, number);
CREATE INDEX registry_declarations_stars ON declarations(stars, declared_at DESC, number);
CREATE INDEX registry_orgs_prefecture ON orgs(prefecture, industry);
CREATE INDEX registry_orgs_industry ON orgs(industry);
