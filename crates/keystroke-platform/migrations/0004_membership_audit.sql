-- Membership changes join the audit trail (`member.add`, `member.set_role`, `member.remove`),
-- with what an event changed beyond its action and target: a member's role, say.
ALTER TABLE audit_events ADD COLUMN detail TEXT;
