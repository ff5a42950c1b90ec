-- Countermeasure check sheet (管理策の実施状況チェック), see
-- docs/controls.md. One row per organisation and answered control; the
-- controls themselves are content (internal/controls/content), named by
-- their stable key ("org.1"). answer '' keeps a note on a control not yet
-- answered. A control with neither answer nor note has no row.
CREATE TABLE control_answers (
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    control_key TEXT NOT NULL,
    answer      TEXT NOT NULL CHECK (answer IN ('', 'in_place', 'partial', 'not_in_place', 'not_applicable')),
    note        TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMP NOT NULL,
    updated_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    PRIMARY KEY (org_id, control_key)
);
