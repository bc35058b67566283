//! One clear line plus a hint, and an exit code, for every failure.

use std::path::Path;

use casework_process::Policy;
use casework_store::StoreError;

static ME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
static PROGRAM: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The program as the user called it (without store flags).
pub fn program() -> &'static str {
    PROGRAM.get().map_or("casework", String::as_str)
}

/// How the user called this program, with the store flags they gave: the prefix of every
/// command a hint or the demo suggests, so that it runs as printed (also when the program
/// was started by `cargo run` and is not on the PATH).
pub fn me() -> &'static str {
    ME.get().map_or("casework", String::as_str)
}

fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:@=%+,".contains(&b));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Records [`me`] from the program's own name and the store flags the user gave.
pub fn remember_invocation(cli: &crate::Cli) {
    let program = std::env::args()
        .next()
        .unwrap_or_else(|| "casework".to_owned());
    let program = if std::path::Path::new(&program).file_name() == Some(program.as_ref()) {
        program // found on the PATH: as typed
    } else {
        shell_word(&program)
    };
    let _ = PROGRAM.set(program.clone());
    let mut me = program;
    match &cli.pg {
        Some(url) => {
            me.push_str(&format!(
                " --pg {} --pg-schema {}",
                shell_word(url),
                shell_word(&cli.pg_schema)
            ));
        }
        None => me.push_str(&format!(
            " --store {}",
            shell_word(&cli.store.display().to_string())
        )),
    }
    let _ = ME.set(me);
}

/// A failure as the user sees it.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub hint: Option<String>,
    pub code: u8,
}

/// A usage error, as clap reports one: an option that is missing or does not apply.
pub const USAGE: u8 = 2;
pub const STORE: u8 = 3;
pub const INPUT: u8 = 4;

impl Failure {
    /// A command line that lacks what the command needs (exit 2, like clap's own).
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            hint: Some(hint.into()),
            code: USAGE,
        }
    }

    pub fn input(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            hint: Some(hint.into()),
            code: INPUT,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        let hint = match &e {
            StoreError::Locked(_) => Some("another casework process has this store open: stop it, or use --store for another directory".to_owned()),
            StoreError::UnsupportedFormat(_) => Some(format!("this is not a casework store of a version this program reads: check the store in `{}`, or export it with the version that wrote it", me())),
            StoreError::Corruption { stream, .. } if stream.as_str() == "$all" && (e.to_string().contains("sled cannot open") || e.to_string().contains("redb reports its file damaged")) => Some(format!("restore the store from its backups into a new directory: `{} --store NEW-DIR restore BACKUP-DIR --public-key KEY.pub`", program())),
            StoreError::Corruption { .. } => Some(format!("run `{} verify` for the full list; restore from a backup (`restore`) or an export if needed", me())),
            StoreError::Missing(_) => Some(format!("check the path or schema; `{me} demo` makes a demo store there, `{me} import EXPORT-FILE` or `{me} restore BACKUP-DIR --public-key KEY.pub` bring one back", me = me())),
            StoreError::ImportIncomplete(_) => Some("an import or restore into this store was interrupted: delete it and import or restore again".to_owned()),
            StoreError::Audit(_) => Some("audit fields must name a real user (USER@INSTITUTION, no control characters) and a time between the case's registration and now".to_owned()),
            StoreError::Undecryptable { .. } => Some(format!("the personal data was altered or moved, or its key is missing: run `{} verify`; restore from a backup or an export if needed", me())),
            StoreError::Denied { .. } => Some("read as the case's client (--role client --user SUBJECT), its coordinator, a member of its team, a provider of its vouchers, its referrer, or an auditor of an audit body the policy names (--purpose audit)".to_owned()),
            StoreError::KeyDestroyed(_) => Some("the case is erased: its personal data cannot be written or read any more".to_owned()),
            StoreError::Io(m) if m.contains("connect") => Some("is the PostgreSQL server running and the --pg URL right?".to_owned()),
            _ => None,
        };
        let code = match e {
            StoreError::Audit(_)
            | StoreError::InvalidIdempotencyKey(_)
            | StoreError::Denied { .. } => INPUT,
            _ => STORE,
        };
        Failure {
            message: e.to_string(),
            hint,
            code,
        }
    }
}

impl From<casework_reports::ProjectionError> for Failure {
    fn from(e: casework_reports::ProjectionError) -> Self {
        match e {
            casework_reports::ProjectionError::Store(s) => s.into(),
            other => Failure {
                message: other.to_string(),
                hint: None,
                code: STORE,
            },
        }
    }
}

impl From<casework_reports::CalendarError> for Failure {
    fn from(e: casework_reports::CalendarError) -> Self {
        use casework_reports::CalendarError;
        match e {
            CalendarError::Store(s) => s.into(),
            e @ CalendarError::NotADate { .. } => {
                Failure::input(e.to_string(), "write dates as YYYY-MM-DD, e.g. 2025-06-30")
            }
            e @ CalendarError::NoSuchPosition { .. } => Failure::input(
                e.to_string(),
                "give a date YYYY-MM-DD or a global position the store has",
            ),
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure {
            message: format!("{e:#}"),
            hint: None,
            code: STORE,
        }
    }
}

/// The policy from a file, or the built-in default.
pub fn load_policy(path: Option<&Path>) -> Result<Policy, Failure> {
    let Some(path) = path else {
        return Ok(Policy::default());
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::input(
            format!("cannot read policy file {}: {e}", path.display()),
            "check the path",
        )
    })?;
    Policy::from_json(&text).map_err(|e| {
        Failure::input(
            format!("policy file {}: {e}", path.display()),
            "the file must hold a casework policy in JSON",
        )
    })
}
