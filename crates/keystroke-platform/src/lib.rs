//! The Keystroke platform: orgs, members, user sessions and org-scoped API keys over HTTP.
//!
//! A library first, so that tests and `keystroke-platform dev` start the same server on a
//! listener of their choosing; the binary (`src/bin/keystroke-platform/`) is the command line
//! over it: its arguments, the admin lists' output, and the warnings `serve` gives.

pub mod admin;
pub mod auth;
pub mod clock;
pub mod dev;
pub mod error;
mod expiring;
mod keys;
mod logging;
mod passwords;
mod per_address;
pub mod routes;
pub mod server;
pub mod state;
pub mod storage;
mod throttle;
pub mod tokens;
pub mod web;

pub use server::{BackgroundServer, serve};
pub use state::{Config, Mode};
pub use storage::{SqliteStorage, Storage};
