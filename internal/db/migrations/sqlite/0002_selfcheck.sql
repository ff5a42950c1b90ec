-- Self-diagnosis: anonymous drafts, saved results per organisation (and
-- site), plan actions marked done.
CREATE TABLE selfcheck_drafts (
    token_hash TEXT PRIMARY KEY,
    version    TEXT NOT NULL,
    answers    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX selfcheck_drafts_updated ON selfcheck_drafts(updated_at);

CREATE TABLE selfcheck_sites (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE selfcheck_results (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    site_id    TEXT REFERENCES selfcheck_sites(id) ON DELETE SET NULL,
    version    TEXT NOT NULL,
    score      INTEGER NOT NULL,
    band       TEXT NOT NULL,
    answers    TEXT NOT NULL,
    taken_by   TEXT REFERENCES users(id) ON DELETE SET NULL,
    taken_at   TIMESTAMP NOT NULL
);
CREATE INDEX selfcheck_results_org ON selfcheck_results(org_id, taken_at);

CREATE TABLE selfcheck_actions_done (
    result_id TEXT NOT NULL REFERENCES selfcheck_results(id) ON DELETE CASCADE,
    item      INTEGER NOT NULL,
    done_by   TEXT REFERENCES users(id) ON DELETE SET NULL,
    done_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (result_id, item)
);
