//! The key area's index in a sled tree (the key bytes are in the slot file of
//! [`casework_store::internals::vault`]).

use casework_store::internals::vault::KeyIndex;
use casework_store::StoreError;

fn io(e: sled::Error) -> StoreError {
    StoreError::Io(e.to_string())
}

/// The tree `casework-keys`: stream name → slot or tombstone. Inserts are durable with the
/// store's next flush, which every append and every key destruction makes.
pub(crate) struct SledKeys(pub(crate) sled::Tree);

impl KeyIndex for SledKeys {
    fn get(&self, stream: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.0.get(stream).map_err(io)?.map(|v| v.to_vec()))
    }

    fn insert(&self, stream: &str, entry: Vec<u8>) -> Result<(), StoreError> {
        self.0.insert(stream, entry).map(|_| ()).map_err(io)
    }

    fn entries(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.0
            .iter()
            .map(|item| {
                let (k, v) = item.map_err(io)?;
                Ok((String::from_utf8_lossy(&k).into_owned(), v.to_vec()))
            })
            .collect()
    }
}
