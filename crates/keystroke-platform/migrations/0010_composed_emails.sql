-- Emails are stored and looked up in Unicode's composed form (NFC) as well as lowercased from this
-- version on: `ü` typed as `u` and a combining diaeresis was another address byte for byte. The
-- stored ones are composed in Rust (storage::sqlite::migrations::compose_stored_emails) right
-- after this file, in the same transaction. Nothing to change in the schema itself.
SELECT 1;
