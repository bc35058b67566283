//! `casework`: the command line for managers and auditors. Works on the embedded sled
//! store (`--store PATH`, default `./casework-data`) or on PostgreSQL (`--pg URL`).
//!
//! Exit codes: 0 success; 1 `verify` found broken chains or invariants; 2 usage error;
//! 3 store error (locked by another process, unknown format, I/O, server down);
//! 4 bad input (unknown case id, malformed plan or policy file, bad date, non-empty store
//! for `demo`/`import`).

mod audit;
mod backend;
mod case;
mod demo;
mod failure;
mod output;
mod privacy;
mod report;
mod transfer;
mod verify;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::failure::Failure;

/// casework — interinstitutional case management on an event-sourced store.
#[derive(Parser, Debug)]
#[command(
    name = "casework",
    version,
    about,
    long_about = None,
    after_help = "Exit codes: 0 success; 1 verify found problems; 2 usage (an unknown option, a number out of bounds); 3 store (missing, locked, damaged, unknown format, I/O, server down); 4 bad input (a file, date, id or name the command cannot use); 141 the output pipe was closed."
)]
pub struct Cli {
    /// Directory of the embedded store.
    #[arg(
        long,
        global = true,
        default_value = "./casework-data",
        value_name = "PATH"
    )]
    pub store: PathBuf,
    /// The embedded engine of a new store: redb (the default) or sled. An existing store
    /// is opened with its own engine; naming another is refused.
    #[arg(long, global = true, value_enum, value_name = "ENGINE")]
    pub engine: Option<Engine>,
    /// Use the PostgreSQL store at this URL instead (e.g. postgres://postgres@127.0.0.1:5432/test).
    #[arg(long, global = true, value_name = "URL")]
    pub pg: Option<String>,
    /// The PostgreSQL schema holding the store (with --pg).
    #[arg(long, global = true, default_value = "casework", value_name = "NAME")]
    pub pg_schema: String,
    /// A deployment policy file (JSON) instead of the built-in default.
    #[arg(long, global = true, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// The embedded store engines.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// sled 0.34.7, in a directory of sled's files.
    Sled,
    /// redb 4, one database file `casework.redb` in the directory (the default).
    Redb,
}

