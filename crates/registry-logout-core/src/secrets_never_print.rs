//! Every public type that can hold a secret, built from a logout whose tokens sit in
//! the environment, in cli config, in a config file, in the otp and in every other
//! store's files (pnpm's `config.yaml` and `auth.ini`, Yarn's `.yarnrc.yml`, Bun's
//! `.bunfig.toml`, vlt's keychain), is formatted with `{:?}` and `{:#?}`; no token may appear. A type
//! that holds a secret must redact it in `Debug`, so that a `dbg!`, a log line or a
//! panic message in an embedder cannot leak it. (The stores themselves have no
//! `Debug`: nothing can format them.)

// In the crate, not under tests/: it formats internal types too (the config, the
// store's credential and plan), which the public API does not export.

use std::fmt::Debug;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use crate::config::{Config, ConfigInputs, ConfigLevel, FileLevel};
use crate::edit::{edit_file, remove_keys, Apply, Emptied, NpmrcRemoval};
use crate::env::Env;
use crate::error::{ErrorKind, LogoutError, SystemCode};
use crate::key_path::KeyPath;
use crate::logout::{
    credentials, run, AccountToken, AccountTokenOutcome, Everywhere, LogoutRequest, Outcome,
    RevokeMode,
};
use crate::nerf_dart::RegistryUrl;
use crate::npmrc::NpmrcDocument;
use crate::revoke::ListedToken;
use crate::secret::{ConfigValues, Secret};
use crate::store::{
    BunStore, CredentialStore, NpmrcStore, PnpmStore, StoreKind, Target, VltStore, YarnStore,
};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

const ENV_TOKEN: &str = "npm_ENVCANARY_7f3a";
const CLI_TOKEN: &str = "npm_CLICANARY_91bd";
const FILE_TOKEN: &str = "npm_FILECANARY_c0de";
const OTP: &str = "OTPCANARY_424242";
const PASSWORD: &str = "PASSWORDCANARY_b64";
const PNPM_TOKEN: &str = "npm_PNPMCANARY_5e11";
const PNPM_INI_TOKEN: &str = "npm_PNPMINICANARY_77a0";
const YARN_TOKEN: &str = "npm_YARNCANARY_be57";
const YARN_IDENT: &str = "YARNIDENTCANARY_dXNlcjpwdw";
const BUN_TOKEN: &str = "npm_BUNCANARY_0f0f";
const BUN_PASSWORD: &str = "BUNPASSWORDCANARY_9";
const VLT_TOKEN: &str = "npm_VLTCANARY_3c3c";
const VLT_BASIC: &str = "VLTBASICCANARY_dTpw";
const CANARIES: &[&str] = &[
    "ENVCANARY",
    "CLICANARY",
    "FILECANARY",
    "OTPCANARY",
    "PASSWORDCANARY",
    "PNPMCANARY",
    "PNPMINICANARY",
    "YARNCANARY",
    "YARNIDENTCANARY",
    "BUNCANARY",
    "BUNPASSWORDCANARY",
    "VLTCANARY",
    "VLTBASICCANARY",
];

const REGISTRY: &str = "http://registry.example/";

/// Formats `value` both ways and fails, naming the type, if a token shows.
fn assert_redacted<T: Debug + ?Sized>(what: &str, value: &T) {
    for shown in [format!("{value:?}"), format!("{value:#?}")] {
        for canary in CANARIES {
            assert!(
                !shown.contains(canary),
                "{what} prints a secret ({canary}): {shown}"
            );
        }
    }
}

/// A home whose `.npmrc` holds a token literally, one by `${NPM_TOKEN}` and a password.
fn sandbox() -> (tempfile::TempDir, Env) {
    let (dir, mut env) = crate::store::test_support::npm_home(&format!(
        "//registry.example/:_authToken=${{NPM_TOKEN}}\n\
         //other.example/:_authToken={FILE_TOKEN}\n\
         //pw.example/:username=me\n\
         //pw.example/:_password={PASSWORD}\n"
    ));
    env.insert("NPM_TOKEN".to_string(), ENV_TOKEN.to_string());
    env.insert(
        "npm_config_//env.example/:_authToken".to_string(),
        ENV_TOKEN.to_string(),
    );
    (dir, env)
}

fn cli_config() -> ConfigValues {
    [
        ("//cli.example/:_authToken", Value::from(CLI_TOKEN)),
        ("otp", Value::from(OTP)),
        ("ca", Value::from(vec![CLI_TOKEN])),
    ]
    .into_iter()
    .collect()
}

