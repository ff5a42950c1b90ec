-- A staff invitation for someone who is not yet a member of the company
-- is now the company's decision: the coordinators ask, an owner of the
-- organisation approves, and only then does the organisation's invitation
-- go out. Until now the coordinators' request sent it at once, so a
-- coordinator could bring an address it controls into any company's own
-- pages. approved_at is NULL while the owners have not decided;
-- invitations already sent count as approved.
ALTER TABLE share_staff_invites ADD COLUMN approved_at TIMESTAMPTZ;
ALTER TABLE share_staff_invites ADD COLUMN approved_by TEXT REFERENCES users(id) ON DELETE SET NULL;
-- The organisation's invitation the approval sent: only accepting that
-- one makes staff (an ordinary invitation later does not). NULL for
-- invitations sent before approvals existed, matched by address.
ALTER TABLE share_staff_invites ADD COLUMN invitation_id TEXT;
UPDATE share_staff_invites SET approved_at = created_at;