impl Engine {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sled => "sled",
            Engine::Redb => "redb",
        }
    }
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Simulate a realistic deployment into an empty store, through the real command path.
    Demo {
        /// Number of cases, 1–100000.
        #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        cases: u32,
        /// Years simulated (from 1 January 2025), 1–30.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=30))]
        years: u32,
        /// Random seed: the same seed gives the same deployment.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Print one of the six reports.
    Report(report::ReportArgs),
    /// One case: its state and due deadlines (`show`), or its history with the personal
    /// data a viewer may see (`read`).
    Case {
        #[command(subcommand)]
        command: case::CaseCommand,
    },
    /// The audit trail of one case: who did what when, event by event.
    History {
        /// The case id (UUID).
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: output::Format,
    },
    /// Verify every hash chain, the global log, the case invariants, that sealed personal
    /// data opens with its case's key, and that erasures are complete; with --checkpoint,
    /// also that the store still holds exactly the checkpointed history.
    Verify {
        /// A checkpoint written by `casework checkpoint` (or found in a backup set).
        #[arg(long, value_name = "FILE", requires = "public_key")]
        checkpoint: Option<PathBuf>,
        /// The public key the checkpoint must be signed by (FILE.pub of `casework keygen`).
        #[arg(long, value_name = "FILE", requires = "checkpoint")]
        public_key: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: output::Format,
    },
    /// Make a signing key for checkpoints: FILE (mode 0600, keep it secret) and FILE.pub
    /// (for auditors). Never overwrites a file.
    Keygen {
        /// Where to write the signing key.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Sign a checkpoint of the store's current head: position, log digest, time.
    Checkpoint {
        /// The signing key (from `casework keygen`).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// Where to write the checkpoint (a new file).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Write what is new since the last backup into DIR, with a signed checkpoint; the
    /// newest set holds the whole key area, older sets' key files are zeroed.
    Backup {
        /// The backup directory.
        dir: PathBuf,
        /// The signing key for the set's checkpoint.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// Write a full set and remove every older set.
        #[arg(long)]
        prune: bool,
    },
    /// Rebuild a store from a backup directory into the (new or empty) store named by
    /// --store or --pg, and verify it against the newest checkpoint.
    Restore {
        /// The backup directory.
        dir: PathBuf,
        /// The public key every set's checkpoint must be signed by.
        #[arg(long, value_name = "FILE")]
        public_key: PathBuf,
    },
    /// Erase a closed case: record the erasure and destroy its data key (crypto-shredding).
    Erase {
        /// The case id (UUID).
        id: String,
        /// The coordinator who erases, as USER@INSTITUTION.
        #[arg(
            long,
            default_value = "coordinator@casework",
            value_name = "USER@INSTITUTION"
        )]
        by: String,
        /// The day of the erasure (YYYY-MM-DD); today by default.
        #[arg(long, value_name = "DATE")]
        at: Option<String>,
    },
    /// Every read of special-category data (health, addiction): who, what, when, why.
    AccessLog {
        /// Only the reads of this case.
        #[arg(long, value_name = "ID")]
        case: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: output::Format,
        /// The same as `--format json`.
        #[arg(long, hide = true)]
        json: bool,
    },
    /// Export the whole store as JSON Lines, with its newest checkpoint (a new file, mode
    /// 0600: it holds the data keys of live cases).
    Export {
        /// The file to write (never inside the store's directory).
        file: PathBuf,
        /// Replace FILE if it exists (atomically: the old file stays whole until the new
        /// one is complete).
        #[arg(long)]
        force: bool,
    },
    /// Import a JSON Lines export into a new or empty store; the input is read once
    /// (`-`: standard input) and the store appears only when all of it verified.
    Import {
        /// The file to read, or `-`.
        file: PathBuf,
        /// Require the file's checkpoint to be signed by this public key.
        #[arg(long, value_name = "FILE")]
        public_key: Option<PathBuf>,
    },
    /// Streams, events, positions and size of the store.
    Stats {
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: output::Format,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    failure::remember_invocation(&cli);
    match run(&cli) {
        Ok(code) => code,
        Err(failure) if failure.code == output::BROKEN_PIPE => ExitCode::from(failure.code),
        Err(failure) => {
            // a closed standard error is no reason to panic: the exit code still tells
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "error: {}", failure.message);
            if let Some(hint) = &failure.hint {
                let _ = writeln!(err, "hint: {hint}");
            }
            ExitCode::from(failure.code)
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode, Failure> {
    let policy = failure::load_policy(cli.policy.as_deref())?;
    let open = || open_usable(cli, None);
    match &cli.command {
        Command::Keygen { out } => audit::keygen(out),
        Command::Import { file, public_key } => {
            transfer::import(backend::open_staging(cli)?, file, public_key.as_deref())
        }
        Command::Restore { dir, public_key } => {
            audit::run_restore(backend::open_staging(cli)?, dir, public_key)
        }
        Command::Demo { cases, years, seed } => {
            // the demo's store records at the simulated deployment's time
            let config = demo::config(*cases, *years, *seed);
            let backend = open_usable(cli, Some(config.store_clock()))?;
            demo::run(&backend, &config, &policy)
        }
        Command::Report(args) => report::run(&open()?, args, &policy),
        Command::Case { command } => case::run(&open()?, command, &policy),
        Command::History { id, format } => case::history(&open()?, id, *format),
        Command::Verify {
            checkpoint,
            public_key,
            format,
        } => verify::run(
            &open()?,
            checkpoint.as_deref().zip(public_key.as_deref()),
            *format,
        ),
        Command::Checkpoint { key, out } => audit::take(&open()?, key, out),
        Command::Backup { dir, key, prune } => audit::run_backup(&open()?, dir, key, *prune),
        Command::Erase { id, by, at } => privacy::erase(&open()?, id, by, at.as_deref(), &policy),
        Command::AccessLog { case, format, json } => {
            let format = if *json { output::Format::Json } else { *format };
            privacy::log(&open()?, case.as_deref(), format)
        }
        Command::Export { file, force } => transfer::export(&open()?, file, *force),
        Command::Stats { format } => transfer::stats(&open()?, *format, &policy),
    }
}

/// Opens the store the user named; a store whose import or restore did not finish is
/// refused for everything but `verify` and `stats`, which say what it holds.
fn open_usable(
    cli: &Cli,
    clock: Option<Box<dyn casework_store::Clock>>,
) -> Result<backend::Backend, Failure> {
    let backend = backend::open_with_clock(cli, clock)?;
    let inspecting = matches!(cli.command, Command::Verify { .. } | Command::Stats { .. });
    if !inspecting && backend.store().import_pending()? {
        return Err(casework_store::StoreError::ImportIncomplete(format!(
            "{}: an import or restore into it did not finish",
            backend.describe()
        ))
        .into());
    }
    Ok(backend)
}
