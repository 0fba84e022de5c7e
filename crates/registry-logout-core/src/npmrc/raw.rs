//! An entry as the document stores it, and the tables beside the entries that hold what
//! decoding produced: what the line parser builds and the document keeps. Below both.

use serde_json::Value;
use std::ops::Range;

use super::text::{RawText, TextTable};

/// A decoded value: text, or what a literal or a quoted value decodes to when JSON gives
/// something other than a string (by its index among the side tables' JSON values).
#[derive(Clone)]
pub(super) enum RawValue {
    Str(RawText),
    Json(usize),
}

/// One entry as stored, resolved by `NpmrcDocument::entries`. Nothing in it needs
/// dropping: the rare decoded strings and JSON values live in the document's side
/// tables, so a large file's entries are freed at once rather than visited one by one.
#[derive(Clone)]
pub(super) struct RawEntry {
    pub(super) key: RawText,
    pub(super) value: RawValue,
    pub(super) is_list_item: bool,
    /// Index into the document's sections; `None` at top level.
    pub(super) section: Option<usize>,
    pub(super) span: Range<usize>,
}

/// Where decoding puts what is not a range of the document's text.
#[derive(Clone, Default)]
pub(super) struct SideTables {
    pub(super) strings: TextTable,
    json: Vec<Value>,
}

impl SideTables {
    pub(super) fn json_value(&mut self, value: Value) -> RawValue {
        self.json.push(value);
        RawValue::Json(self.json.len() - 1)
    }

    pub(super) fn json(&self, i: usize) -> Option<&Value> {
        self.json.get(i)
    }
}
