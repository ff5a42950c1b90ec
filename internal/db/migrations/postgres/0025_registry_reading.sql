-- Issue 13: the registry finds an organisation by its reading and its
-- English name too (docs/registry.md, "Name normalisation"). The entries
-- keep both as the organisation has them, so the start-up check sees an
-- entry whose organisation changed them, and the normalised text adds
-- them after the name. Normalisation now also drops the punctuation of
-- Latin names, so every stored text is out of date: the index is emptied
-- and registry.EnsureIndex rebuilds it in bulk at the next start, as
-- after migration 0007.
ALTER TABLE registry_entries ADD COLUMN name_kana TEXT NOT NULL DEFAULT '';
ALTER TABLE registry_entries ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
DELETE FROM registry_postings;
DELETE FROM registry_counts;
DELETE FROM registry_entries;
UPDATE registry_rids SET last_rid = 0, version = version + 1;
