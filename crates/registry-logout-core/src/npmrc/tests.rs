//! The dialect against npm's own `ini`, and the fast line reading against the full rules.

use super::line::{parse_line, plain_split, Line};
use super::raw::{RawValue, SideTables};
use super::*;
use crate::js::js_number;
use crate::scan;
use serde_json::json;
use serde_json::Value;

fn top(text: &str) -> Vec<(String, Value)> {
    NpmrcDocument::parse(text.to_string())
        .top_level()
        .map(|e| (e.key.to_string(), e.value.to_value()))
        .collect()
}

/// The top level of what npm's `ini.parse` returns, as `[key, value]` pairs in property
/// order; objects (sections, nested dotted keys, JSON objects) are `{"$object": true}`
/// and numbers are compared as JavaScript prints them.
///
/// The expectations were produced by running npm's own `ini` (the copy inside npm
/// 11.19's global install) on each input:
///   const ini = require(`${npmRoot}/npm/node_modules/ini`)
///   Object.entries(ini.parse(text)).map(([k, v]) => [k, isObject(v) ? { $object: true } : v])
/// serialised with JSON.stringify; `__test__/ini-table.test.js` checks the same rules end
/// to end against the installed npm at test time.
const NPM_INI_TABLE: &[(&str, &str)] = &[
    (
        "a=1\nb=2\n",
        "[[\"a\",\"1\"],[\"b\",\"2\"]]",
    ),
    (
        "\u{feff}a=1\r\nb=2\r\n",
        "[[\"a\",\"1\"],[\"b\",\"2\"]]",
    ),
    (
        "\u{feff}#c\n\u{feff}[s]\n",
        "[[\"[s]\",true]]",
    ),
    (
        "a=1\rb=2\r\r\nc=3",
        "[[\"a\",\"1\"],[\"b\",\"2\"],[\"c\",\"3\"]]",
    ),
    (
        "; c\n  # d\n\t;e\n a = 1 \n",
        "[[\"a\",\"1\"]]",
    ),
    (
        "a=x\u{2028}y\nb=1\nk\u{2028}=2\n",
        "[[\"b\",\"1\"],[\"k\",\"2\"]]",
    ),
    (
        "a=\u{a0}b\u{a0}\nc=\u{85}d\u{85}\n",
        "[[\"a\",\"b\"],[\"c\",\"\u{85}d\u{85}\"]]",
    ),
    (
        "\u{e9}=\u{fc}\n\"\u{e9}x\"=\"\\u00e9\\u0041\"\n",
        "[[\"\u{e9}\",\"\u{fc}\"],[\"\u{e9}x\",\"\u{e9}A\"]]",
    ),
    (
        "n1='1e21'\nn2='1e-7'\nn3='123456789012345678901'\nn4='0.1'\nn5='-0'\nn6='1.50'\nn7='1e3'\nn8='12345678901234567890'\nn9='5e-324'\n",
        "[[\"n1\",1e+21],[\"n2\",1e-7],[\"n3\",123456789012345680000],[\"n4\",0.1],[\"n5\",0],[\"n6\",1.5],[\"n7\",1000],[\"n8\",12345678901234567000],[\"n9\",5e-324]]",
    ),
    (
        "j1='[1,\"a\",null,[2,3]]'\nj2='\"s\"'\nj3=\"true\"\nj4='false'\nj5=\"null\"\nj6='{\"x\":1}'\n",
        "[[\"j1\",[1,\"a\",null,[2,3]]],[\"j2\",\"s\"],[\"j3\",true],[\"j4\",false],[\"j5\",null],[\"j6\",{\"$object\":true}]]",
    ),
    (
        "[a.b]\nx=1\n[c]\n",
        "[[\"c\",{\"$object\":true}],[\"a\",{\"$object\":true}]]",
    ),
    (
        "[a\\.b]\n",
        "[[\"a.b\",{\"$object\":true}]]",
    ),
    (
        "x=\n[x]\ny=1\n",
        "[[\"x\",{\"$object\":true}]]",
    ),
    (
        "x=1\n[x]\ny=1\n",
        "[[\"x\",\"1\"]]",
    ),
    (
        "x=false\n[x.y]\n",
        "[[\"x\",{\"$object\":true}]]",
    ),
    (
        "a.b=null\nc=null\nd\\.e=null\n",
        "[[\"c\",null],[\"a\",{\"$object\":true}],[\"d.e\",null]]",
    ),
    (
        "//r.example/:_authToken=null\n//r/:_authToken=null\n",
        "[[\"//r/:_authToken\",null],[\"//r\",{\"$object\":true}]]",
    ),
    (
        "o.p='{\"a\":1}'\n",
        "[[\"o\",{\"$object\":true}]]",
    ),
    (
        "__proto__=1\nz=2\n[__proto__]\nq=1\n",
        "[[\"z\",\"2\"]]",
    ),
    (
        "b=1\n123=a\n2=b\n1=c\n01=d\n4294967295=e\n4294967294=f\n",
        "[[\"1\",\"c\"],[\"2\",\"b\"],[\"123\",\"a\"],[\"4294967294\",\"f\"],[\"b\",\"1\"],[\"01\",\"d\"],[\"4294967295\",\"e\"]]",
    ),
    (
        "a[]=1\na=2\nb=1\nb[]=2\nc[]=x\nc[]=y\n",
        "[[\"a\",[\"1\",\"2\"]],[\"b\",[\"1\",\"2\"]],[\"c\",[\"x\",\"y\"]]]",
    ),
    (
        "'x[]'=1\n'x[]'=2\n\"y[]\"=3\n'12[]'=4\n'[1,2,\"[]\"]'=5\n",
        "[[\"12\",[\"4\"]],[\"x\",[\"1\",\"2\"]],[\"y\",[\"3\"]],[\"1,2,[]\",\"5\"]]",
    ),
    (
        "[]=1\nz[]\n",
        "[[\"[]\",\"1\"],[\"z\",[true]]]",
    ),
    (
        "\t a \t=\t b \t\n",
        "[[\"a\",\"b\"]]",
    ),
    (
        "=x\n =y\n",
        "[[\"\",\"y\"]]",
    ),
    (
        "bare\nempty=\n[open\n[s]x=1\n",
        "[[\"bare\",true],[\"empty\",\"\"],[\"[open\",true],[\"[s]x\",\"1\"]]",
    ),
    (
        "a=b;c\nb=b\\;c\nc=\"b;c\"\nd='b;c'\ne=\"b\" ; c\nf='b' # c\n",
        "[[\"a\",\"b\"],[\"b\",\"b;c\"],[\"c\",\"b;c\"],[\"d\",\"b;c\"],[\"e\",\"\\\"b\\\"\"],[\"f\",\"'b'\"]]",
    ),
    (
        "a=\\\nb=\\\\\nc=\\q\nd=C:\\x\\y\ne=\\\\;\n",
        "[[\"a\",\"\\\\\"],[\"b\",\"\\\\\"],[\"c\",\"\\\\q\"],[\"d\",\"C:\\\\x\\\\y\"],[\"e\",\"\\\\\"]]",
    ),
    (
        "\"a=b\"=c\n",
        "[[\"\\\"a\",\"b\\\"=c\"]]",
    ),
    (
        "a=\"\nb='\nc=\"\"\nd=''\ne=\"x\nf='''\n",
        "[[\"a\",\"\\\"\"],[\"b\",\"\"],[\"c\",\"\"],[\"d\",\"\"],[\"e\",\"\\\"x\"],[\"f\",\"'\"]]",
    ),
    (
        "a=\" padded \"\nb='\"q\"'\n",
        "[[\"a\",\" padded \"],[\"b\",\"q\"]]",
    ),
    (
        "k = v = w\n",
        "[[\"k\",\"v = w\"]]",
    ),
    (
        "dup=1\ndup=2\ndup=3\n",
        "[[\"dup\",\"3\"]]",
    ),
    (
        "'\"k\"'=1\n",
        "[[\"k\",\"1\"]]",
    ),
    (
        "a=true\nb=false\nc=null\nd=TRUE\ne=undefined\n",
        "[[\"a\",true],[\"b\",false],[\"c\",null],[\"d\",\"TRUE\"],[\"e\",\"undefined\"]]",
    ),
    (
        "\n\n\r\n   \n\t\n",
        "[]",
    ),
    (
        "a=1\n[s]\n[t]\nb=2\n[s]\n",
        "[[\"a\",\"1\"],[\"s\",{\"$object\":true}],[\"t\",{\"$object\":true}]]",
    ),
];

