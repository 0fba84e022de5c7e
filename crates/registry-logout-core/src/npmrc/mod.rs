//! The `.npmrc` dialect, read the way npm's `ini` package reads it, keeping where every
//! entry lives in the original bytes.
//!
//! We do not use a general INI crate: `rust-ini` splits `//host/:_authToken=x` at the `:`,
//! keeps the first of duplicate keys, mangles `C:\certs\ca.pem`, rejects a bare key at the
//! end of a file and drops comments when writing. npm's rules are small enough to follow
//! exactly, and the editor needs each entry's byte span to remove a line without touching
//! any other byte, which no INI crate exposes.
//!
//! Decoding borrows: a key or value that decoding leaves as written (nearly all of them)
//! stays a range of the document's text, so reading a 20,000-line file does not allocate
//! per line. Allocation was most of the cost of a large file.

mod document;
mod ini_object;
mod key_index;
mod line;
mod raw;
mod text;
mod value;

pub use document::{NpmrcDocument, NpmrcEntry, Spans};
pub use ini_object::IniProperty;
pub use key_index::{key_position, key_slot};
pub use text::{span_in, RawText, TextTable};
pub use value::IniValue;

#[cfg(test)]
mod tests;
