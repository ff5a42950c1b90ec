-- Issue 23: a mail's link secrets (reset, verification, invitation) are
-- stored as digests only, so the outbox must not keep them either.
-- shown_body is the body with every link secret replaced by a
-- placeholder: /admin/outbox shows it instead of the body, and after SMTP
-- delivery it replaces the body. Mail stored before this column is shown
-- without its body; delivered legacy mail loses its body here.
ALTER TABLE mail_outbox ADD COLUMN shown_body TEXT;
UPDATE mail_outbox SET body = '' WHERE status = 'sent';
