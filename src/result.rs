// What the binding's promise resolves with: the core's reports and errors as they
// serialize (the core's `serde` feature, the one definition of the results), under the
// key that says which. A `#[napi]` async rejection could only carry napi's own status as
// `err.code`, so errors resolve too, and `index.js` throws the coded `Error`.

use registry_logout_core as core;
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NativeOutcome {
    Result(Box<core::LogoutReport>),
    All(core::LogoutAllReport),
    Credentials(Vec<core::ListedCredential>),
    Tokens(core::TokenList),
    Error(core::LogoutError),
}

impl From<core::Result<core::Outcome>> for NativeOutcome {
    fn from(outcome: core::Result<core::Outcome>) -> Self {
        match outcome {
            Ok(core::Outcome::One(report)) => Self::Result(report),
            Ok(core::Outcome::All(all)) => Self::All(all),
            Err(e) => Self::Error(e),
        }
    }
}

impl From<core::LogoutError> for NativeOutcome {
    fn from(e: core::LogoutError) -> Self {
        Self::Error(e)
    }
}
