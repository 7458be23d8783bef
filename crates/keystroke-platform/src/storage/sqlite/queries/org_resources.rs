//! [`OrgResources`] on SQLite: projects and deploys.

use rusqlite::params;

use super::{live_credential, not_written};
use crate::storage::sqlite::SqliteStorage;
use crate::storage::{OrgResources, ProjectRecord, Result, Timestamp};
use crate::tokens::public_id;

impl OrgResources for SqliteStorage {
    fn projects_of(&self, org_id: &str) -> Result<Vec<ProjectRecord>> {
        let conn = self.conn()?;
        let mut stmt =
            conn.prepare_cached("SELECT id, name, created_at FROM projects WHERE org_id = ?1 ORDER BY created_at, id")?;
        let rows =
            stmt.query_map([org_id], |r| Ok(ProjectRecord { id: r.get(0)?, name: r.get(1)?, created_at: r.get(2)? }))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn create_project(
        &self,
        org_id: &str,
        name: &str,
        created_by: &str,
        credential_id: &str,
        now: Timestamp,
    ) -> Result<ProjectRecord> {
        let project = ProjectRecord { id: public_id("prj_"), name: name.to_owned(), created_at: now };
        self.write(|tx| {
            let inserted = tx.execute(
                &format!(
                    "INSERT INTO projects (id, org_id, name, created_by, created_at) SELECT ?1, ?2, ?3, ?4, ?5
                     WHERE EXISTS (SELECT 1 FROM memberships WHERE org_id = ?2 AND user_id = ?4) AND {}",
                    live_credential("?6")
                ),
                params![project.id, org_id, project.name, created_by, now, credential_id],
            )?;
            if inserted == 0 {
                return Err(not_written(tx, org_id, created_by)?);
            }
            Ok(project)
        })
    }

    fn record_deploy(&self, org_id: &str, actor_id: &str, credential_id: &str, now: Timestamp) -> Result<()> {
        self.write(|tx| {
            let recorded = tx.execute(
                &format!(
                    "INSERT INTO audit_events (org_id, actor_id, action, target_id, created_at)
                     SELECT ?1, ?2, 'deploy.trigger', ?3, ?4
                     WHERE EXISTS (SELECT 1 FROM memberships WHERE org_id = ?1 AND user_id = ?2) AND {}",
                    live_credential("?3")
                ),
                params![org_id, actor_id, credential_id, now],
            )?;
            if recorded == 0 {
                return Err(not_written(tx, org_id, actor_id)?);
            }
            Ok(())
        })
    }
}
