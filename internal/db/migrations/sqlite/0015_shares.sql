-- Shares: the sanitised, analysed version of a report that members see,
-- see docs/sharing.md. One share per report. sanitized holds the shared
-- mail extract (JSON, recipients pseudonymised, the member's hops cut) and
-- redactions what was changed, for the analyst's side-by-side view and
-- the reporter's approval; neither ever holds the raw mail.
CREATE TABLE share_shares (
    id           TEXT PRIMARY KEY,
    report_id    TEXT NOT NULL UNIQUE REFERENCES share_reports(id) ON DELETE CASCADE,
    title        TEXT NOT NULL DEFAULT '',
    analysis     TEXT NOT NULL DEFAULT '',
    tlp          TEXT NOT NULL DEFAULT 'amber' CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
    lure         TEXT NOT NULL DEFAULT '' CHECK (lure IN ('', 'url', 'attachment', 'both', 'none')),
    attachment_types TEXT NOT NULL DEFAULT '',
    sanitized    TEXT NOT NULL DEFAULT '',
    redactions   TEXT NOT NULL DEFAULT '',
    change_note  TEXT NOT NULL DEFAULT '',
    redact_terms TEXT NOT NULL DEFAULT '',
    created_by   TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    approved_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    approved_at  TIMESTAMP,
    released_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    released_at  TIMESTAMP,
    -- A released share taken back (a mistake, a request from the
    -- reporter): members no longer see it; the record stays.
    withdrawn_at TIMESTAMP,
    withdrawn_by TEXT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX share_shares_released ON share_shares(released_at);

CREATE TABLE share_share_sigs (
    share_id TEXT NOT NULL REFERENCES share_shares(id) ON DELETE CASCADE,
    sig_id   TEXT NOT NULL REFERENCES share_sigs(id) ON DELETE CASCADE,
    PRIMARY KEY (share_id, sig_id)
);
CREATE INDEX share_share_sigs_sig ON share_share_sigs(sig_id);

-- "We received it too": one per member organisation and share.
CREATE TABLE share_sightings (
    share_id TEXT NOT NULL REFERENCES share_shares(id) ON DELETE CASCADE,
    org_id   TEXT NOT NULL REFERENCES share_members(org_id) ON DELETE CASCADE,
    user_id  TEXT REFERENCES users(id) ON DELETE SET NULL,
    at       TIMESTAMP NOT NULL,
    PRIMARY KEY (share_id, org_id)
);

-- Figures kept before mamori (the seed's FY2012-FY2015 table), entered
-- by coordinators and shown with the computed ones. fy is the Japanese
-- fiscal year (April to March) by its starting year.
CREATE TABLE share_history (
    fy     INTEGER NOT NULL,
    metric TEXT NOT NULL CHECK (metric IN ('reports', 'shares', 'targeted')),
    value  INTEGER NOT NULL CHECK (value >= 0),
    note   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (fy, metric)
);
