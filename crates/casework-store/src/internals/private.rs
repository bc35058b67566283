//! Store files only their owner reads: a store holds every client's personal data and the
//! keys that open it, so the directory an engine makes for a new store is `0700` and the
//! key slot file `0600`, whatever the process's umask (exports are `0600` for the same
//! reason). On other platforms than Unix the directory is made as usual.

use std::path::Path;

use crate::error::StoreError;

/// Makes the directory of a new store readable by its owner only (missing parents are
/// made as usual). A directory that exists already — one the user made for the store —
/// is left as it is.
pub fn create_store_dir(path: &Path) -> Result<(), StoreError> {
    if path.is_dir() {
        return Ok(());
    }
    let made = {
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            match path.parent().filter(|p| !p.as_os_str().is_empty()) {
                Some(parent) => std::fs::create_dir_all(parent),
                None => Ok(()),
            }
            .and_then(|()| std::fs::DirBuilder::new().mode(0o700).create(path))
        }
        #[cfg(not(unix))]
        {
            std::fs::create_dir_all(path)
        }
    };
    made.map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))
}

/// Options that open (or create) a file of the store readable and writable by its owner
/// only.
pub fn private_file() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Takes away what group and others may do with an open file of the store (a key slot
/// file an older version made `0644`); a file that is already private is not touched.
pub fn restrict(file: &std::fs::File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata()?.permissions().mode();
        if mode & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}
