//! The README's "Errors" table is the contract JavaScript callers read: every code it
//! lists must come from some kind (or from a front end: the JavaScript layer, the CLI), and every kind's code
//! must be listed. A row whose codes end in `…` is a family: it covers every kind of the
//! same variant as the codes it names (Node's system codes, OpenSSL's TLS codes), and
//! `E<status>` covers every HTTP status.

use std::mem::discriminant;

use crate::error::{ErrorKind, SystemCode};

const README: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"));
/// Where codes that no Rust kind makes come from: the loader and the CLI.
const FRONT_END_SOURCES: &[&str] = &[
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../index.js")),
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../native.js")),
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../bin/registry-logout.js"
    )),
    // The CLI's own usage error.
    include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../registry-logout-cli/src/args.rs"
    )),
];
const STATUS_FAMILY: &str = "E<status>";

struct Row {
    codes: Vec<String>,
    family: bool,
}

fn readme_rows() -> Vec<Row> {
    let section = README
        .split("### Errors")
        .nth(1)
        .and_then(|rest| rest.split("\n### ").next())
        .expect("the README has an Errors section");
    section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .map(|rest| {
            let cell = rest.split(" | ").next().unwrap_or_default();
            let codes = format!("`{cell}")
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect();
            Row {
                codes,
                family: cell.contains('…'),
            }
        })
        .collect()
}

/// One kind of each variant, and every code of the variants that carry one.
fn every_kind() -> Vec<ErrorKind> {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    let tls = [
        E::InvalidCertificate(C::UnknownIssuer),
        E::InvalidCertificate(C::Expired),
        E::InvalidCertificate(C::NotValidForName),
        E::InvalidCertificate(C::BadSignature),
        E::AlertReceived(A::CertificateRequired),
        E::General("handshake".into()),
    ]
    .map(|e| ErrorKind::Tls(crate::revoke::node_codes::node_error(&e).0));
    let mut kinds = vec![
        ErrorKind::NeedAuth,
        ErrorKind::InvalidAuth,
        ErrorKind::Http(401),
        ErrorKind::Http(404),
        ErrorKind::Http(407),
        ErrorKind::Http(500),
        ErrorKind::Otp,
        ErrorKind::AuthIp,
        ErrorKind::TlsSetup,
        ErrorKind::InsecureRedirect,
        ErrorKind::MaxRedirect,
        ErrorKind::InvalidRedirect,
        ErrorKind::InvalidProxy,
        ErrorKind::SharedToken,
        ErrorKind::Aborted,
        ErrorKind::Encoding,
        ErrorKind::Conflict,
        ErrorKind::DuplicateConfig,
        ErrorKind::WorkspacesConfig,
        ErrorKind::InvalidUrl,
        ErrorKind::InvalidScope,
        ErrorKind::InvalidArgType,
        ErrorKind::InvalidConfig,
        ErrorKind::RevokedNotRemoved,
        ErrorKind::InvalidResponse,
        ErrorKind::FilterField,
        ErrorKind::Internal,
    ];
    kinds.extend(tls);
    kinds.extend(
        [
            crate::revoke::node_codes::KEY_VALUES_MISMATCH,
            crate::revoke::node_codes::PEM_NO_START_LINE,
            crate::revoke::node_codes::UNSUPPORTED_KEY,
        ]
        .map(ErrorKind::TlsClientCert),
    );
    kinds.extend(SystemCode::ALL.iter().map(|&c| ErrorKind::Network(c)));
    kinds.extend(SystemCode::ALL.iter().map(|&c| ErrorKind::Io(c)));
    // A new variant must be added above: this match has no wildcard.
    for kind in &kinds {
        match kind {
            ErrorKind::NeedAuth
            | ErrorKind::InvalidAuth
            | ErrorKind::Http(_)
            | ErrorKind::Otp
            | ErrorKind::AuthIp
            | ErrorKind::Network(_)
            | ErrorKind::Io(_)
            | ErrorKind::Tls(_)
            | ErrorKind::TlsSetup
            | ErrorKind::TlsClientCert(_)
            | ErrorKind::InsecureRedirect
            | ErrorKind::MaxRedirect
            | ErrorKind::InvalidRedirect
            | ErrorKind::InvalidProxy
            | ErrorKind::SharedToken
            | ErrorKind::Aborted
            | ErrorKind::Encoding
            | ErrorKind::Conflict
            | ErrorKind::DuplicateConfig
            | ErrorKind::WorkspacesConfig
            | ErrorKind::InvalidUrl
            | ErrorKind::InvalidScope
            | ErrorKind::InvalidArgType
            | ErrorKind::InvalidConfig
            | ErrorKind::RevokedNotRemoved
            | ErrorKind::InvalidResponse
            | ErrorKind::FilterField
            | ErrorKind::Internal => {}
        }
    }
    kinds
}

#[test]
fn every_listed_code_comes_from_a_kind_or_a_front_end() {
    let kinds = every_kind();
    let rows = readme_rows();
    assert!(rows.len() > 10, "the Errors table was not found");
    for code in rows.iter().flat_map(|r| &r.codes) {
        if code == STATUS_FAMILY {
            continue;
        }
        let from_kind = kinds.iter().any(|k| k.code() == code.as_str());
        let quoted = [format!("'{code}'"), format!("\"{code}\"")];
        let from_front_end = FRONT_END_SOURCES
            .iter()
            .any(|src| quoted.iter().any(|q| src.contains(q.as_str())));
        assert!(
            from_kind || from_front_end,
            "the README lists {code}, which no error kind and no front end (JavaScript, the CLI) produces"
        );
    }
}

#[test]
fn every_kind_has_its_code_listed() {
    let rows = readme_rows();
    let kinds = every_kind();
    let listed = |code: &str| rows.iter().any(|r| r.codes.iter().any(|c| c == code));
    // The variants a family row covers, by the kinds its named codes come from.
    let families: Vec<_> = rows
        .iter()
        .filter(|r| r.family)
        .flat_map(|r| &r.codes)
        .flat_map(|code| kinds.iter().filter(move |k| k.code() == code.as_str()))
        .map(discriminant)
        .collect();
    for kind in &kinds {
        let covered = listed(&kind.code())
            || (matches!(kind, ErrorKind::Http(_)) && listed(STATUS_FAMILY))
            || families.contains(&discriminant(kind));
        assert!(
            covered,
            "{kind:?} ({}) is not in the README's Errors table",
            kind.code()
        );
    }
}