fn project(v: &Value) -> Value {
    match v {
        Value::Object(_) => json!({ "$object": true }),
        Value::Number(n) => json!({ "$number": js_number(n.as_f64().unwrap_or(f64::NAN)) }),
        Value::Array(items) => Value::Array(items.iter().map(project).collect()),
        other => other.clone(),
    }
}

#[test]
fn ini_object_matches_npm_ini() {
    for (input, expected) in NPM_INI_TABLE {
        let expected: Value = serde_json::from_str(expected).unwrap();
        let expected = match expected {
            Value::Array(pairs) => Value::Array(
                pairs
                    .iter()
                    .map(|p| json!([p[0].clone(), project(&p[1])]))
                    .collect(),
            ),
            other => other,
        };
        let got = Value::Array(
            NpmrcDocument::parse(input.to_string())
                .ini_object()
                .iter()
                .map(|p| json!([p.key.clone(), project(&p.value.to_value())]))
                .collect(),
        );
        assert_eq!(got, expected, "input {input:?}");
    }
}

#[test]
fn nerf_dart_keys_keep_their_colon() {
    assert_eq!(
        top("//registry.example/:_authToken=abc\n"),
        vec![("//registry.example/:_authToken".into(), json!("abc"))]
    );
}

#[test]
fn comments_quotes_and_escapes() {
    let got = top(concat!(
        "; comment\n",
        "  # indented comment\n",
        "a = 1 ; trailing\n",
        "b=\"x;y\"\n",
        "c='quoted'\n",
        "d=C:\\certs\\ca.pem\n",
        "e=x\\;y\\#z\\\\w\n",
        "bare\n",
        "=ignored\n",
        "f=true\n",
        "g=null\n",
        "h=\"\\u0041\"\n",
    ));
    assert_eq!(
        got,
        vec![
            ("a".into(), json!("1")),
            ("b".into(), json!("x;y")),
            ("c".into(), json!("quoted")),
            ("d".into(), json!("C:\\certs\\ca.pem")),
            ("e".into(), json!("x;y#z\\w")),
            ("bare".into(), json!(true)),
            ("f".into(), json!(true)),
            ("g".into(), json!(null)),
            ("h".into(), json!("A")),
        ]
    );
}

