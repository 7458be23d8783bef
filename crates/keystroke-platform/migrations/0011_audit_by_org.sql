-- `audit list` reads one org's events in the order they happened: through this index, instead of
-- a scan of every org's, a table that grows by a row at each deploy. (Each entry ends with the
-- row's `seq`, its rowid, so the events it finds are in order already.)
CREATE INDEX audit_events_by_org ON audit_events(org_id);
