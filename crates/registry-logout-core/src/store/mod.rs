//! Where credentials are kept, behind one trait: npm's `.npmrc` levels, pnpm's, Yarn's
//! and Bun's files, each a [`StoreKind`]; the pipeline asks them all the same way. A
//! store finds the credential that applies to a target, plans which
//! keys go from which of its files, and applies each file's removal through the shared
//! lossless, atomic, locked edit ([`crate::edit`]). Revoking is not a store's business:
//! the pipeline revokes each distinct token once, whichever stores hold it.

mod bun;
mod npmrc;
mod pnpm;
mod vlt;
mod yaml;
mod yarn;

use std::path::PathBuf;

use crate::config::{ConfigLevel, FileLevel};
use crate::credentials::CredentialKind;
use crate::edit::{Apply, FileOutcome};
use crate::error::Result;
use crate::key_path::KeyPath;
use crate::nerf_dart::RegistryUrl;
use crate::secret::Secret;

pub use bun::BunStore;
pub use npmrc::NpmrcStore;
pub use pnpm::PnpmStore;
pub use vlt::VltStore;
pub use yarn::YarnStore;

/// Which tool's files a store reads. More stores will come (a minor release each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreKind {
    /// npm's `.npmrc` levels (and its cli and env levels).
    Npm,
    /// pnpm 12's `config.yaml` (`_auth`) and pnpm 11's `auth.ini`.
    Pnpm,
    /// Yarn Berry's `.yarnrc.yml` files.
    Yarn,
    /// Bun's `bunfig.toml` files.
    Bun,
    /// vlt's keychain (`vlt/auth/keychain.json` in its XDG data directory).
    Vlt,
}

impl StoreKind {
    /// Every store, in the order a logout asks them (npm's first).
    pub const ALL: [StoreKind; 5] = [
        StoreKind::Npm,
        StoreKind::Pnpm,
        StoreKind::Yarn,
        StoreKind::Bun,
        StoreKind::Vlt,
    ];

    /// The store's name as options, flags and reports spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Npm => "npm",
            StoreKind::Pnpm => "pnpm",
            StoreKind::Yarn => "yarn",
            StoreKind::Bun => "bun",
            StoreKind::Vlt => "vlt",
        }
    }

    /// The stores a list of names selects (`sources`, `--sources`): each name is a
    /// store or `all`; repeats count once, in the order of [`StoreKind::ALL`]. Every
    /// skin and CLI checks the names here, so that they accept the same ones.
    ///
    /// ```
    /// use registry_logout_core::StoreKind;
    ///
    /// let kinds = StoreKind::parse_sources(["yarn", "npm", "yarn"]).unwrap();
    /// assert_eq!(kinds, [StoreKind::Npm, StoreKind::Yarn]);
    /// assert_eq!(StoreKind::parse_sources(["all"]).unwrap(), StoreKind::ALL);
    /// assert!(StoreKind::parse_sources(["npm", "cargo"]).is_err());
    /// assert!(StoreKind::parse_sources(Vec::<&str>::new()).is_err());
    /// ```
    pub fn parse_sources<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Vec<StoreKind>> {
        let mut selected = [false; StoreKind::ALL.len()];
        let mut any = false;
        for name in names {
            any = true;
            if name == "all" {
                selected = [true; StoreKind::ALL.len()];
            } else {
                let kind: StoreKind = name.parse()?;
                if let Some(i) = StoreKind::ALL.iter().position(|k| *k == kind) {
                    selected[i] = true;
                }
            }
        }
        if !any {
            return Err(unknown_source("no source"));
        }
        Ok(StoreKind::ALL
            .into_iter()
            .zip(selected)
            .filter_map(|(kind, on)| on.then_some(kind))
            .collect())
    }
}

fn unknown_source(what: &str) -> crate::error::LogoutError {
    crate::error::LogoutError::new(
        crate::error::ErrorKind::InvalidArgType,
        format!("{what} (expected a list of npm, pnpm, yarn, bun, vlt or all)"),
    )
}

impl std::str::FromStr for StoreKind {
    type Err = crate::error::LogoutError;

    /// One store's name (`npm`, `pnpm`, `yarn`, `bun`, `vlt`); `all` is
    /// [`StoreKind::parse_sources`]'s.
    fn from_str(name: &str) -> Result<Self> {
        StoreKind::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| unknown_source(&format!("unknown source {name:?}")))
    }
}

impl std::fmt::Display for StoreKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A store's file its tool would refuse, or that we cannot edit safely. The message
/// names the file and what is wrong, never a value.
pub(crate) fn invalid(
    path: &std::path::Path,
    what: impl std::fmt::Display,
) -> crate::error::LogoutError {
    crate::error::LogoutError::new(
        crate::error::ErrorKind::InvalidConfig,
        format!("{}: {what}", path.display()),
    )
}

/// What a logout is for: the registry, and the scope that selected it.
#[derive(Clone, Debug)]
pub struct Target {
    /// The registry URL as configured.
    pub registry: String,
    pub url: RegistryUrl,
    /// `@scope`, when a scope chose the registry.
    pub scope: Option<String>,
}

