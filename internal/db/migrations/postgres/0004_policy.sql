-- Basic security policy (情報セキュリティ基本方針), see docs/policy.md.
-- policy_drafts holds each organisation's working copy, overwritten by
-- every save. policy_versions keeps every published version for good:
-- hosted text (external_url '') or the address of a policy published
-- elsewhere. Text is plain text as typed, never HTML; pages escape it.
CREATE TABLE policy_drafts (
    org_id               TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    lang                 TEXT NOT NULL CHECK (lang IN ('ja', 'en')),
    intro                TEXT NOT NULL DEFAULT '',
    h1                   TEXT NOT NULL DEFAULT '',
    h2                   TEXT NOT NULL DEFAULT '',
    h3                   TEXT NOT NULL DEFAULT '',
    h4                   TEXT NOT NULL DEFAULT '',
    h5                   TEXT NOT NULL DEFAULT '',
    representative       TEXT NOT NULL DEFAULT '',
    representative_title TEXT NOT NULL DEFAULT '',
    updated_at           TIMESTAMPTZ NOT NULL,
    updated_by           TEXT REFERENCES users(id) ON DELETE SET NULL
);

-- Versions are numbered 1, 2, … per organisation; the unique pair also
-- serves "latest version" (ORDER BY version DESC LIMIT 1).
CREATE TABLE policy_versions (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES orgs(id),
    version              INTEGER NOT NULL CHECK (version >= 1),
    lang                 TEXT NOT NULL CHECK (lang IN ('ja', 'en')),
    org_name             TEXT NOT NULL,
    representative       TEXT NOT NULL DEFAULT '',
    representative_title TEXT NOT NULL DEFAULT '',
    intro                TEXT NOT NULL DEFAULT '',
    h1                   TEXT NOT NULL DEFAULT '',
    h2                   TEXT NOT NULL DEFAULT '',
    h3                   TEXT NOT NULL DEFAULT '',
    h4                   TEXT NOT NULL DEFAULT '',
    h5                   TEXT NOT NULL DEFAULT '',
    external_url         TEXT NOT NULL DEFAULT '',
    published_at         TIMESTAMPTZ NOT NULL,
    published_by         TEXT REFERENCES users(id) ON DELETE SET NULL,
    UNIQUE (org_id, version)
);
