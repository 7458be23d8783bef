-- Every request with an API key reads its creator's membership, and every org route a session's:
-- kept in the order they are found by (`WITHOUT ROWID`), one B-tree descent finds one, where a
-- table and the index of its key took two.
CREATE TABLE memberships_by_org_and_user (
    org_id     TEXT NOT NULL REFERENCES orgs(id),
    user_id    TEXT NOT NULL REFERENCES users(id),
    role       TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'builder')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id)
) WITHOUT ROWID;
-- A membership of a user or org deleted by hand (in a `sqlite3` shell, where foreign keys are off
-- unless asked for) is no one's: copied, it would fail the new table's checks and the upgrade.
-- Left out, and named in the log by the step after this SQL.
CREATE TEMP TABLE memberships_of_no_one AS
    SELECT org_id, user_id, role FROM memberships
    WHERE org_id NOT IN (SELECT id FROM orgs) OR user_id NOT IN (SELECT id FROM users);
INSERT INTO memberships_by_org_and_user (org_id, user_id, role, created_at)
    SELECT org_id, user_id, role, created_at FROM memberships
    WHERE org_id IN (SELECT id FROM orgs) AND user_id IN (SELECT id FROM users);
DROP TABLE memberships;
ALTER TABLE memberships_by_org_and_user RENAME TO memberships;
CREATE INDEX memberships_by_user ON memberships(user_id);

-- An org's projects are listed by creation time, then id: with the id in the index too, a listing
-- reads it in order instead of sorting what it found.
DROP INDEX projects_by_org;
CREATE INDEX projects_by_org ON projects(org_id, created_at, id);
