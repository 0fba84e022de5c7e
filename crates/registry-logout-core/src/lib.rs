//! registry-logout-core: `npm logout` as a Rust library, with no Node in it. One module
//! per stage (config → credentials → revoke → edit), sequenced by `logout`. The Node
//! addon (the `registry-logout` package at the repository root) is a thin skin over it.

pub mod config;
pub mod credentials;
pub mod edit;
pub mod env;
pub mod error;
pub mod js;
pub mod logout;
pub mod nerf_dart;
pub mod npmrc;
pub mod revoke;
mod scan;
pub mod secret;

pub use error::{ErrorKind, LogoutError, Result, SystemCode};
pub use logout::{logout, LogoutReport, LogoutRequest, RevokePolicy};
pub use tokio_util::sync::CancellationToken;
