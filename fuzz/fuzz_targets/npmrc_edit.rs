//! Fuzz target: parse arbitrary bytes (as UTF-8) as an `.npmrc` and check that removing
//! keys is lossless. The invariants live in
//! `crates/registry-logout-core/tests/support/invariants.rs`, shared with `cargo test`
//! (`tests/edit_properties.rs`).
//!
//!     cargo +nightly fuzz run npmrc_edit -- -max_total_time=60 -dict=fuzz/npmrc.dict

#![no_main]

#[path = "../../crates/registry-logout-core/tests/support/invariants.rs"]
mod invariants;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // FNV-1a of the input picks which present keys are removed together.
    let selector = data.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    invariants::check_text(text, selector);
});
