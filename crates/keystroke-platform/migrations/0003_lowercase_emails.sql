-- Emails are stored and looked up lowercased from this version on. SQLite's lower() folds ASCII
-- only, so the stored ones are lowercased in Rust (storage::sqlite::lowercase_stored_emails)
-- right after this file, in the same transaction. Nothing to change in the schema itself.
SELECT 1;