#[test]
fn sections_are_not_top_level() {
    let doc = NpmrcDocument::parse("a=1\n[sec]\nb=2\n".into());
    let keys: Vec<_> = doc.top_level().map(|e| e.key).collect();
    assert_eq!(keys, vec!["a"]);
    assert_eq!(doc.entries().count(), 2);
}

#[test]
fn bom_and_crlf() {
    let doc = NpmrcDocument::parse("\u{feff}a=1\r\nb=2\r\n".into());
    let keys: Vec<_> = doc.top_level().map(|e| e.key).collect();
    assert_eq!(keys, vec!["a", "b"]);
    let b = doc.entries().nth(1).map(|e| e.span).unwrap_or(0..0);
    assert_eq!(doc.without(std::slice::from_ref(&b)), "\u{feff}a=1\r\n");
}

#[test]
fn plain_lines_read_as_ini_rules_read_them() {
    // Every key and value built from these fragments, quoted or not, padded or not:
    // where the plain reading applies it must give what the full rules give.
    let fragments = [
        "",
        "a",
        "//h/:_authToken",
        "__proto__",
        "k[]",
        "[s]",
        "true",
        "null",
        "false",
        "\"q\"",
        "'q'",
        " v",
        "v ",
        "\tv",
        "a;b",
        "a#b",
        "a\\b",
        "a=b",
        "x\u{a0}",
        "\u{2028}",
        "\u{e9}t\u{e9}",
        "${X}",
        ";c",
        "#c",
        "undefined",
        "[]",
        "a]",
    ];
    let mut plain = 0;
    for key in fragments {
        for value in fragments {
            for text in [
                format!("{key}={value}"),
                key.to_string(),
                format!("{key}={value}\r\n"),
            ] {
                let bytes = text.as_bytes();
                let shape = scan::line_shape(bytes, 0);
                let Some(eq) = plain_split(bytes, 0, shape) else {
                    continue;
                };
                plain += 1;
                let span = 0..text.len();
                let mut side = SideTables::default();
                let Line::Entry(full) = parse_line(&text, 0..shape.end, span, &mut side) else {
                    panic!("{text:?}: the full rules read no entry");
                };
                let doc = NpmrcDocument::parse(text.clone());
                let entry = doc.entry(0).expect("one entry");
                assert_eq!(entry.key, side.strings.get(&text, &full.key), "{text:?}");
                assert_eq!(entry.key, &text[..eq], "{text:?}");
                assert!(!full.is_list_item, "{text:?}");
                match (&full.value, entry.value) {
                    (RawValue::Str(v), IniValue::Str(s)) => {
                        assert_eq!(side.strings.get(&text, v), s, "{text:?}")
                    }
                    _ => panic!("{text:?}: not a plain string"),
                }
            }
        }
    }
    assert!(plain > 20, "only {plain} plain lines");
}

#[test]
fn removing_keeps_every_other_byte() {
    let text = "# c\n\na=1\n\n//h/:_authToken=t\n; end";
    let doc = NpmrcDocument::parse(text.into());
    let tok = doc
        .entries()
        .find(|e| e.key.ends_with("_authToken"))
        .map(|e| e.span.clone());
    assert_eq!(doc.without(&[tok.unwrap_or(0..0)]), "# c\n\na=1\n\n; end");
}

#[test]
fn list_items() {
    let doc = NpmrcDocument::parse("ca[]=a\nca[]=b\n".into());
    assert!(doc.entries().all(|e| e.is_list_item && e.key == "ca"));
}
