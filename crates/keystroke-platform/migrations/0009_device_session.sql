-- The session a redeemed device authorization gave: a device code used again ends it (RFC 6749
-- §4.1.2), as the answer that carried it may have been lost on its way, or the code copied.
ALTER TABLE device_authorizations ADD COLUMN session_id TEXT;
