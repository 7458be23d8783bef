use crate::context::{Context, StoredToken};

/// Prints the session token for scripts; the one place besides requests where it is exposed.
pub fn run(context: &Context) -> anyhow::Result<()> {
    let StoredToken { platform, token, .. } = context.token()?;
    if context.printer.json() {
        let output = serde_json::json!({ "platform_url": platform.key, "token": token.expose() });
        return context.printer.json_data(&output);
    }
    context.printer.data_raw(token.expose())?;
    Ok(())
}
