//! Property tests of the lossless edit (`edit::remove_keys`).
//!
//! - `arbitrary_text`: any text built from the dialect's troublesome pieces (line breaks
//!   of every kind, a BOM, quotes, comments, sections, `${VAR}`, no final newline) and
//!   arbitrary characters; the invariants of `support/invariants.rs` must hold.
//! - `modelled_file`: a file generated line by line, where the generator knows which
//!   lines are top-level credential lines; the expected output is computed from that
//!   model, independently of the parser.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on what it did not expect"
)]

#[path = "support/invariants.rs"]
mod invariants;

use invariants::{check_removal, check_text, test_env, BOM};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use registry_logout_core::remove_keys;
use registry_logout_core::NpmrcDocument;

const CASES: u32 = 512;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Arbitrary text

const ATOMS: &[&str] = &[
    "\n",
    "\r\n",
    "\r",
    "\n\n",
    "\r\r\n",
    "\n\r",
    " ",
    "\t",
    "=",
    " = ",
    "[",
    "]",
    ";",
    "#",
    "\"",
    "'",
    "\\",
    "\\;",
    "${HOST}",
    "${TOK}",
    "\\${HOST}",
    "${",
    "}",
    "//h/:_authToken",
    "//h/:_auth",
    "//h/:_password",
    "//h/a/:_authToken",
    "@s:registry",
    "registry",
    "[sec]",
    "[__proto__]",
    "__proto__",
    "\u{feff}",
    "\u{2028}",
    "\u{a0}",
    "\u{85}",
    "ca[]",
    "true",
    "null",
    "\"x;y\"",
    "'q'",
    "tok",
    "é",
    "\u{1f600}",
];

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => select(ATOMS).prop_map(String::from),
        1 => any::<char>().prop_map(String::from),
        1 => "[a-z0-9/:._@-]{1,8}",
    ]
}

