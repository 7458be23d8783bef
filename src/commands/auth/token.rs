use crate::context::Context;

/// Prints the session token for scripts; the one place besides requests where it is exposed.
pub fn run(context: &Context) -> anyhow::Result<()> {
    let (_, _, _, token) = context.token()?;
    context.printer.data(token.expose())?;
    Ok(())
}
