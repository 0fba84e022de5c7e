//! Byte searches in short strings, eight bytes at a time in a `u64` ("SIMD within a
//! register"). Config keys and values are a few dozen bytes: there a vector search such
//! as `memchr` spends more on setup and dispatch than it saves, and a byte loop does
//! one compare per byte. This is portable, safe code.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each zero byte of `x`. The lowest one marked is exact; a mark above
/// a zero byte may be spurious, which neither "any" nor "first" questions see.
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGHS
}

fn word(chunk: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(chunk);
    u64::from_le_bytes(bytes)
}

/// Where `needle` first occurs in `haystack`.
pub fn find(haystack: &[u8], needle: u8) -> Option<usize> {
    let pattern = ONES * u64::from(needle);
    let mut chunks = haystack.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let hits = zero_bytes(word(chunk) ^ pattern);
        if hits != 0 {
            return Some(offset + (hits.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == needle)
        .map(|i| offset + i)
}

/// Whether any of `needles` occurs in `haystack`.
pub fn contains_any<const N: usize>(haystack: &[u8], needles: [u8; N]) -> bool {
    let patterns = needles.map(|n| ONES * u64::from(n));
    let mut chunks = haystack.chunks_exact(8);
    for chunk in &mut chunks {
        let w = word(chunk);
        if patterns.iter().any(|&p| zero_bytes(w ^ p) != 0) {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|b| needles.contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_a_byte_loop() {
        // Every length up to three words, every needle position, and bytes on both
        // sides of the needle value (borrows in `zero_bytes` are where SWAR goes wrong).
        for len in 0..24 {
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
                        assert_eq!(
                            contains_any(&hay, [needle, fill.wrapping_add(1)]),
                            hay.iter()
                                .any(|&b| b == needle || b == fill.wrapping_add(1)),
                            "{hay:?} {needle}"
                        );
                    }
                }
            }
        }
    }
}
