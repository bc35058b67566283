//! A new store is readable by its owner only (`casework_testkit::embedded::store_files_are_private`):
//! any local user could otherwise copy the store and read every client's personal data
//! with its keys.
#![cfg(unix)]

#[test]
fn a_new_store_is_its_owners_alone() {
    casework_testkit::embedded::store_files_are_private(
        |dir: &std::path::Path| casework_redb::RedbStore::open(dir),
        &[casework_redb::DB_FILE],
    );
}
