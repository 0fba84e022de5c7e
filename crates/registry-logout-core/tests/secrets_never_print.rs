//! Every public type, built from a logout whose tokens sit in the environment, in cli
//! config, in a config file and in the otp, is formatted with `{:?}` and `{:#?}`; no
//! token may appear. A type that holds a secret must redact it in `Debug`, so that a
//! `dbg!`, a log line or a panic message in an embedder cannot leak it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Debug;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use registry_logout_core::{
    edit_file, remove_keys, run, Apply, CancellationToken, Config, ConfigInputs, ConfigLevel,
    ConfigValues, CredentialStore, Emptied, Env, ErrorKind, FileLevel, LogoutError, LogoutRequest,
    NpmrcDocument, NpmrcRemoval, NpmrcStore, Outcome, RegistryUrl, RevokePolicy, Secret,
    SystemCode, Target,
};
use serde_json::Value;

/// Where npm finds the home directory: `os.homedir()` reads `HOME` on Unix and
/// `USERPROFILE` on Windows.
const HOME_VAR: &str = if cfg!(windows) { "USERPROFILE" } else { "HOME" };

const ENV_TOKEN: &str = "npm_ENVCANARY_7f3a";
const CLI_TOKEN: &str = "npm_CLICANARY_91bd";
const FILE_TOKEN: &str = "npm_FILECANARY_c0de";
const OTP: &str = "OTPCANARY_424242";
const PASSWORD: &str = "PASSWORDCANARY_b64";
const CANARIES: &[&str] = &[
    "ENVCANARY",
    "CLICANARY",
    "FILECANARY",
    "OTPCANARY",
    "PASSWORDCANARY",
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
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let project = dir.path().join("project");
    fs::create_dir_all(&home).unwrap();
    fs::create_dir_all(&project).unwrap();
    fs::write(project.join("package.json"), "{}").unwrap();
    fs::write(
        home.join(".npmrc"),
        format!(
            "//registry.example/:_authToken=${{NPM_TOKEN}}\n\
             //other.example/:_authToken={FILE_TOKEN}\n\
             //pw.example/:username=me\n\
             //pw.example/:_password={PASSWORD}\n"
        ),
    )
    .unwrap();
    let env: Env = [
        (HOME_VAR.to_string(), home.display().to_string()),
        ("NPM_TOKEN".to_string(), ENV_TOKEN.to_string()),
        (
            "npm_config_//env.example/:_authToken".to_string(),
            ENV_TOKEN.to_string(),
        ),
        (
            "npm_config_globalconfig".to_string(),
            dir.path().join("npmrc").display().to_string(),
        ),
    ]
    .into();
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
    LogoutRequest {
        registry: Some(REGISTRY.to_string()),
        cwd: dir.join("project"),
        env: Arc::new(env.clone()),
        config: cli_config(),
        prefix: Some(dir.join("prefix")),
        otp: Some(Secret::new(OTP)),
        revoke: RevokePolicy::Skip,
        dry_run: true,
        ..Default::default()
    }
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
                keys: &user_keys,
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
    assert_redacted("registries", &store.registries().unwrap());

    // A whole logout, one registry and all of them (dry runs, nothing sent).
    let cancel = CancellationToken::new();
    let one = run(&req, &cancel).await.unwrap();
    assert!(matches!(one, Outcome::One(_)));
    assert_redacted("Outcome", &one);
    if let Outcome::One(report) = &one {
        assert_redacted("LogoutReport", &**report);
        assert_redacted("CredentialSource", &report.credential);
        assert_redacted("RevocationOutcome", &report.revocation);
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
            assert_redacted("AllEntry", entry);
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
