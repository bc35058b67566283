//! A new store is readable by its owner only: its directory `0700`, the key slot file
//! `0600`, whatever the umask — any local user could otherwise copy the store and read
//! every client's personal data with its keys.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;

use casework_sled::SledStore;
use casework_store::internals::vault::SLOT_FILE;
use casework_store::{DataKey, KeyArea, StreamId};

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_new_store_is_its_owners_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("store");
    let store = SledStore::open(&path).unwrap();
    store
        .create_data_key(&StreamId::new("case-1").unwrap(), DataKey::generate(1))
        .unwrap();
    drop(store);
    assert_eq!(mode(&path), 0o700, "the store directory");
    assert_eq!(mode(&path.join(SLOT_FILE)), 0o600, "the key slot file");
    // a slot file an older version left readable by all is made private at the next open
    let slots = path.join(SLOT_FILE);
    std::fs::set_permissions(&slots, std::fs::Permissions::from_mode(0o644)).unwrap();
    drop(SledStore::open(&path).unwrap());
    assert_eq!(mode(&slots), 0o600, "the old slot file is private now");
}

#[test]
fn a_directory_the_user_made_keeps_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine");
    std::fs::create_dir(&path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o750)).unwrap();
    drop(SledStore::open(&path).unwrap());
    assert_eq!(
        mode(&path),
        0o750,
        "a directory casework did not make is left as it was"
    );
    assert_eq!(mode(&path.join(SLOT_FILE)), 0o600, "the key slot file");
}
