//! The `keystroke` binary end to end, against a real platform on port 0.

mod api_keys;
mod auth;
mod completions;
mod config_files;
mod credentials;
mod deploy;
#[path = "../generated/mod.rs"]
mod generated;
mod json_output;
mod orgs;
mod platform_failures;
mod sessions;
#[path = "../skip/mod.rs"]
mod skip;
mod support;
mod usage;