fn request(dir: &Path, env: &Env) -> LogoutRequest {
    let mut request = LogoutRequest::new(dir.join("project"), env.clone());
    request.registry = Some(REGISTRY.to_string());
    request.config = cli_config();
    request.prefix = Some(dir.join("prefix"));
    request.otp = Some(Secret::new(OTP));
    request.revoke = RevokeMode::Skip;
    request.dry_run = true;
    request
}

#[tokio::test]
async fn no_public_type_prints_a_secret() {
    let (dir, env) = sandbox();
    assert_redacted("Env", &env);
    assert_redacted("Secret", &Secret::new(ENV_TOKEN));
    assert_redacted("ConfigValues", &cli_config());

    let req = request(dir.path(), &env);
    assert_redacted("LogoutRequest", &req);

    let inputs = ConfigInputs {
        cwd: dir.path().join("project"),
        env: Arc::new(env.clone()),
        cli: cli_config(),
        default_prefix: Some(dir.path().join("prefix")),
        exec_path: None,
    };
    assert_redacted("ConfigInputs", &inputs);

    let config = Arc::new(Config::load(&inputs).unwrap());
    // The tokens are really there: the test would prove nothing otherwise.
    assert_eq!(
        config
            .get_string("//registry.example/:_authToken")
            .as_deref(),
        Some(ENV_TOKEN)
    );
    assert_eq!(
        config.get_string("//cli.example/:_authToken").as_deref(),
        Some(CLI_TOKEN)
    );
    assert_redacted("Config", &*config);
    for layer in config.layers() {
        assert_redacted("ConfigLayer", layer);
        if let Some(file) = &layer.file {
            assert_redacted("ConfigFile", file);
        }
    }
    // (`Without`, a view of the config, has no `Debug`.)
    let user_layer = config.layer(ConfigLevel::User).unwrap();
    let user_keys = [
        "//other.example/:_authToken".to_string(),
        "//pw.example/:_password".to_string(),
    ];

    // The config file's text, as a document, its entries and ini's object.
    let doc = user_layer
        .file
        .as_ref()
        .and_then(|f| f.document.clone())
        .unwrap();
    assert!(doc.text().contains(FILE_TOKEN));
    assert_redacted("NpmrcDocument", &doc);
    for entry in doc.entries() {
        assert_redacted("NpmrcEntry", &entry);
    }
    for property in doc.ini_object() {
        assert_redacted("IniProperty", &property);
    }
    let fresh = NpmrcDocument::parse(doc.text().to_string());
    let removal = remove_keys(&fresh, &env, &user_keys[..1]);
    assert!(removal.text.contains(PASSWORD));
    assert_redacted("Removal", &removal);
    let user_file = dir.path().join("home").join(".npmrc");
    assert_redacted(
        "FileOutcome",
        &edit_file(
            &user_file,
            Apply::DryRun,
            &NpmrcRemoval {
                env: &env,
                keys: &user_keys.clone().map(KeyPath::key),
                known: None,
            },
            Emptied::Deleted,
        )
        .unwrap(),
    );

    // npm's store: the credential, the plan, the change.
    let store = NpmrcStore::new(config.clone());
    for registry in [REGISTRY, "http://other.example/", "http://cli.example/"] {
        let url = RegistryUrl::parse(registry).unwrap();
        assert_redacted("RegistryUrl", &url);
        let target = Target {
            registry: registry.to_string(),
            url,
            scope: None,
        };
        assert_redacted("Target", &target);
        let credential = store.find(&target).unwrap();
        assert!(credential.token.is_some());
        assert_redacted("Credential", &credential);
        for removal in store.plan_removal(&target, &credential) {
            assert_redacted("FileRemoval", &removal);
        }
    }
    assert_redacted("registries", &store.registries());

    // `everywhere`'s list, from a registry that listed a whole token where a masked
    // form belongs: `Debug` shows only a form with an ellipsis in it.
    let listed: ListedToken = crate::revoke::listed("k1", FILE_TOKEN);
    assert_redacted("ListedToken", &listed);
    let everywhere = Everywhere {
        tokens: vec![AccountToken {
            token: listed,
            current: false,
            outcome: AccountTokenOutcome::Listed,
        }],
        error: None,
        filter: None,
    };
    assert_redacted("Everywhere", &everywhere);
    // `tokens()`'s list holds the same entries.
    let token_list = crate::logout::TokenList {
        registry: "https://registry.example/".into(),
        credential: everywhere_credential(),
        tokens: everywhere.tokens.clone(),
    };
    assert_redacted("TokenList", &token_list);
    // A GitHub token's report holds its prefix only, and GitHub's error.
    let github = crate::logout::GithubToken {
        prefix: "ghp_",
        outcome: crate::logout::GithubTokenOutcome::Failed {
            status: Some(422),
            error: LogoutError::new(ErrorKind::Http(422), "422 Unprocessable Entity"),
        },
    };
    assert_redacted("GithubToken", &github);

    // A whole logout, one registry and all of them (dry runs, nothing sent).
    let cancel = CancellationToken::new();
    let one = run(&req, &cancel).await.unwrap();
    assert!(matches!(one, Outcome::One(_)));
    assert_redacted("Outcome", &one);
    if let Outcome::One(report) = &one {
        assert_redacted("LogoutReport", &**report);
        assert_redacted("CredentialSource", &report.credential);
        assert_redacted("Revocation", &report.revocation);
        for change in &report.files {
            assert_redacted("FileChange", change);
        }
    }
    let all = run(
        &LogoutRequest {
            all: true,
            ..request(dir.path(), &env)
        },
        &cancel,
    )
    .await
    .unwrap();
    assert_redacted("Outcome (all)", &all);
    if let Outcome::All(all) = &all {
        assert!(all.results.len() >= 3, "{all:?}");
        for entry in &all.results {
            assert_redacted("LogoutAllEntry", entry);
        }
    }

    // Errors, and the plain enums a report is made of.
    let no_login = run(
        &LogoutRequest {
            registry: Some("http://nobody.example/".to_string()),
            ..request(dir.path(), &env)
        },
        &cancel,
    )
    .await
    .unwrap_err();
    assert_eq!(no_login.kind(), ErrorKind::NeedAuth);
    assert_redacted("LogoutError", &no_login);
    assert_redacted(
        "LogoutError (io)",
        &LogoutError::new(ErrorKind::Io(SystemCode::Access), "x"),
    );
    assert_redacted("FileLevel", &FileLevel::User);
}

