-- Hub staff per member organisation. Until now an account acted for
-- every member organisation it belonged to as soon as it held the global
-- share_member role anywhere, so joining a second member's organisation
-- for an unrelated reason made it that member's staff without the
-- coordinators' say. Staff are now named per member; the role stays the
-- gate to the hub's pages. Existing staff keep exactly what they had.
CREATE TABLE share_staff (
    org_id   TEXT NOT NULL REFERENCES share_members(org_id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX share_staff_user ON share_staff(user_id);

INSERT INTO share_staff (org_id, user_id, added_at)
SELECT om.org_id, om.user_id, CURRENT_TIMESTAMP
FROM org_members om
JOIN user_roles r ON r.user_id = om.user_id AND r.role = 'share_member'
JOIN share_members m ON m.org_id = om.org_id;
