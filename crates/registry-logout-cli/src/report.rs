//! What the CLI tells a person (the Node shim and the native binary alike): one
//! line per registry logged out of (stdout), a warning for whatever still logs them in
//! (stderr), and the plan of a dry run. Keys, levels and paths only: a value from a
//! config file never reaches this text.

use registry_logout_core::{
    AccountToken, AccountTokenOutcome, ConfigLevel, CredentialKind, CredentialSource, Everywhere,
    GithubToken, GithubTokenOutcome, ListedCredential, LogoutReport, Revocation, RevokeMode,
    RevokedVia, StoreKind, TokenApiOutcome, TokenList, Verification,
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
    pub fn yellow(self, text: &str) -> String {
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
    revocation: &Revocation,
    credential: &CredentialSource,
    revoke: RevokeMode,
) -> String {
    match revocation {
        Revocation::AlreadyInvalid { .. } => {
            "token was already invalid (expired or revoked)".into()
        }
        Revocation::Revoked {
            verification, via, ..
        } => {
            let how = if *via == RevokedVia::TokenApi {
                " through the token API"
            } else {
                ""
            };
            match verification {
                Some(Verification::TokenRejected { .. }) => {
                    format!("token revoked{how} (verified: the registry now refuses it)")
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
                None => format!("token revoked{how}"),
            }
        }
        Revocation::Failed { error, .. } => {
            format!("token NOT revoked ({})", error.code())
        }
        Revocation::Skipped { .. } if credential.kind != CredentialKind::Token => {
            format!(
                "nothing to revoke ({} credential)",
                credential.kind.as_str()
            )
        }
        Revocation::Skipped { .. } if revoke == RevokeMode::Skip => {
            "token not revoked (--revoke=skip)".into()
        }
        Revocation::Skipped { .. } => "token not revoked".into(),
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

/// `--verify` found that the registry kept the revoked token valid.
fn kept_valid(revocation: &Revocation) -> bool {
    matches!(
        revocation,
        Revocation::Revoked {
            verification: Some(Verification::TokenStillValid { .. }),
            ..
        }
    )
}

/// Logged out here, but something still works on the registry: `--verify` found the
/// token valid, or `--everywhere` did not revoke every token of the account. A dry run
/// whose token list cannot be read says so too: the real run could not revoke them.
pub fn still_valid(report: &LogoutReport) -> bool {
    let everywhere_short = report.everywhere.as_ref().is_some_and(|e| {
        e.error.is_some()
            || (!report.dry_run
                && e.tokens.iter().any(|t| {
                    !matches!(
                        t.outcome,
                        AccountTokenOutcome::Revoked { .. } | AccountTokenOutcome::Kept
                    )
                }))
    });
    kept_valid(&report.revocation) || everywhere_short
}

/// Why a token that outlived its revocation was not revoked by key either.
fn token_api_text(token_api: Option<&TokenApiOutcome>) -> String {
    match token_api {
        None => String::new(),
        Some(TokenApiOutcome::NotListed) => "; its token list (GET /-/npm/v1/tokens) does not \
            hold it, so it could not be revoked by key either (Verdaccio never lists a login \
            token: it lasts until it expires, or until the password or the server's secret \
            changes)"
            .into(),
        Some(TokenApiOutcome::Ambiguous) => "; several tokens in its token list fit its masked \
            form, so none was revoked by key"
            .into(),
        Some(TokenApiOutcome::Failed { error, .. }) => format!(
            "; revoking it through the token API failed ({})",
            error.code()
        ),
    }
}

/// A token the registry still accepts after accepting its revocation: what was tried,
/// that it may still be propagating, and how to check later.
fn kept_valid_text(registry: &str, revocation: &Revocation) -> String {
    let Revocation::Revoked {
        token_api,
        verification_attempts,
        verification_waited,
        ..
    } = revocation
    else {
        return String::new();
    };
    format!(
        "{registry} accepted the revocation, but GET /-/whoami still accepts the token ({} \
         request{} over {} ms){}. A revocation can take a while to reach every server of a \
         registry (the public registry documents up to an hour), so it may still be \
         propagating. The token is gone from your config; to check later, log in again and \
         run `npm token list --registry={registry}`: if it is still listed, revoke it with \
         `npm token revoke <id>`",
        verification_attempts,
        if *verification_attempts == 1 { "" } else { "s" },
        verification_waited.as_millis(),
        token_api_text(token_api.as_ref())
    )
}

/// A token of the account as the registry lists it: masked, its key, dates and flags
/// (those the registry sent).
fn account_token_text(t: &AccountToken) -> String {
    let masked = if t.token.masked.is_empty() {
        "(no masked form)"
    } else {
        t.token.masked.as_str()
    };
    let date = |label: &str, value: Option<&str>| {
        value
            .map(|c| format!(", {label} {}", c.chars().take(10).collect::<String>()))
            .unwrap_or_default()
    };
    format!(
        "{masked} (key {}{}{}{}{}{}{})",
        t.token.key,
        date("created", t.token.created.as_deref()),
        date("last used", t.token.accessed.as_deref()),
        date("expires", t.token.expires.as_deref()),
        if t.token.readonly == Some(true) {
            ", read-only"
        } else {
            ""
        },
        if t.token.bypass_2fa == Some(true) {
            ", bypasses 2FA"
        } else {
            ""
        },
        if t.current { ", this token" } else { "" }
    )
}

/// `--everywhere --dry-run`: what would be revoked.
fn everywhere_plan(everywhere: &Everywhere) -> Vec<String> {
    if let Some(e) = &everywhere.error {
        return vec![format!(
            "  cannot list the account's tokens: {}: {}",
            e.code(),
            e.message()
        )];
    }
    let Some(filter) = &everywhere.filter else {
        let mut lines = vec![format!(
            "  revoke every token of the account ({} listed):",
            everywhere.tokens.len()
        )];
        lines.extend(
            everywhere
                .tokens
                .iter()
                .map(|t| format!("    {}", account_token_text(t))),
        );
        return lines;
    };
    let picked = everywhere
        .tokens
        .iter()
        .filter(|t| t.outcome != AccountTokenOutcome::Kept)
        .count();
    let mut lines = vec![format!(
        "  revoke the account's tokens that match {filter}, and this one ({picked} of {} \
         listed):",
        everywhere.tokens.len()
    )];
    lines.extend(everywhere.tokens.iter().map(|t| {
        let verb = if t.outcome == AccountTokenOutcome::Kept {
            "keep"
        } else {
            "revoke"
        };
        format!("    {verb} {}", account_token_text(t))
    }));
    lines
}

/// `--everywhere`: what became of each token of the account.
fn everywhere_lines(everywhere: &Everywhere) -> Vec<String> {
    everywhere
        .tokens
        .iter()
        .map(|t| match &t.outcome {
            AccountTokenOutcome::Revoked { .. } => format!("  revoked {}", account_token_text(t)),
            AccountTokenOutcome::Kept => {
                format!("  kept {}: it does not match", account_token_text(t))
            }
            AccountTokenOutcome::StillValid => format!(
                "  NOT revoked {}: the registry still accepts it",
                account_token_text(t)
            ),
            AccountTokenOutcome::Failed { error, .. } => format!(
                "  NOT revoked {}: {}: {}",
                account_token_text(t),
                error.code(),
                error.message()
            ),
            // Worded as the Node CLI words a listed token outside a dry run.
            AccountTokenOutcome::Listed => {
                format!(
                    "  NOT revoked {}: undefined: undefined",
                    account_token_text(t)
                )
            }
        })
        .collect()
}

/// Where a person revokes a GitHub token by hand.
const GITHUB_TOKENS_PAGE: &str = "https://github.com/settings/tokens";

/// What the registry did with a GitHub token's revocation, as the warning tells it.
fn registry_answer(revocation: &Revocation) -> String {
    match revocation {
        Revocation::Revoked { status, .. } => {
            format!("accepted the revocation (HTTP {status})")
        }
        Revocation::AlreadyInvalid { status, .. } => {
            format!("refused the token (HTTP {status}), and so did GET /-/whoami")
        }
        Revocation::Failed { error, .. } => format!("did not revoke it ({})", error.code()),
        Revocation::Skipped { .. } => "was not asked to revoke it".into(),
    }
}

/// A GitHub token's line in a dry run's plan.
fn github_plan(github: &GithubToken) -> String {
    match github.outcome {
        GithubTokenOutcome::NotAsked => format!(
            "  the token is a GitHub token ({}…), which lives on GitHub: revoke it at {}, or add \
             --revoke-github-token",
            github.prefix, GITHUB_TOKENS_PAGE
        ),
        _ => format!(
            "  then revoke the GitHub token ({}…) on GitHub: POST /credentials/revoke to GitHub's \
             API, with no other credential",
            github.prefix
        ),
    }
}

/// A GitHub token's lines after the logout: what GitHub did, or where to revoke it.
fn github_lines(report: &LogoutReport, github: &GithubToken, err: Paint, lines: &mut Lines) {
    match &github.outcome {
        GithubTokenOutcome::Revoked { status, .. } => lines.out.push(format!(
            "  GitHub token ({}…) revoked on GitHub (POST /credentials/revoke answered {status})",
            github.prefix
        )),
        GithubTokenOutcome::Failed { error, .. } => lines.warn.push(format!(
            "{} GitHub did not revoke the GitHub token ({}…) ({}: {}); it is gone from your \
             config: revoke it at {}",
            err.yellow("warning:"),
            github.prefix,
            error.code(),
            error.message(),
            GITHUB_TOKENS_PAGE
        )),
        GithubTokenOutcome::NotAsked | GithubTokenOutcome::Skipped { .. } => {
            lines.warn.push(format!(
                "{} {} {}; the token is a GitHub token ({}…), which lives on GitHub and which \
                 that revocation is not known to reach. It is gone from your config: revoke it \
                 at {} (--revoke-github-token revokes it through GitHub's API)",
                err.yellow("warning:"),
                report.registry,
                registry_answer(&report.revocation),
                github.prefix,
                GITHUB_TOKENS_PAGE
            ));
        }
    }
}

/// GitHub revoked the token: the registry's own refusal is no warning then.
fn revoked_on_github(report: &LogoutReport) -> bool {
    report
        .github_token
        .as_ref()
        .is_some_and(|g| matches!(g.outcome, GithubTokenOutcome::Revoked { .. }))
}

/// The lines for one registry's result; `revoke` is the policy the request had.
pub fn describe(report: &LogoutReport, revoke: RevokeMode, out: Paint, err: Paint) -> Lines {
    let mut lines = Lines::default();
    let scope = scope_suffix(report.scope.as_deref());
    let credential = &report.credential;
    if report.dry_run {
        lines.out.push(format!(
            "{} would log out of {}{scope}",
            out.bold("Dry run:"),
            report.registry
        ));
        if credential.kind == CredentialKind::Token && revoke != RevokeMode::Skip {
            lines.out.push(format!(
                "  revoke the token at {} from {}",
                credential.key,
                source(credential)
            ));
            lines.out.push(
                "  if the registry refuses it, ask GET /-/whoami with it: a token refused there \
                 too is already invalid (expired or revoked) and is removed"
                    .into(),
            );
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
        if let Some(github) = &report.github_token {
            lines.out.push(github_plan(github));
        }
        if let Some(everywhere) = &report.everywhere {
            lines.out.extend(everywhere_plan(everywhere));
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
    if let Some(github) = &report.github_token {
        github_lines(report, github, err, &mut lines);
    }
    // When GitHub revoked the token, the registry's refusal is in the first line only.
    if let (Revocation::Failed { error, .. }, false) =
        (&report.revocation, revoked_on_github(report))
    {
        lines.warn.push(format!(
            "{} the registry did not revoke the token ({}: {}); it may still work until it \
             expires or is revoked in the registry itself",
            err.yellow("warning:"),
            error.code(),
            error.message()
        ));
    }
    if kept_valid(&report.revocation) {
        lines.warn.push(format!(
            "{} {}",
            err.yellow("warning:"),
            kept_valid_text(&report.registry, &report.revocation)
        ));
    }
    if let Some(everywhere) = &report.everywhere {
        lines.out.extend(everywhere_lines(everywhere));
        if let Some(e) = &everywhere.error {
            lines.warn.push(format!(
                "{} could not list the account's tokens on {} ({}: {}): no other token was \
                 revoked",
                err.yellow("warning:"),
                report.registry,
                e.code(),
                e.message()
            ));
        }
        let left = everywhere
            .tokens
            .iter()
            .filter(|t| {
                !t.current
                    && !matches!(
                        t.outcome,
                        AccountTokenOutcome::Revoked { .. } | AccountTokenOutcome::Kept
                    )
            })
            .count();
        if left > 0 {
            lines.warn.push(format!(
                "{} {left} of the account's tokens on {} were not revoked (see above)",
                err.yellow("warning:"),
                report.registry
            ));
        }
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

/// `--tokens`: the account's tokens, masked, with what the registry says of each.
pub fn token_lines(list: &TokenList) -> Vec<String> {
    let mut lines = vec![format!(
        "{}: {} token{} listed (the registry's token list: the public registry never lists \
         the session tokens `npm login` issues, which expire after two hours)",
        list.registry,
        list.tokens.len(),
        if list.tokens.len() == 1 { "" } else { "s" }
    )];
    lines.extend(
        list.tokens
            .iter()
            .map(|t| format!("  {}", account_token_text(t))),
    );
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
