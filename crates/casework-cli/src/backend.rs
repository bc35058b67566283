//! Opening the store the user chose.

use casework_postgres::{PgOptions, PgStore};
use casework_sled::SledStore;
use casework_store::EventStore;

use crate::failure::Failure;
use crate::Cli;

/// The opened store.
pub enum Backend {
    Sled(SledStore),
    Pg(PgStore),
}

impl Backend {
    pub fn store(&self) -> &dyn EventStore {
        match self {
            Backend::Sled(s) => s,
            Backend::Pg(p) => p,
        }
    }

    /// Size on disk, where the backend knows it.
    pub fn size(&self) -> Option<u64> {
        match self {
            Backend::Sled(s) => s.size_on_disk().ok(),
            Backend::Pg(_) => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Backend::Sled(s) => format!("sled store {}", s.path().display()),
            Backend::Pg(p) => format!("PostgreSQL schema {}", p.schema()),
        }
    }

    /// Makes everything written so far durable (bulk writes use no per-append flush).
    pub fn flush(&self) -> Result<(), Failure> {
        if let Backend::Sled(s) = self {
            s.flush()?;
        }
        Ok(())
    }
}

pub fn open(cli: &Cli) -> Result<Backend, Failure> {
    if let Some(url) = &cli.pg {
        return Ok(Backend::Pg(PgStore::open(
            url,
            PgOptions {
                schema: cli.pg_schema.clone(),
                ..PgOptions::default()
            },
        )?));
    }
    // bulk commands write without a flush per append and flush once at the end
    let bulk = matches!(
        cli.command,
        crate::Command::Demo { .. } | crate::Command::Import { .. }
    );
    let options = casework_sled::SledOptions {
        durability: if bulk {
            casework_sled::Durability::None
        } else {
            casework_sled::Durability::FlushEveryAppend
        },
        ..casework_sled::SledOptions::default()
    };
    Ok(Backend::Sled(SledStore::open_with(&cli.store, options)?))
}
