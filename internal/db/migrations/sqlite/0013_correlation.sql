-- Correlation of shared reports (docs/correlation.md): which reports hold
-- which indicator, as integers only, so a report with 50 indicators is
-- linked against a million stored ones by 50 key lookups and the rows of
-- the values it shares. report_id is the hub's report id; the hub's tables
-- come later and delete through correlate.Remove, so there is no foreign
-- key to them.

-- One row per correlated report; rid is the compact id postings use.
CREATE TABLE correlation_reports (
    rid       INTEGER PRIMARY KEY,
    report_id TEXT NOT NULL UNIQUE,
    at        TIMESTAMP NOT NULL
);
-- One row per distinct indicator. ind is "kind:value" as normalised by
-- correlate (NUL in mailer_subject stored as U+001F); reports counts the
-- reports holding it, so a too-common value is skipped without reading
-- its postings. A value no report holds any more is deleted.
CREATE TABLE correlation_values (
    id      INTEGER PRIMARY KEY,
    ind     TEXT NOT NULL UNIQUE,
    reports INTEGER NOT NULL CHECK (reports >= 0)
);
-- Which report holds which value. The primary key answers "who holds
-- these values"; the second index answers "what does this report hold"
-- (Remove, re-Add, Cluster).
CREATE TABLE correlation_indicators (
    value_id INTEGER NOT NULL REFERENCES correlation_values(id),
    rid      INTEGER NOT NULL REFERENCES correlation_reports(rid),
    PRIMARY KEY (value_id, rid)
) WITHOUT ROWID;
CREATE INDEX correlation_indicators_rid ON correlation_indicators(rid, value_id);

-- The warning list: values (or, for hosts, senders and IPs, whole domains
-- and prefixes) that never link reports. Editable by analysts; the rows
-- below are the built-in defaults, removable like any other.
CREATE TABLE correlation_warnings (
    kind     TEXT NOT NULL CHECK (kind IN ('sender', 'sending_ip', 'url_host', 'attachment_sha256', 'mailer_subject')),
    value    TEXT NOT NULL,
    note     TEXT NOT NULL DEFAULT '',
    added_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, value)
);
INSERT INTO correlation_warnings (kind, value, note, added_at)
SELECT 'sender', v, 'built-in: free mail', CURRENT_TIMESTAMP FROM (
    SELECT 'gmail.com' AS v UNION ALL SELECT 'googlemail.com' UNION ALL SELECT 'yahoo.co.jp' UNION ALL
    SELECT 'yahoo.com' UNION ALL SELECT 'ymail.com' UNION ALL SELECT 'outlook.com' UNION ALL SELECT 'outlook.jp' UNION ALL
    SELECT 'hotmail.com' UNION ALL SELECT 'hotmail.co.jp' UNION ALL SELECT 'live.com' UNION ALL SELECT 'live.jp' UNION ALL
    SELECT 'msn.com' UNION ALL SELECT 'icloud.com' UNION ALL SELECT 'me.com' UNION ALL SELECT 'mac.com' UNION ALL
    SELECT 'aol.com' UNION ALL SELECT 'docomo.ne.jp' UNION ALL SELECT 'ezweb.ne.jp' UNION ALL SELECT 'au.com' UNION ALL
    SELECT 'softbank.ne.jp' UNION ALL SELECT 'i.softbank.jp' UNION ALL SELECT 'proton.me' UNION ALL
    SELECT 'protonmail.com' UNION ALL SELECT 'qq.com' UNION ALL SELECT '163.com' UNION ALL SELECT 'naver.com'
);
INSERT INTO correlation_warnings (kind, value, note, added_at)
SELECT 'url_host', v, 'built-in: big platform', CURRENT_TIMESTAMP FROM (
    SELECT 'google.com' AS v UNION ALL SELECT 'google.co.jp' UNION ALL SELECT 'gstatic.com' UNION ALL
    SELECT 'youtube.com' UNION ALL SELECT 'youtu.be' UNION ALL SELECT 'microsoft.com' UNION ALL SELECT 'office.com' UNION ALL
    SELECT 'microsoftonline.com' UNION ALL SELECT 'live.com' UNION ALL SELECT 'outlook.com' UNION ALL SELECT 'apple.com' UNION ALL
    SELECT 'icloud.com' UNION ALL SELECT 'amazon.co.jp' UNION ALL SELECT 'amazon.com' UNION ALL SELECT 'line.me' UNION ALL
    SELECT 'yahoo.co.jp' UNION ALL SELECT 'rakuten.co.jp' UNION ALL SELECT 'facebook.com' UNION ALL SELECT 'instagram.com' UNION ALL
    SELECT 'twitter.com' UNION ALL SELECT 'x.com' UNION ALL SELECT 'linkedin.com' UNION ALL SELECT 'w3.org'
);
