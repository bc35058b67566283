//! What the storage engines of this workspace (sled, redb, PostgreSQL) and its case layer
//! share beyond the store contract: record framing, the key vault's slot file, published
//! checkpoint files, the import marker's refusal of appends, the store directory and
//! restore checks, reads with a given data key, idempotent event ids, and the tracing of
//! store operations.
//!
//! These are public only because the engines live in crates of their own. An application
//! that embeds casework uses the traits and types at the crate root; what is here may
//! change with the engines, and the reviewed list of the public API (`docs/public-api.txt`)
//! names it apart.

pub mod import_marker;
pub mod observe;
pub mod private;
pub mod published;
pub mod record;
pub mod vault;

pub use crate::repository::{idempotent_event_id, read_with_key};
pub use crate::store::{check_restore, check_store_dir};