fn any_text() -> impl Strategy<Value = String> {
    (any::<bool>(), prop::collection::vec(atom(), 0..60)).prop_map(|(bom, atoms)| {
        let mut text = if bom { BOM.to_string() } else { String::new() };
        text.extend(atoms);
        text
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_text(text in any_text(), selector in any::<u64>()) {
        check_text(&text, selector);
    }
}

// ---------------------------------------------------------------------------
// Modelled files

/// Spellings of keys and the key each one means after unquoting and `${VAR}` expansion
/// (`test_env()`: HOST=h, TOK=tok).
const KEYS: &[(&str, &str)] = &[
    ("//h/:_authToken", "//h/:_authToken"),
    ("//${HOST}/:_authToken", "//h/:_authToken"),
    ("  //h/:_authToken\t", "//h/:_authToken"),
    ("\"//h/:_authToken\"", "//h/:_authToken"),
    ("//h/:_authToken ;note", "//h/:_authToken"),
    ("'//h/:_auth'", "//h/:_auth"),
    ("//h/:_password", "//h/:_password"),
    ("//h/:username", "//h/:username"),
    ("//h/:email", "//h/:email"),
    ("//h/:certfile", "//h/:certfile"),
    ("//h/a/:_authToken", "//h/a/:_authToken"),
    ("//${TOK}/:_authToken", "//tok/:_authToken"),
    ("//other:8080/:_authToken", "//other:8080/:_authToken"),
    ("@s:registry", "@s:registry"),
    ("registry", "registry"),
    ("email", "email"),
    ("ca[]", "ca"),
];

/// What follows the key (`None`: a bare key, which reads as `true`).
const VALUES: &[Option<&str>] = &[
    None,
    Some("=tok"),
    Some(" = spaced value "),
    Some("=\"quoted;#\""),
    Some("='single'"),
    Some("=v ; comment"),
    Some("=x\\;y"),
    Some("="),
    Some("=${TOK}"),
    Some("==also"),
    Some("=ünïcödé"),
    Some("=[notsection]"),
];

const COMMENTS: &[&str] = &[
    ";",
    "; //h/:_authToken=tok",
    "# [sec]",
    "  ; key=value",
    "\t# ${TOK}",
    "\u{feff}# marked",
];

const BLANKS: &[&str] = &["", " ", "\t", " \t  ", "\u{a0}"];

const SECTIONS: &[&str] = &["[sec]", "[ s p ]", "[__proto__]", "[\"q\"]", "[sec]  "];

const BREAKS: &[&str] = &["\n", "\r\n", "\r"];

#[derive(Clone, Debug)]
enum Line {
    Blank(&'static str),
    Comment(&'static str),
    Section(&'static str),
    Entry {
        raw: String,
        /// Index into `KEYS`.
        key: usize,
    },
}

impl Line {
    fn content(&self) -> &str {
        match self {
            Line::Blank(s) | Line::Comment(s) | Line::Section(s) => s,
            Line::Entry { raw, .. } => raw,
        }
    }
}

#[derive(Clone, Debug)]
struct Model {
    bom: bool,
    /// Each line with the line break after it (`""` only for the last line).
    lines: Vec<(Line, &'static str)>,
}

impl Model {
    fn text(&self) -> String {
        let mut text = if self.bom {
            BOM.to_string()
        } else {
            String::new()
        };
        for (line, brk) in &self.lines {
            text.push_str(line.content());
            text.push_str(brk);
        }
        text
    }

    /// The expected result of removing `keys` (expanded), from the model alone: the top
    /// level ends at the first section header; a removed line goes with its line break;
    /// the BOM stays unless the text would then start with a section header.
    fn expected(&self, keys: &[&str]) -> (String, Vec<String>) {
        let mut in_section = false;
        let mut rest = String::new();
        let mut first_removed = false;
        let mut present: Vec<&str> = Vec::new();
        for (i, (line, brk)) in self.lines.iter().enumerate() {
            if let Line::Section(_) = line {
                in_section = true;
            }
            if let Line::Entry { key, .. } = line {
                let key = KEYS[*key].1;
                if !in_section && keys.contains(&key) {
                    if !present.contains(&key) {
                        present.push(key);
                    }
                    first_removed |= i == 0;
                    continue;
                }
            }
            rest.push_str(line.content());
            rest.push_str(brk);
        }
        let keep_bom = self.bom && (!first_removed || !rest.starts_with('['));
        let text = if keep_bom {
            format!("{BOM}{rest}")
        } else {
            rest
        };
        let removed = keys
            .iter()
            .filter(|k| present.contains(k))
            .map(|k| k.to_string())
            .collect();
        (text, removed)
    }
}

fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        2 => select(BLANKS).prop_map(Line::Blank),
        2 => select(COMMENTS).prop_map(Line::Comment),
        1 => select(SECTIONS).prop_map(Line::Section),
        6 => (0..KEYS.len(), select(VALUES)).prop_map(|(key, value)| Line::Entry {
            raw: format!("{}{}", KEYS[key].0, value.unwrap_or("")),
            key,
        }),
    ]
}

fn model() -> impl Strategy<Value = Model> {
    (
        any::<bool>(),
        prop::collection::vec((line(), select(BREAKS)), 0..24),
        any::<bool>(),
    )
        .prop_map(|(bom, mut lines, final_break)| {
            // `\r` followed by `\n` is one CRLF break, not a line break and an empty line.
            for i in 1..lines.len() {
                if lines[i - 1].1 == "\r" && lines[i].0.content().is_empty() {
                    lines[i - 1].1 = "\n";
                }
            }
            if !final_break {
                if let Some(last) = lines.last_mut() {
                    last.1 = "";
                }
            }
            // npm reads `\u{feff}[sec]` as a key, which the model does not describe.
            if bom && matches!(lines.first(), Some((Line::Section(_), _))) {
                lines.insert(0, (Line::Comment(";"), "\n"));
            }
            Model { bom, lines }
        })
}

fn distinct_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Vec::new();
    for (_, k) in KEYS {
        if !keys.contains(k) {
            keys.push(k);
        }
    }
    keys
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn modelled_file(
        model in model(),
        keys in subsequence(distinct_keys(), 0..=distinct_keys().len()),
    ) {
        let text = model.text();
        let doc = NpmrcDocument::parse(text.clone());
        let env = test_env();
        let owned: Vec<String> = keys.iter().map(|k| k.to_string()).collect();

        let (expected_text, expected_removed) = model.expected(&keys);
        let result = remove_keys(&doc, &env, &owned);
        prop_assert_eq!(&*result.text, &expected_text);
        prop_assert_eq!(&result.removed, &expected_removed);
        if expected_removed.is_empty() {
            prop_assert_eq!(&*result.text, &text);
        }

        // The parser-side invariants too (line spans, re-parse).
        check_removal(&doc, &env, &owned);
        check_text(&text, keys.len() as u64 * 0x9e37_79b9);
    }
}

/// A fixed case that the model covers only by chance: every kind of line break, a BOM,
/// a section and no final newline.
#[test]
fn mixed_breaks_bom_and_sections() {
    let text = "\u{feff}//h/:_authToken=a\r\n; c\n\n//${HOST}/:_authToken = b\r\rkeep=1\r\n[sec]\n//h/:_authToken=c";
    let env = test_env();
    let doc = NpmrcDocument::parse(text.to_string());
    let r = remove_keys(&doc, &env, &["//h/:_authToken".to_string()]);
    assert_eq!(
        *r.text,
        "\u{feff}; c\n\n\rkeep=1\r\n[sec]\n//h/:_authToken=c"
    );
    assert_eq!(r.removed, vec!["//h/:_authToken".to_string()]);
    check_text(text, u64::MAX);
}

/// `config::env::expand` (used on every key `remove_keys` looks at, and by the config
/// loader on keys and values) once sliced its input inside multi-byte characters.
#[test]
fn expand_survives_non_ascii() {
    let env = test_env();
    for key in ["é${HOST}", "${HOST}é", "//h/:_authToken=é${TOK}"] {
        let doc = NpmrcDocument::parse(format!("{key}=v\n"));
        let r = remove_keys(&doc, &env, &["//absent/:_authToken".to_string()]);
        assert_eq!(*r.text, format!("{key}=v\n"));
    }
}
