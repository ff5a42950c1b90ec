-- Issue 11: what the sanitiser removed from a reported mail (recipients'
-- addresses and names, the reporter, internal hosts and addresses, link
-- tokens), the coordinators' extra words to remove and the reporter's
-- request for changes are as confidential as the raw mail, so they are
-- sealed like it: secretbox, the share's id as context (purposes "share
-- redactions", "share redact terms", "share change note"). So is the
-- shared version itself: a proposal holds whatever the sanitiser missed
-- until a coordinator removes it, and a released share is under its TLP
-- ("share sanitized"). The old text columns are emptied by the server at
-- start (sharing.SealLegacy), which a migration cannot do since the key
-- is not in the database.
ALTER TABLE share_shares ADD COLUMN sealed_sanitized BLOB;
ALTER TABLE share_shares ADD COLUMN sealed_redactions BLOB;
ALTER TABLE share_shares ADD COLUMN sealed_redact_terms BLOB;
ALTER TABLE share_shares ADD COLUMN sealed_change_note BLOB;
-- The member's own phone and fax numbers, one per line: removed from
-- what it reports, like its names.
ALTER TABLE share_members ADD COLUMN phones TEXT NOT NULL DEFAULT '';
-- A report's form (what happened, what was done: it names the people who
-- received or opened the mail) and its mail files' names (a saved mail is
-- named after its subject, which may name the addressee) are sealed too
-- ("report form" with the report's id, "report mail name" with the
-- file's id); the old columns are emptied at start.
ALTER TABLE share_reports ADD COLUMN sealed_form BLOB;
ALTER TABLE share_report_mails ADD COLUMN sealed_filename BLOB;
