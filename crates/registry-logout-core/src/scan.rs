//! Byte searches sixteen bytes at a time, through `wide`'s portable vectors (SSE2 on
//! x86-64, NEON on aarch64, plain arrays elsewhere), in safe code.
//!
//! A `.npmrc` line is a few dozen bytes. A general search such as `memchr` spends more
//! on setup and dispatch per call than such a line takes to scan, and a byte loop does
//! one compare per byte and needle. Here each block of sixteen bytes is compared with
//! every needle at once, and [`line_shape`] answers all of a line's questions (where it
//! ends, where its `=` is, whether it needs ini's slow rules) in one pass.

use wide::u8x16;

const LANES: usize = 16;

/// One block at `at`, and a bitmask of which of its lanes lie inside `bytes` (a block at
/// the end is padded with zeros, which the mask excludes).
fn block(bytes: &[u8], at: usize) -> (u8x16, u32) {
    match bytes.get(at..at + LANES) {
        Some(chunk) => {
            let mut lanes = [0u8; LANES];
            lanes.copy_from_slice(chunk);
            (u8x16::new(lanes), 0xffff)
        }
        None => {
            let rest = bytes.get(at..).unwrap_or_default();
            let mut lanes = [0u8; LANES];
            lanes[..rest.len()].copy_from_slice(rest);
            (u8x16::new(lanes), (1u32 << rest.len()) - 1)
        }
    }
}

/// Lanes of `v` equal to any of `needles`, one bit per lane.
fn hits<const N: usize>(v: u8x16, needles: [u8; N]) -> u32 {
    let mut any = u8x16::splat(0);
    for needle in needles {
        any |= v.cmp_eq(u8x16::splat(needle));
    }
    any.move_mask() as u32
}

/// Where `needle` first occurs in `haystack`.
pub fn find(haystack: &[u8], needle: u8) -> Option<usize> {
    let mut at = 0;
    while at < haystack.len() {
        let (v, valid) = block(haystack, at);
        let found = hits(v, [needle]) & valid;
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize);
        }
        at += LANES;
    }
    None
}

/// Whether any of `needles` occurs in `haystack`.
pub fn contains_any<const N: usize>(haystack: &[u8], needles: [u8; N]) -> bool {
    let mut at = 0;
    while at < haystack.len() {
        let (v, valid) = block(haystack, at);
        if hits(v, needles) & valid != 0 {
            return true;
        }
        at += LANES;
    }
    false
}

/// What one pass over a line finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineShape {
    /// Where the line ends: its first `\n` or `\r`, or the end of the text.
    pub end: usize,
    /// The line's first `=`.
    pub eq: Option<usize>,
    /// Whether the line holds a byte that changes how ini reads it wherever it stands:
    /// `\` (an escape), `;` or `#` (a comment), or 0xE2, the lead byte of U+2028 and
    /// U+2029, which end a line for ini's regular expression.
    pub special: bool,
}

/// Reads the line starting at `start` of `bytes`.
pub fn line_shape(bytes: &[u8], start: usize) -> LineShape {
    let mut eq = None;
    let mut special = false;
    let mut at = start;
    while at < bytes.len() {
        let (v, valid) = block(bytes, at);
        let breaks = hits(v, [b'\n', b'\r']) & valid;
        // Lanes before the line's end, in this block.
        let line = if breaks == 0 {
            valid
        } else {
            (1u32 << breaks.trailing_zeros()) - 1
        };
        if eq.is_none() {
            let eqs = hits(v, [b'=']) & line;
            if eqs != 0 {
                eq = Some(at + eqs.trailing_zeros() as usize);
            }
        }
        special |= hits(v, [b'\\', b';', b'#', 0xe2]) & line != 0;
        if breaks != 0 {
            return LineShape {
                end: at + breaks.trailing_zeros() as usize,
                eq,
                special,
            };
        }
        at += LANES;
    }
    LineShape {
        end: bytes.len(),
        eq,
        special,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_agree_with_a_byte_loop() {
        // Every length up to three blocks and every needle position, with fill bytes on
        // both sides of the needle value and zero (the padding of a short block).
        for len in 0..50 {
            for at in 0..=len {
                for fill in [0u8, 1, b'a', 0x7f, 0x80, 0xfe, 0xff] {
                    for needle in [0u8, 1, b'=', 0x80, 0xff] {
                        if fill == needle {
                            continue;
                        }
                        let mut hay = vec![fill; len];
                        if at < len {
                            hay[at] = needle;
                        }
                        let expected = hay.iter().position(|&b| b == needle);
                        assert_eq!(find(&hay, needle), expected, "{hay:?} {needle}");
                        let other = fill.wrapping_add(1);
                        assert_eq!(
                            contains_any(&hay, [needle, other]),
                            hay.iter().any(|&b| b == needle || b == other),
                            "{hay:?} {needle}"
                        );
                    }
                }
            }
        }
    }

    fn shape_by_bytes(bytes: &[u8], start: usize) -> LineShape {
        let end = bytes[start..]
            .iter()
            .position(|b| matches!(b, b'\n' | b'\r'))
            .map_or(bytes.len(), |n| start + n);
        let line = &bytes[start..end];
        LineShape {
            end,
            eq: line.iter().position(|&b| b == b'=').map(|n| start + n),
            special: line.iter().any(|b| matches!(b, b'\\' | b';' | b'#' | 0xe2)),
        }
    }

    #[test]
    fn line_shape_agrees_with_a_byte_loop() {
        // Lines of every length up to three blocks, each notable byte at every position,
        // followed by a break or the end of the text, read from several starts.
        for len in 0..50 {
            for at in 0..len {
                for mark in [b'=', b'\\', b';', b'#', 0xe2, b'\n', b'\r', 0] {
                    for tail in [&b""[..], b"\nk=v;", b"\r\n=", b"x=#"] {
                        let mut bytes = vec![b'a'; len];
                        bytes[at] = mark;
                        bytes.extend_from_slice(tail);
                        for start in [0, at, len / 2] {
                            assert_eq!(
                                line_shape(&bytes, start),
                                shape_by_bytes(&bytes, start),
                                "{bytes:?} from {start}"
                            );
                        }
                    }
                }
            }
        }
    }
}
