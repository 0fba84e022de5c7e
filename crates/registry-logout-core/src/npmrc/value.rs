//! Values as npm's `ini` decodes them, borrowed from the document where possible.

use serde_json::Value;

use crate::js::js_truthy;

/// A value as npm's `ini` decodes it, borrowed from the document where possible.
#[derive(Clone)]
pub enum IniValue<'a> {
    /// A plain string: most values.
    Str(&'a str),
    /// `true`/`false`/`null` literals, and what a quoted value decodes to when JSON gives
    /// something other than a string.
    Json(&'a Value),
    /// Built while decoding: lists (`key[]=v`), section objects, moved values.
    Owned(Value),
}

impl IniValue<'_> {
    /// The value as JSON, copied.
    pub fn to_value(&self) -> Value {
        match self {
            IniValue::Str(s) => Value::String((*s).to_string()),
            IniValue::Json(v) => (*v).clone(),
            IniValue::Owned(v) => v.clone(),
        }
    }

    /// The value as JSON.
    pub fn into_value(self) -> Value {
        match self {
            IniValue::Owned(v) => v,
            other => other.to_value(),
        }
    }

    pub(super) fn as_json(&self) -> Option<&Value> {
        match self {
            IniValue::Str(_) => None,
            IniValue::Json(v) => Some(v),
            IniValue::Owned(v) => Some(v),
        }
    }

    /// `typeof v === 'object' && !Array.isArray(v)`: objects, and also `null`.
    pub(super) fn is_object_or_null(&self) -> bool {
        matches!(self.as_json(), Some(Value::Object(_) | Value::Null))
    }

    pub(super) fn is_array(&self) -> bool {
        matches!(self.as_json(), Some(Value::Array(_)))
    }

    pub(super) fn truthy(&self) -> bool {
        match self {
            IniValue::Str(s) => !s.is_empty(),
            IniValue::Json(v) => js_truthy(v),
            IniValue::Owned(v) => js_truthy(v),
        }
    }
}

pub(super) fn empty_object<'a>() -> IniValue<'a> {
    IniValue::Owned(Value::Object(Default::default()))
}