/// pnpm's, Yarn's, Bun's and vlt's files beside npm's, each holding canary tokens for
/// `REGISTRY` (and the scope `@acme`), pnpm's and Bun's under `XDG_CONFIG_HOME`, vlt's
/// under `XDG_DATA_HOME`.
fn other_stores(dir: &Path, env: &mut Env) {
    let xdg = dir.join("xdg");
    fs::create_dir_all(xdg.join("pnpm")).unwrap();
    fs::write(
        xdg.join("pnpm").join("config.yaml"),
        format!(
            "# pnpm\n_auth:\n  \"{REGISTRY}\":\n    \"@\":\n      authToken: {PNPM_TOKEN}\n    \"@acme\":\n      authToken: {PNPM_TOKEN}x\n"
        ),
    )
    .unwrap();
    fs::write(
        xdg.join("pnpm").join("auth.ini"),
        format!("//registry.example/:_authToken={PNPM_INI_TOKEN}\n"),
    )
    .unwrap();
    fs::write(
        dir.join("home").join(".yarnrc.yml"),
        format!(
            "npmRegistries:\n  \"//registry.example\":\n    npmAuthToken: {YARN_TOKEN}\nnpmScopes:\n  acme:\n    npmAuthIdent: {YARN_IDENT}\n"
        ),
    )
    .unwrap();
    fs::write(
        xdg.join(".bunfig.toml"),
        format!(
            "[install]\nregistry = \"http://:{BUN_TOKEN}@registry.example/\"\n\n[install.scopes]\n\"@acme\" = {{ url = \"http://registry.example/\", username = \"u\", password = \"{BUN_PASSWORD}\" }}\n"
        ),
    )
    .unwrap();
    env.insert("XDG_CONFIG_HOME".to_string(), xdg.display().to_string());
    let data = dir.join("xdg-data");
    fs::create_dir_all(data.join("vlt/auth")).unwrap();
    fs::write(
        data.join("vlt/auth/keychain.json"),
        format!(
            "{{\"{}\":\"Bearer {VLT_TOKEN}\",\"https://other.example\":\"Basic {VLT_BASIC}\"}}\n",
            REGISTRY.trim_end_matches('/')
        ),
    )
    .unwrap();
    env.insert("XDG_DATA_HOME".to_string(), data.display().to_string());
}

