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
pub mod secret;
pub mod tls;

pub mod napi_binding;

pub use error::{LogoutError, Result};
pub use logout::{logout, LogoutReport, LogoutRequest, RevokePolicy};

/// Loading a large `.npmrc` the way npm decodes it is allocation-bound; mimalloc halves
/// it against glibc's allocator (a 20,000-line file: 25 → 13 ms to load, 7 → 1.6 ms to
/// free). Only the addon's own Rust allocations use it; napi copies what crosses to JS.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
