//! The `npmrc_edit` fuzz target's invariants (`support/invariants.rs`), run as a bounded
//! loop over pseudo-random inputs so that a plain `cargo test` exercises them. The full
//! fuzzer (`fuzz/`, cargo-fuzz on nightly) explores further; this loop is deterministic
//! by default so a failure reproduces. Knobs: NPMRC_FUZZ_ITERS (default 10000) and
//! NPMRC_FUZZ_SEED (default fixed).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/invariants.rs"]
mod invariants;

use invariants::check_text;

/// Pieces a mutation splices in: the dialect's special characters and shapes.
const DICTIONARY: &[&[u8]] = &[
    b"\n",
    b"\r\n",
    b"\r",
    b"=",
    b"[",
    b"]",
    b";",
    b"#",
    b"\"",
    b"'",
    b"\\",
    b"${HOST}",
    b"${TOK}",
    b"//h/:_authToken=",
    b"//${HOST}/:_authToken=",
    b"//h/:_password=",
    b"@s:registry=",
    b"[sec]\n",
    b"[__proto__]\n",
    b"\xef\xbb\xbf",
    b"\xe2\x80\xa8",
    b"\xc2\xa0",
    b"ca[]=",
    b" ",
    b"\t",
];

/// xorshift64*: small, seedable, good enough to drive mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn random_input(rng: &mut Rng) -> Vec<u8> {
    let mut data = Vec::new();
    if rng.below(4) == 0 {
        data.extend_from_slice(b"\xef\xbb\xbf");
    }
    let pieces = rng.below(48);
    for _ in 0..pieces {
        match rng.below(8) {
            0 => data.push(rng.next() as u8),
            1 => data.extend_from_slice(b"abc/:._-"),
            _ => data.extend_from_slice(DICTIONARY[rng.below(DICTIONARY.len())]),
        }
    }
    data
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn npmrc_edit_invariants_on_random_inputs() {
    let iterations = env_number("NPMRC_FUZZ_ITERS", 10000);
    let seed = env_number("NPMRC_FUZZ_SEED", 0x05ee_d1e5_50dd_ba11);
    let mut rng = Rng(seed.max(1));
    let mut valid = 0u64;
    for i in 0..iterations {
        let data = random_input(&mut rng);
        let selector = rng.next();
        // The fuzz target skips invalid UTF-8 (the edit only ever sees decoded text);
        // here a lossy decode keeps every iteration useful.
        let text = String::from_utf8_lossy(&data).into_owned();
        valid += u64::from(std::str::from_utf8(&data).is_ok());
        let outcome = std::panic::catch_unwind(|| check_text(&text, selector));
        if outcome.is_err() {
            panic!(
                "invariant failed at iteration {i} (NPMRC_FUZZ_SEED={seed}); input {text:?}, selector {selector}"
            );
        }
    }
    assert!(valid > 0, "no valid UTF-8 input was generated");
}
