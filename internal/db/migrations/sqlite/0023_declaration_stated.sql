-- Issue 23: a withdrawn declaration's signed record and registry entry kept
-- following the organisation's profile, so an edit after the withdrawal
-- changed what a withdrawn record says. The stated_* columns hold what the
-- profile said when the declaration was withdrawn; they are NULL while it
-- stands (the profile speaks for a standing declaration) and cleared again
-- when it is re-declared. Declarations withdrawn before this migration get
-- today's profile, the nearest value known.
ALTER TABLE declarations ADD COLUMN stated_prefecture TEXT;
ALTER TABLE declarations ADD COLUMN stated_industry TEXT;
ALTER TABLE declarations ADD COLUMN stated_corporate_number TEXT;
UPDATE declarations SET
    stated_prefecture = COALESCE((SELECT o.prefecture FROM orgs o WHERE o.id = declarations.org_id), ''),
    stated_industry = COALESCE((SELECT o.industry FROM orgs o WHERE o.id = declarations.org_id), ''),
    stated_corporate_number = COALESCE((SELECT o.corporate_number FROM orgs o WHERE o.id = declarations.org_id), '')
WHERE status = 'withdrawn';
