-- Device authorizations are deleted an hour after they expire, when the next one is asked for:
-- the table keeps only recent sign-ins, and their user codes can be given out again.
CREATE INDEX device_authorizations_by_expiry ON device_authorizations (expires_at);
-- What piled up before this version goes now, not in the first sign-in's request.
DELETE FROM device_authorizations WHERE expires_at < CAST(strftime('%s', 'now') AS INTEGER) - 3600;
