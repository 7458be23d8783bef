-- User codes are kept as their SHA-256, as device codes, session tokens and API keys are: a copy
-- of the database (a backup) shows no code in clear (eight letters, one could still be found from
-- its hash by trying them all, within the code's ten minutes). SQL
-- cannot hash, so the migration's Rust step (`hash_user_codes`) copies the rows into this table,
-- hashing each code, then puts the table in the old one's place (whose pages it overwrites).
CREATE TABLE device_authorizations_hashed (
    id               TEXT PRIMARY KEY,
    device_code_hash BLOB NOT NULL UNIQUE,
    user_code_hash   BLOB NOT NULL UNIQUE,
    client_id        TEXT NOT NULL,
    client_name      TEXT NOT NULL,
    requester_ip     TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    interval_secs    INTEGER NOT NULL,
    last_polled_ms   INTEGER,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'redeemed')),
    user_id          TEXT REFERENCES users(id),
    device_name      TEXT
);
