//! Decoded text that borrows from the file it came from.

use std::borrow::Cow;
use std::ops::Range;

/// A decoded key or string value: a range of the document's text when decoding changed
/// nothing, otherwise a string of its own. Config layers keep keys the same way.
#[derive(Clone)]
pub enum Piece {
    Text(Range<usize>),
    Owned(Box<str>),
}

impl Piece {
    pub fn of(text: &str, decoded: Cow<'_, str>) -> Self {
        match decoded {
            Cow::Borrowed(s) => match span_in(text, s) {
                Some(range) => Piece::Text(range),
                None => Piece::Owned(s.into()),
            },
            Cow::Owned(s) => Piece::Owned(s.into_boxed_str()),
        }
    }

    pub fn resolve<'a>(&'a self, text: &'a str) -> &'a str {
        match self {
            Piece::Text(range) => text.get(range.clone()).unwrap_or_default(),
            Piece::Owned(s) => s,
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
