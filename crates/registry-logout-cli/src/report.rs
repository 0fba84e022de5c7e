//! What the CLI tells a person, line for line as the Node CLI's `bin/report.js`: one
//! line per registry logged out of (stdout), a warning for whatever still logs them in
//! (stderr), and the plan of a dry run. Keys, levels and paths only: a value from a
//! config file never reaches this text.

use registry_logout_core::{
    ConfigLevel, CredentialKind, CredentialSource, ListedCredential, LogoutReport,
    RevocationOutcome, RevokePolicy, StoreKind, Verification,
};

/// ANSI styles for one stream, or none.
#[derive(Clone, Copy)]
pub struct Paint(pub bool);

impl Paint {
    fn wrap(self, open: u8, close: u8, text: &str) -> String {
        if self.0 {
            format!("\x1b[{open}m{text}\x1b[{close}m")
        } else {
            text.to_string()
        }
    }
    fn bold(self, text: &str) -> String {
        self.wrap(1, 22, text)
    }
    fn green(self, text: &str) -> String {
        self.wrap(32, 39, text)
    }
    fn yellow(self, text: &str) -> String {
        self.wrap(33, 39, text)
    }
}

/// The lines for one registry's result.
#[derive(Default)]
pub struct Lines {
    /// For stdout.
    pub out: Vec<String>,
    /// For stderr.
    pub warn: Vec<String>,
}

fn level_name(level: ConfigLevel) -> &'static str {
    match level {
        ConfigLevel::Cli => "a command-line flag",
        ConfigLevel::Env => "the environment",
        ConfigLevel::Project => "project config",
        ConfigLevel::User => "user config",
        ConfigLevel::Global => "global config",
        ConfigLevel::Builtin => "npm's builtin config",
    }
}

fn in_level(level: ConfigLevel, path: Option<&std::path::Path>) -> String {
    match path {
        Some(p) => format!("{} {}", level_name(level), p.display()),
        None => level_name(level).to_string(),
    }
}

/// Where a credential comes from, as a person would look for it.
fn source(c: &CredentialSource) -> String {
    match c.level {
        // Another tool's variable (YARN_NPM_AUTH_TOKEN, BUN_CONFIG_TOKEN,
        // pnpm_config__auth): its key names it.
        ConfigLevel::Env if c.store != StoreKind::Npm => {
            let variable = c.key.split('.').next().unwrap_or_default();
            format!("the environment ({variable})")
        }
        ConfigLevel::Env => format!("the environment (npm_config_{})", c.key),
        ConfigLevel::Cli => format!("a command-line flag (--{})", c.key),
        level => in_level(level, c.path.as_deref()),
    }
}

