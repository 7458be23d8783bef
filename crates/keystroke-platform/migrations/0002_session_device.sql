-- Telling sessions apart in `keystroke session list`: the machine a CLI session was made for (the
-- host name the CLI sends when it asks to sign in, shown on the approval page too) and when the
-- session was last used (written at most once a minute, like an API key's).
ALTER TABLE device_authorizations ADD COLUMN device_name TEXT;
ALTER TABLE sessions ADD COLUMN device TEXT;
ALTER TABLE sessions ADD COLUMN last_used_at INTEGER;