#[tokio::test]
async fn no_store_s_types_print_a_secret() {
    let (dir, mut env) = sandbox();
    other_stores(dir.path(), &mut env);
    let env = Arc::new(env);
    let home = dir.path().join("home");
    let cwd = dir.path().join("project");
    let stores: Vec<(&str, Box<dyn CredentialStore>)> = vec![
        (
            "pnpm",
            Box::new(PnpmStore::load(env.clone(), &home, &cwd).unwrap()),
        ),
        (
            "yarn",
            Box::new(YarnStore::load(env.clone(), &home, &cwd).unwrap()),
        ),
        (
            "bun",
            Box::new(BunStore::load(env.clone(), &home, &cwd).unwrap()),
        ),
        (
            "vlt",
            Box::new(VltStore::load(env.clone(), &home, &cwd).unwrap()),
        ),
    ];
    for (name, store) in &stores {
        let mut tokens_found = 0;
        for scope in [None, Some("@acme")] {
            let target = Target {
                registry: REGISTRY.to_string(),
                url: RegistryUrl::parse(REGISTRY).unwrap(),
                scope: scope.map(str::to_string),
            };
            let Some(credential) = store.find(&target) else {
                panic!("{name} found no credential for {scope:?}");
            };
            tokens_found += usize::from(credential.token.is_some());
            assert_redacted(&format!("Credential ({name})"), &credential);
            assert_redacted(&format!("KeyPath ({name})"), &credential.key_path);
            for removal in store.plan_removal(&target, &credential) {
                assert_redacted(&format!("FileRemoval ({name})"), &removal);
                let outcome = store.apply(&removal, Apply::DryRun).unwrap();
                assert!(!outcome.removed.is_empty(), "{name}: {removal:?}");
                assert_redacted(&format!("FileOutcome ({name})"), &outcome);
            }
            let still = store.still_applies(&target, &[]);
            assert!(still.is_some(), "{name}: a dry run removed nothing");
            assert_redacted(&format!("Credential, still ({name})"), &still);
        }
        // The tokens are really there: the test would prove nothing otherwise.
        assert!(tokens_found > 0, "{name} holds no token");
        let listed = store.inventory();
        assert!(listed.len() >= 2, "{name}: {listed:?}");
        for entry in &listed {
            assert_redacted(&format!("Listed ({name})"), entry);
        }
        assert_redacted(&format!("registries ({name})"), &store.registries());
    }

    // npm's inventory too.
    let inputs = ConfigInputs {
        cwd: cwd.clone(),
        env: env.clone(),
        cli: cli_config(),
        default_prefix: Some(dir.path().join("prefix")),
        exec_path: None,
    };
    let npm = NpmrcStore::new(Arc::new(Config::load(&inputs).unwrap()));
    let listed = npm.inventory();
    assert!(listed.iter().any(|l| l.credential.token.is_some()));
    for entry in &listed {
        assert_redacted("Listed (npm)", entry);
    }

    // A dry run over every store, and the listing.
    let req = LogoutRequest {
        env: env.clone(),
        sources: Some(StoreKind::ALL.to_vec()),
        ..request(dir.path(), &env)
    };
    let listed = credentials(&req).unwrap();
    assert!(listed.len() >= 10, "{listed:?}");
    assert_redacted("Vec<Listed>", &listed);
    let cancel = CancellationToken::new();
    let Outcome::One(report) = run(&req, &cancel).await.unwrap() else {
        panic!("one registry's logout");
    };
    let stores = report.stores.as_deref().unwrap_or_default();
    assert_eq!(stores.len(), StoreKind::ALL.len(), "{report:?}");
    assert_redacted("LogoutReport (every store)", &*report);
    for store_report in stores {
        assert_redacted("StoreReport", store_report);
        assert_redacted("CredentialSource", &store_report.credential);
    }
    assert!(report.files.len() >= 5, "{report:?}");
    for change in &report.files {
        assert_redacted("FileChange", change);
    }
}

/// A credential's source, for the reports built by hand above.
fn everywhere_credential() -> crate::logout::CredentialSource {
    crate::logout::CredentialSource {
        store: crate::store::StoreKind::Npm,
        kind: crate::credentials::CredentialKind::Token,
        key: "//registry.example/:_authToken".into(),
        level: ConfigLevel::User,
        path: None,
    }
}
