-- Every request with an API key looks its key up by secret hash and reads its org's slug: with
-- the columns it reads in the index it searches, each is one B-tree descent where the index and
-- then the table took two. The lookup names both (`INDEXED BY`): dropping either fails it.
CREATE INDEX api_keys_by_secret ON api_keys(secret_hash, id, org_id, created_by, expires_at, last_used_at, revoked_at);
CREATE INDEX orgs_slug_by_id ON orgs(id, slug);
