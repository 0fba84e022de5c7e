//! Decoded text that borrows from the file it came from. Nearly every key and value of a
//! `.npmrc` decodes to exactly what the file says: those stay ranges of its text, and the
//! few that decoding changes are kept in a table beside it. Whatever holds a [`RawText`]
//! owns no string, so freeing a large document's entries visits none of them.

use std::borrow::Cow;
use std::ops::Range;

/// Text decoded from a file: a range of the file's text, or one of the strings that a
/// [`TextTable`] keeps beside it. The one form for keys, string values and section names,
/// in documents and config layers alike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawText {
    Span(Range<usize>),
    Owned(usize),
}

/// The strings of their own that [`RawText::Owned`] refers to.
#[derive(Clone, Default)]
pub struct TextTable {
    strings: Vec<Box<str>>,
}

impl TextTable {
    /// `decoded` as a range of `text` when it is a slice of it, else as a string of the
    /// table's own.
    pub fn store(&mut self, text: &str, decoded: Cow<'_, str>) -> RawText {
        if let Cow::Borrowed(s) = &decoded {
            if let Some(range) = span_in(text, s) {
                return RawText::Span(range);
            }
        }
        self.strings.push(decoded.into_owned().into_boxed_str());
        RawText::Owned(self.strings.len() - 1)
    }

    /// The text `raw` stands for, in `text` or in this table ("" if it is in neither).
    pub fn get<'a>(&'a self, text: &'a str, raw: &RawText) -> &'a str {
        match raw {
            RawText::Span(range) => text.get(range.clone()).unwrap_or_default(),
            RawText::Owned(i) => self.strings.get(*i).map_or("", |s| s),
        }
    }
}

/// Where `part` lies in `text`, when it is a slice of it. Lets borrowed decoded text be
/// stored as a range; a string from any other allocation is never inside `text` (an empty
/// one may land on an empty range, which reads back the same).
pub fn span_in(text: &str, part: &str) -> Option<Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end))
        .then_some(start..end)
}
