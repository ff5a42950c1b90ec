-- Threat-information sharing hub (J-CSIP), see docs/sharing.md.
--
-- A member is an organisation under the partnership. Its staff are users
-- with the share_member role who belong to the organisation. Access to
-- shared information needs a current NDA: an NDA covers signed_on to
-- expires_on (dates in Japan, inclusive), so access stops by itself the
-- day after the last covered day and resumes when a new NDA is recorded.
CREATE TABLE share_members (
    org_id         TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    -- The member's own mail servers, one host suffix or CIDR per line:
    -- Received hops inside them are the member's and are never shared.
    boundary       TEXT NOT NULL DEFAULT '',
    joined_at      TIMESTAMP NOT NULL,
    left_at        TIMESTAMP,
    added_by       TEXT REFERENCES users(id) ON DELETE SET NULL
);

CREATE TABLE share_ndas (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES share_members(org_id) ON DELETE CASCADE,
    signed_on   TEXT NOT NULL,
    expires_on  TEXT NOT NULL,
    reference   TEXT NOT NULL DEFAULT '',
    recorded_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    recorded_at TIMESTAMP NOT NULL,
    CHECK (signed_on <= expires_on)
);
CREATE INDEX share_ndas_org ON share_ndas(org_id, expires_on);

CREATE TABLE share_sigs (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE share_sig_members (
    sig_id   TEXT NOT NULL REFERENCES share_sigs(id) ON DELETE CASCADE,
    org_id   TEXT NOT NULL REFERENCES share_members(org_id) ON DELETE CASCADE,
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (sig_id, org_id)
);
CREATE INDEX share_sig_members_org ON share_sig_members(org_id);

-- Staff invited by address before they had an account: the
-- organisation's invitation brings them in, and accepting it gives them
-- the share_member role (see sharing.InvitationAccepted).
CREATE TABLE share_staff_invites (
    org_id     TEXT NOT NULL REFERENCES share_members(org_id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    invited_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, email)
);

-- A member's report of a suspicious mail. The reporter is kept for the
-- coordinators only; no page for members ever shows another member's
-- identity.
CREATE TABLE share_reports (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES share_members(org_id) ON DELETE CASCADE,
    reporter_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    summary     TEXT NOT NULL,
    noticed_at  TIMESTAMP NOT NULL,
    recipients  INTEGER NOT NULL CHECK (recipients >= 0),
    actions     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('received', 'review', 'approval', 'changes', 'released', 'closed')),
    targeted    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX share_reports_org ON share_reports(org_id, created_at);
CREATE INDEX share_reports_created ON share_reports(created_at);

-- The mail files of a report, sealed with the secret key
-- (secretbox purpose "report mail", the row id as context), so a copy of
-- the database alone does not reveal them.
CREATE TABLE share_report_mails (
    id         TEXT PRIMARY KEY,
    report_id  TEXT NOT NULL REFERENCES share_reports(id) ON DELETE CASCADE,
    filename   TEXT NOT NULL,
    size       INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    sealed     BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX share_report_mails_report ON share_report_mails(report_id);