fn keys(removed: &[registry_logout_core::KeyPath]) -> String {
    removed
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn scope_suffix(scope: Option<&str>) -> String {
    scope
        .filter(|s| !s.is_empty())
        .map(|s| format!(" ({s})"))
        .unwrap_or_default()
}

fn revocation_text(
    revocation: &RevocationOutcome,
    credential: &CredentialSource,
    revoke: RevokePolicy,
) -> String {
    match revocation {
        RevocationOutcome::Revoked { verification, .. } => match verification {
            Some(Verification::TokenRejected { .. }) => {
                "token revoked (verified: the registry now refuses it)".into()
            }
            Some(Verification::TokenStillValid { .. }) => {
                "the registry accepted the revocation, but the token STILL WORKS".into()
            }
            Some(Verification::Unknown { status, error }) => {
                let why = match (error, status) {
                    (Some(e), _) => e.code().into_owned(),
                    (None, Some(status)) => format!("HTTP {status}"),
                    (None, None) => "HTTP undefined".into(),
                };
                format!("token revoked (not verified: {why})")
            }
            None => "token revoked".into(),
        },
        RevocationOutcome::Failed { error, .. } => {
            format!("token NOT revoked ({})", error.code())
        }
        RevocationOutcome::Skipped { .. } if credential.kind != CredentialKind::Token => {
            format!(
                "nothing to revoke ({} credential)",
                credential.kind.as_str()
            )
        }
        RevocationOutcome::Skipped { .. } if revoke == RevokePolicy::Skip => {
            "token not revoked (--revoke=skip)".into()
        }
        RevocationOutcome::Skipped { .. } => "token not revoked".into(),
    }
}

fn files_text(report: &LogoutReport) -> String {
    if report.files.is_empty() {
        return format!(
            "no file changed: the credential came from {}",
            source(&report.credential)
        );
    }
    report
        .files
        .iter()
        .map(|f| {
            let removed = format!(
                "removed {} from {}",
                keys(&f.removed_keys),
                f.path.display()
            );
            if f.deleted {
                format!("{removed} (file deleted: nothing else was in it)")
            } else {
                removed
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether `--verify` found that the registry kept the revoked token valid.
pub fn still_valid(report: &LogoutReport) -> bool {
    matches!(
        report.revocation,
        RevocationOutcome::Revoked {
            verification: Some(Verification::TokenStillValid { .. }),
            ..
        }
    )
}

/// The lines for one registry's result; `revoke` is the policy the request had.
pub fn describe(report: &LogoutReport, revoke: RevokePolicy, out: Paint, err: Paint) -> Lines {
    let mut lines = Lines::default();
    let scope = scope_suffix(report.scope.as_deref());
    let credential = &report.credential;
    if report.dry_run {
        lines.out.push(format!(
            "{} would log out of {}{scope}",
            out.bold("Dry run:"),
            report.registry
        ));
        if credential.kind == CredentialKind::Token && revoke != RevokePolicy::Skip {
            lines.out.push(format!(
                "  revoke the token at {} from {}",
                credential.key,
                source(credential)
            ));
        } else if credential.kind == CredentialKind::Token {
            lines.out.push("  revoke nothing (--revoke=skip)".into());
        } else {
            lines.out.push(format!(
                "  revoke nothing ({} credential)",
                credential.kind.as_str()
            ));
        }
        for f in &report.files {
            lines.out.push(format!(
                "  remove {} from {}{}",
                keys(&f.removed_keys),
                f.path.display(),
                if f.deleted {
                    " (and delete it: nothing else is in it)"
                } else {
                    ""
                }
            ));
        }
        if report.files.is_empty() {
            lines.out.push(format!(
                "  change no file: the credential comes from {}",
                source(credential)
            ));
        }
        return lines;
    }
    lines.out.push(format!(
        "{} of {}{scope}: {}; {}",
        out.green("Logged out"),
        report.registry,
        revocation_text(&report.revocation, credential, revoke),
        files_text(report)
    ));
    // With several stores, each one's credential and what became of its token.
    if let Some(stores) = report.stores.as_ref().filter(|s| s.len() > 1) {
        for s in stores {
            lines.out.push(format!(
                "  {}: {} from {}: {}",
                s.credential.store,
                s.credential.key,
                source(&s.credential),
                revocation_text(&s.revocation, &s.credential, revoke)
            ));
        }
    }
    if let RevocationOutcome::Failed { error, .. } = &report.revocation {
        lines.warn.push(format!(
            "{} the registry did not revoke the token ({}: {}); it may still work until it \
             expires or is revoked in the registry itself",
            err.yellow("warning:"),
            error.code(),
            error.message()
        ));
    }
    if still_valid(report) {
        lines.warn.push(format!(
            "{} {} kept the token valid after revoking it (GET /-/whoami still accepts it): \
             revoke it in the registry itself",
            err.yellow("warning:"),
            report.registry
        ));
    }
    if let Some(still) = &report.still_logged_in {
        lines.warn.push(format!(
            "{} still logged in to {}: {} from {} still applies",
            err.yellow("warning:"),
            report.registry,
            still.key,
            source(still)
        ));
    }
    lines
}

/// `--list`: one line per credential, keys and paths only.
pub fn list_lines(list: &[ListedCredential]) -> Vec<String> {
    if list.is_empty() {
        return vec!["no credentials found".into()];
    }
    list.iter()
        .map(|c| {
            let credential = &c.credential;
            format!(
                "{}{}: {} {} {} in {}",
                c.registry,
                scope_suffix(c.scope.as_deref()),
                credential.store,
                credential.kind.as_str(),
                credential.key,
                in_level(credential.level, credential.path.as_deref())
            )
        })
        .collect()
}
