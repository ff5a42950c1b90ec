-- Cloud services check, see docs/cloudcheck.md. cloud_services is an
-- organisation's inventory of the cloud services it uses; deleting sets
-- deleted_at and a deleted service can be restored. completed_at is the
-- last time a save left all 14 points answered: the yearly re-check is
-- due 365 days after it (or at once when it is NULL).
CREATE TABLE cloud_services (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    provider     TEXT NOT NULL DEFAULT '',
    purpose      TEXT NOT NULL DEFAULT '',
    url          TEXT NOT NULL DEFAULT '',
    completed_at TIMESTAMPTZ,
    completed_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    deleted_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX cloud_services_org ON cloud_services(org_id, deleted_at);

-- Which of the organisation's information assets are stored in a service.
-- Links to an asset that was deleted (soft) are kept, so restoring the
-- asset restores the link.
CREATE TABLE cloud_service_assets (
    service_id TEXT NOT NULL REFERENCES cloud_services(id) ON DELETE CASCADE,
    asset_id   TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    PRIMARY KEY (service_id, asset_id)
);
CREATE INDEX cloud_service_assets_asset ON cloud_service_assets(asset_id);

-- One row per answered (or annotated) point of a service's check. An
-- answer '' with a note is an unanswered point with a note; a point
-- without a row is unanswered.
CREATE TABLE cloud_answers (
    service_id TEXT NOT NULL REFERENCES cloud_services(id) ON DELETE CASCADE,
    point      INTEGER NOT NULL CHECK (point BETWEEN 1 AND 14),
    answer     TEXT NOT NULL DEFAULT '' CHECK (answer IN ('', 'yes', 'no', 'na')),
    note       TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    PRIMARY KEY (service_id, point)
);

-- An organisation's statement that it uses no cloud services. It counts
-- as the cloud check being done while the organisation lists no service.
CREATE TABLE cloud_none (
    org_id      TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    recorded_at TIMESTAMPTZ NOT NULL,
    recorded_by TEXT REFERENCES users(id) ON DELETE SET NULL
);
