//! Opening the store the user chose.

use casework_postgres::{PgOptions, PgStore};
use casework_redb::{RedbOptions, RedbStore};
use casework_sled::SledStore;
use std::path::{Path, PathBuf};

use casework_store::{Clock, EventStore, Store, SystemClock};

use crate::failure::Failure;
use crate::{Cli, Engine};

/// The opened store.
pub enum Backend {
    Sled(SledStore),
    Redb(RedbStore),
    Pg(PgStore),
}

impl Backend {
    pub fn store(&self) -> &dyn Store {
        match self {
            Backend::Sled(s) => s,
            Backend::Redb(r) => r,
            Backend::Pg(p) => p,
        }
    }

    /// The directory of an embedded store.
    pub fn dir(&self) -> Option<&Path> {
        match self {
            Backend::Sled(s) => Some(s.path()),
            Backend::Redb(r) => Some(r.path()),
            Backend::Pg(_) => None,
        }
    }

    /// Size on disk, where the backend knows it.
    pub fn size(&self) -> Option<u64> {
        match self {
            Backend::Sled(s) => s.size_on_disk().ok(),
            Backend::Redb(r) => r.size_on_disk().ok(),
            Backend::Pg(_) => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Backend::Sled(s) => format!("sled store {}", s.path().display()),
            Backend::Redb(r) => format!("redb store {}", r.path().display()),
            Backend::Pg(p) => format!("PostgreSQL schema {}", p.schema()),
        }
    }

    /// Makes everything written so far durable (bulk writes use no per-append flush).
    pub fn flush(&self) -> Result<(), Failure> {
        Ok(self.store().flush()?)
    }
}

/// A store opened for an import or restore: a staging store beside the target, moved into
/// place only when the whole input verified. A run that fails removes it; a run that is
/// killed leaves it marked incomplete and never touches the target.
pub struct Staging {
    backend: Backend,
    target: Target,
}

enum Target {
    Dir {
        staging: PathBuf,
        target: PathBuf,
    },
    Pg {
        url: String,
        staging: String,
        target: String,
    },
}

impl Staging {
    /// Fills the staging store with `fill`; on success moves it into place, on failure
    /// removes it.
    pub fn fill<T>(
        self,
        fill: impl FnOnce(&dyn Store) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let result = fill(self.backend.store()).and_then(|t| {
            self.backend.flush()?;
            Ok(t)
        });
        drop(self.backend);
        match (&self.target, result) {
            (Target::Dir { staging, target }, Ok(t)) => {
                // the target is absent or an empty store (checked when staging began)
                if target.exists() {
                    std::fs::remove_dir_all(target).map_err(|e| {
                        Failure::input(
                            format!("cannot replace the empty store {}: {e}", target.display()),
                            "check permissions",
                        )
                    })?;
                }
                std::fs::rename(staging, target).map_err(|e| {
                    Failure::input(
                        format!(
                            "cannot move {} to {}: {e}",
                            staging.display(),
                            target.display()
                        ),
                        "the imported store is complete in the first directory: move it by hand",
                    )
                })?;
                Ok(t)
            }
            (
                Target::Pg {
                    url,
                    staging,
                    target,
                },
                Ok(t),
            ) => {
                casework_postgres::promote_schema(url, staging, target)?;
                Ok(t)
            }
            (Target::Dir { staging, .. }, Err(e)) => {
                let _ = std::fs::remove_dir_all(staging);
                Err(e)
            }
            (Target::Pg { url, staging, .. }, Err(e)) => {
                let _ = casework_postgres::drop_schema(url, staging);
                Err(e)
            }
        }
    }
}

/// Opens a staging store for an import or restore into the store the user named, which
/// must be absent or empty.
/// A schema name PostgreSQL cannot take is bad input, said before connecting.
fn check_schema_name(cli: &Cli) -> Result<(), Failure> {
    match (&cli.pg, casework_postgres::schema_name_problem(&cli.pg_schema)) {
        (Some(_), Some(problem)) => Err(Failure::input(
            problem,
            "give --pg-schema a name of lowercase letters, digits and _ (at most 63; 55 for import and restore)",
        )),
        _ => Ok(()),
    }
}

