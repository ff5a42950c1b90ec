-- Risk analysis of the information asset ledger, see docs/assets.md.
-- medium is the kind of medium an asset lives on (the keys of package
-- controls), which picks the countermeasure answers that set its
-- vulnerability. threat is the likelihood of a threat (1-3, NULL until
-- assessed). vulnerability is stored only when someone overrides the value
-- the countermeasure check gives, and then a reason is required. Risk
-- values are computed when read, never stored, so changing the method
-- recomputes every figure at once.
ALTER TABLE assets ADD COLUMN medium TEXT NOT NULL DEFAULT ''
    CHECK (medium IN ('', 'paper', 'removable', 'office_pc', 'mobile', 'server', 'cloud'));
ALTER TABLE assets ADD COLUMN threat INTEGER CHECK (threat BETWEEN 1 AND 3);
ALTER TABLE assets ADD COLUMN vulnerability INTEGER CHECK (vulnerability BETWEEN 1 AND 3);
ALTER TABLE assets ADD COLUMN vulnerability_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE assets ADD COLUMN treatment TEXT NOT NULL DEFAULT ''
    CHECK (treatment IN ('', 'reduce', 'avoid', 'transfer', 'accept'));
ALTER TABLE assets ADD COLUMN treatment_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE assets ADD COLUMN treatment_due TEXT NOT NULL DEFAULT '';

-- The organisation's choice of risk method and the value from which an
-- asset is listed as needing treatment. No row means the default method
-- with its default threshold.
CREATE TABLE asset_risk_settings (
    org_id     TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    method     TEXT NOT NULL CHECK (method IN ('guideline', 'classic')),
    threshold  INTEGER NOT NULL CHECK (threshold >= 1),
    updated_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Every change of method or threshold, with how many assets stood above
-- the threshold before and after, so an auditor sees why the list of
-- assets needing treatment changed.
CREATE TABLE asset_risk_changes (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    from_method    TEXT NOT NULL,
    to_method      TEXT NOT NULL,
    from_threshold INTEGER NOT NULL,
    to_threshold   INTEGER NOT NULL,
    above_before   INTEGER NOT NULL,
    above_after    INTEGER NOT NULL,
    changed_by     TEXT REFERENCES users(id) ON DELETE SET NULL,
    changed_at     TIMESTAMP NOT NULL
);
CREATE INDEX asset_risk_changes_org ON asset_risk_changes(org_id, changed_at);

-- An uploaded ledger waiting for its preview to be confirmed. The file is
-- kept rather than sent back with the confirmation, so what is applied is
-- exactly what was previewed (plan_hash), and nothing reaches the ledger
-- before the user confirms. Stale uploads are removed after a day.
CREATE TABLE asset_imports (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    filename   TEXT NOT NULL,
    body       BLOB NOT NULL,
    plan_hash  TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX asset_imports_org ON asset_imports(org_id, created_at);
