//! Tables of positions keyed by text: the document's index of its keys, ini's object and
//! config layers each find a key's position by hashing its text.

use hashbrown::hash_table::Entry;
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// The hash that key tables here (ini's object, config layers) use for a key's text.
pub fn hash_key(key: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(key)
}

/// Where `key` is, in an index of positions whose keys `key_of` gives.
pub fn key_position<'k>(
    index: &HashTable<usize>,
    key: &str,
    key_of: impl Fn(usize) -> &'k str,
) -> Option<usize> {
    index.find(hash_key(key), |&i| key_of(i) == key).copied()
}

/// The slot of `key` in an index of positions, each position's key given by `key_of`.
pub fn key_slot<'t, 'k>(
    index: &'t mut HashTable<usize>,
    key: &str,
    key_of: impl Fn(usize) -> &'k str,
) -> Entry<'t, usize> {
    index.entry(
        hash_key(key),
        |&i| key_of(i) == key,
        |&i| hash_key(key_of(i)),
    )
}