pub fn open_staging(cli: &Cli) -> Result<Staging, Failure> {
    check_schema_name(cli)?;
    let not_empty = |head: u64| {
        Failure::input(
            format!("the store already holds {head} events"),
            "import or restore into a new, empty store (a new --store directory or --pg-schema)",
        )
    };
    if let Some(url) = &cli.pg {
        let staging = format!("{}_staging", cli.pg_schema);
        if staging.len() > 63 {
            return Err(Failure::input(
                format!(
                    "schema name {:?} is too long to stage an import beside it",
                    cli.pg_schema
                ),
                "use a schema name of at most 55 characters",
            ));
        }
        match PgStore::open(
            url,
            PgOptions {
                schema: cli.pg_schema.clone(),
                create: false,
                ..PgOptions::default()
            },
        ) {
            Ok(target) => {
                let head = target.head_position()?;
                if head > 0 {
                    return Err(not_empty(head));
                }
            }
            Err(casework_store::StoreError::Missing(_)) => {}
            Err(e) => return Err(e.into()),
        }
        match casework_postgres::clear_staging_schema(url, &staging) {
            Ok(()) => {}
            Err(casework_store::StoreError::UnsupportedFormat(why)) => {
                return Err(Failure::input(
                    why,
                    format!(
                        "an import into schema {} stages in {staging}: rename or drop that schema yourself, or import into another --pg-schema",
                        cli.pg_schema
                    ),
                ))
            }
            Err(e) => return Err(e.into()),
        }
        return Ok(Staging {
            backend: Backend::Pg(open_pg(url, &staging)?),
            target: Target::Pg {
                url: url.clone(),
                staging,
                target: cli.pg_schema.clone(),
            },
        });
    }
    let target = cli.store.clone();
    let engine = engine_of(cli)?;
    if target.exists() {
        match open_dir(engine, &target, false, Bulk::No, Box::new(SystemClock)) {
            Ok(store) => {
                let head = store.store().head_position()?;
                if head > 0 {
                    return Err(not_empty(head));
                }
            }
            // an empty directory: the import fills it
            Err(casework_store::StoreError::Missing(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "casework-data".to_owned());
    let staging = target.with_file_name(format!(".{name}.staging-{}", std::process::id()));
    Ok(Staging {
        backend: open_dir(engine, &staging, true, Bulk::Yes, Box::new(SystemClock))?,
        target: Target::Dir { staging, target },
    })
}

fn open_pg(url: &str, schema: &str) -> Result<PgStore, Failure> {
    Ok(PgStore::open(
        url,
        PgOptions {
            schema: schema.to_owned(),
            ..PgOptions::default()
        },
    )?)
}

/// Opens the store the user named, with another clock than the system's where one is
/// given (the demo's simulated time).
pub fn open_with_clock(cli: &Cli, clock: Option<Box<dyn Clock>>) -> Result<Backend, Failure> {
    let clock = clock.unwrap_or_else(|| Box::new(SystemClock));
    // only the demo makes a store; every other command opens one that exists
    let create = matches!(cli.command, crate::Command::Demo { .. });
    check_schema_name(cli)?;
    if let Some(url) = &cli.pg {
        return Ok(Backend::Pg(PgStore::open(
            url,
            PgOptions {
                schema: cli.pg_schema.clone(),
                clock,
                create,
                ..PgOptions::default()
            },
        )?));
    }
    // bulk commands write without a flush per append and flush once at the end
    let bulk = if matches!(cli.command, crate::Command::Demo { .. }) {
        Bulk::Yes
    } else {
        Bulk::No
    };
    Ok(open_dir(engine_of(cli)?, &cli.store, create, bulk, clock)?)
}

/// Whether a command writes in bulk (no flush per append, one at the end).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bulk {
    Yes,
    No,
}

/// The engine of the store directory `dir`: the one its files belong to, `None` for a
/// missing or empty directory.
fn engine_in(dir: &Path) -> Option<Engine> {
    if dir.join(casework_redb::DB_FILE).is_file() {
        Some(Engine::Redb)
    } else if dir.join("conf").is_file() && dir.join("db").is_file() {
        Some(Engine::Sled)
    } else {
        None
    }
}

/// The engine to use: the store's own for an existing store (an `--engine` that names
/// another is refused, not obeyed by opening something else), `--engine` for a new one,
/// redb by default (ADR 0013).
fn engine_of(cli: &Cli) -> Result<Engine, Failure> {
    match (engine_in(&cli.store), cli.engine) {
        (Some(found), Some(asked)) if found != asked => Err(Failure::input(
            format!(
                "{} is a {} store, not {}",
                cli.store.display(),
                found.name(),
                asked.name()
            ),
            "leave out --engine to open the store as it is, or name a new directory; \
             `casework export` and `import --engine` move a store between engines",
        )),
        (Some(found), _) => Ok(found),
        (None, asked) => Ok(asked.unwrap_or(Engine::Redb)),
    }
}

/// Opens (or, with `create`, makes) the embedded store of `engine` in `dir`.
fn open_dir(
    engine: Engine,
    dir: &Path,
    create: bool,
    bulk: Bulk,
    clock: Box<dyn Clock>,
) -> Result<Backend, casework_store::StoreError> {
    Ok(match engine {
        Engine::Sled => Backend::Sled(SledStore::open_with(
            dir,
            casework_sled::SledOptions {
                durability: if bulk == Bulk::Yes {
                    casework_sled::Durability::None
                } else {
                    casework_sled::Durability::FlushEveryAppend
                },
                clock,
                create,
                ..casework_sled::SledOptions::default()
            },
        )?),
        Engine::Redb => Backend::Redb(RedbStore::open_with(
            dir,
            RedbOptions {
                durability: if bulk == Bulk::Yes {
                    casework_redb::Durability::None
                } else {
                    casework_redb::Durability::Immediate
                },
                clock,
                create,
                ..RedbOptions::default()
            },
        )?),
    })
}