/// A credential where a store found it. It carries no secret but the token to revoke.
#[derive(Clone, Debug)]
pub struct Credential {
    pub store: StoreKind,
    pub kind: CredentialKind,
    pub level: ConfigLevel,
    /// The file holding it; `None` for levels that are not files (cli, env).
    pub file: Option<PathBuf>,
    /// Where it is in its level: one key in a `.npmrc` (`//host/:_authToken`); the keys
    /// down to it in a nested file.
    pub key_path: KeyPath,
    /// The registry key it was found under, in npm's `//host/path/` form.
    pub registry_key: String,
    /// The token, for `Token` credentials.
    pub token: Option<Secret>,
}

/// The keys to remove from one file of a store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRemoval {
    pub level: FileLevel,
    pub path: PathBuf,
    /// The keys to remove (for `.npmrc`, paths of one key).
    pub keys: Vec<KeyPath>,
    /// Whether the file, as read, defines any of them: only such a file must be writable
    /// before a token is revoked.
    pub holds_any: bool,
    /// Whether removing them from the file as read leaves it blank, so that the edit
    /// deletes it (npm's `.npmrc`): a deletion needs no room on the disk.
    pub empties: bool,
}

/// A file a logout changed (or, in a dry run, would change).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileChange {
    /// The store whose file it is: each store reads back only its own changes.
    pub store: StoreKind,
    /// The file.
    pub path: PathBuf,
    /// Its level.
    pub level: FileLevel,
    /// The keys removed (never values): a `.npmrc` key, or the key path down to the
    /// value in a YAML or TOML file.
    pub removed_keys: Vec<KeyPath>,
    /// The file held nothing else and was deleted.
    pub deleted: bool,
}

impl FileChange {
    /// The change `outcome` made to `removal`'s file, if it removed anything.
    pub(crate) fn of(
        store: StoreKind,
        removal: &FileRemoval,
        outcome: FileOutcome,
    ) -> Option<Self> {
        (!outcome.removed.is_empty()).then(|| FileChange {
            store,
            path: removal.path.clone(),
            level: removal.level,
            removed_keys: outcome.removed,
            deleted: outcome.deleted,
        })
    }
}

/// One place credentials are kept. Shared across threads: a file edit may run on a
/// blocking thread of its own.
pub trait CredentialStore: Send + Sync {
    fn kind(&self) -> StoreKind;

    /// The registries for which a file of this store holds a credential (`--all`).
    fn registries(&self) -> Vec<String>;

    /// The scopes for which a file of this store holds a credential of their own, with
    /// the registry each uses (`--all`, as `yarn npm logout --all` clears scopes too).
    fn scopes(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// The credential that applies to `target`, if any.
    fn find(&self, target: &Target) -> Option<Credential>;

    /// Which keys go from which file when `credential` is logged out of: one entry per
    /// file, in the order they are to be edited.
    fn plan_removal(&self, target: &Target, credential: &Credential) -> Vec<FileRemoval>;

    /// Removes one file's keys through the shared edit ([`crate::edit::edit_file`]).
    fn apply(&self, removal: &FileRemoval, how: Apply) -> Result<FileOutcome>;

    /// The credential that would apply to `target` once `removed` (this store's own
    /// changes) are gone: from another file, or from a level that is not a file.
    fn still_applies(&self, target: &Target, removed: &[FileChange]) -> Option<Credential>;

    /// When [`CredentialStore::find`] found nothing: a credential written as a template
    /// whose variable is unset, said for the `ENEEDAUTH` message (a key and a file,
    /// never a value).
    fn unset_template(&self, _target: &Target) -> Option<String> {
        None
    }

    /// Every credential this store's files hold, for `credentials()` and `--list`.
    fn inventory(&self) -> Vec<Listed>;
}

/// A credential in a store's inventory, with the registry (and scope) it is for.
#[derive(Clone, Debug)]
pub struct Listed {
    pub registry: String,
    pub scope: Option<String>,
    pub credential: Credential,
}

/// What the stores' unit tests share: a target, and a logout through the trait alone.
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use crate::nerf_dart::RegistryUrl;

    use crate::config::HOME_VAR;

    /// A home with `.npmrc`, a project directory and an environment pointing at both
    /// (the global config inside the sandbox too).
    pub(crate) fn npm_home(npmrc: &str) -> (tempfile::TempDir, crate::env::Env) {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let project = dir.path().join("project");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&project).unwrap();
        std::fs::write(project.join("package.json"), "{}").unwrap();
        std::fs::write(home.join(".npmrc"), npmrc).unwrap();
        let env: crate::env::Env = [
            (HOME_VAR.to_string(), home.display().to_string()),
            (
                "npm_config_globalconfig".to_string(),
                dir.path().join("npmrc").display().to_string(),
            ),
        ]
        .into();
        (dir, env)
    }

    pub(crate) fn target(registry: &str, scope: Option<&str>) -> Target {
        Target {
            registry: registry.into(),
            url: RegistryUrl::parse(registry).unwrap(),
            scope: scope.map(Into::into),
        }
    }

    pub(crate) fn logout(store: &dyn CredentialStore, t: &Target) -> Vec<FileChange> {
        let c = store.find(t).unwrap();
        store
            .plan_removal(t, &c)
            .iter()
            .filter_map(|r| {
                let out = store.apply(r, Apply::Write).unwrap();
                FileChange::of(store.kind(), r, out)
            })
            .collect()
    }
}
