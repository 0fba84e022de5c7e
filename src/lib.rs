//! registry-logout: `npm logout` as a library. The core is plain Rust, one module per
//! stage (config → credentials → revoke → edit), sequenced by `logout`; `napi_binding`
//! is the thin skin that Node sees.

pub mod config;
pub mod credentials;
pub mod edit;
pub mod error;
pub mod logout;
pub mod nerf_dart;
pub mod npmrc;
pub mod revoke;
mod scan;
pub mod secret;
pub mod tls;

pub mod napi_binding;

pub use error::{LogoutError, Result};
pub use logout::{logout, LogoutReport, LogoutRequest, RevokePolicy};
