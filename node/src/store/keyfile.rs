//! Secret keys kept in files beside the database, never inside it: the audit chain's key
//! (`audit.key`) and the database's own encryption key (`db.key`). A key is 32 random
//! bytes, created on first start readable by this user only (0600), and replaced only
//! atomically (a new file beside it, fsynced, renamed over the old one). A key file an
//! operator provides may also hold the 32 bytes as 64 hex digits.

use crate::error::{Error, Result};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Length of every key, in bytes (256 bits).
pub const KEY_LEN: usize = 32;

fn unreadable(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::Key(format!("{}: {why}", path.display()))
}

/// Reads the key at `path`; `None` when there is no such file.
pub fn read(path: &Path) -> Result<Option<[u8; KEY_LEN]>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(unreadable(path, format!("cannot read: {e}"))),
    };
    if let Ok(key) = <[u8; KEY_LEN]>::try_from(bytes.as_slice()) {
        return Ok(Some(key));
    }
    let text = std::str::from_utf8(&bytes).map(str::trim).unwrap_or("");
    match decode_hex(text) {
        Some(key) => Ok(Some(key)),
        None => Err(unreadable(path, "not a key (32 bytes, or 64 hex digits)")),
    }
}

fn decode_hex(text: &str) -> Option<[u8; KEY_LEN]> {
    if text.len() != KEY_LEN * 2 || !text.is_ascii() {
        return None;
    }
    let mut key = [0u8; KEY_LEN];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(key)
}

/// Reads the key at `path`, creating a random one (readable by this user only) when the
/// file is missing.
pub fn load_or_create(path: &Path) -> Result<[u8; KEY_LEN]> {
    if let Some(key) = read(path)? {
        return Ok(key);
    }
    let key: [u8; KEY_LEN] = rand::random();
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    let mut file = match created {
        Ok(file) => file,
        // Another process made it first: theirs is the key.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return read(path)?.ok_or_else(|| unreadable(path, "vanished while created"));
        }
        Err(e) => return Err(unreadable(path, format!("cannot create: {e}"))),
    };
    file.write_all(&key)
        .and_then(|()| file.sync_all())
        .map_err(|e| unreadable(path, format!("cannot write: {e}")))?;
    sync_dir(path)?;
    Ok(key)
}

/// Where a key waits while it replaces the one at `path`: `path` with `.new` appended.
pub fn pending_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".new");
    path.with_file_name(name)
}

/// Writes `key` to [`pending_path`] of `path` (0600, fsynced); [`commit`] then puts it
/// in place.
pub fn write_pending(path: &Path, key: &[u8; KEY_LEN]) -> Result<PathBuf> {
    let pending = pending_path(path);
    let _ = std::fs::remove_file(&pending);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&pending)
        .map_err(|e| unreadable(&pending, format!("cannot create: {e}")))?;
    file.write_all(key)
        .and_then(|()| file.sync_all())
        .map_err(|e| unreadable(&pending, format!("cannot write: {e}")))?;
    sync_dir(&pending)?;
    Ok(pending)
}

/// Renames the pending key over the key at `path`, atomically and durably.
pub fn commit(path: &Path) -> Result<()> {
    let pending = pending_path(path);
    std::fs::rename(&pending, path)
        .map_err(|e| unreadable(path, format!("cannot replace: {e}")))?;
    sync_dir(path)
}

/// Writes `key` to `path`, replacing any key there atomically.
pub fn write_atomically(path: &Path, key: &[u8; KEY_LEN]) -> Result<()> {
    write_pending(path, key)?;
    commit(path)
}

/// Fsyncs the folder holding `path`, so a file created or renamed there survives a crash.
pub fn sync_dir(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| unreadable(dir, format!("cannot sync the folder: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_key_is_created_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.key");
        let key = load_or_create(&path).unwrap();
        assert_eq!(load_or_create(&path).unwrap(), key);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let other = load_or_create(&dir.path().join("audit.key")).unwrap();
        assert_ne!(other, key, "every key is random");
    }

    #[test]
    fn key_files_hold_raw_bytes_or_hex_and_nothing_else() {
        let expected: [u8; KEY_LEN] = std::array::from_fn(|i| i as u8 * 7);
        let hex: String = expected.iter().map(|b| format!("{b:02X}")).collect();
        let cases: &[(&[u8], Option<[u8; KEY_LEN]>)] = &[
            (&[7u8; KEY_LEN], Some([7u8; KEY_LEN])),
            (hex.as_bytes(), Some(expected)),
            (
                format!("{hex}\n").as_bytes().to_vec().leak(),
                Some(expected),
            ),
            (b"short", None),
            (&[7u8; KEY_LEN + 1], None),
            (&hex.as_bytes()[..62], None),
            (hex.replace('0', "g").into_bytes().leak(), None),
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        for (content, expect) in cases {
            std::fs::write(&path, content).unwrap();
            match (read(&path), expect) {
                (Ok(Some(key)), Some(expect)) => assert_eq!(key, *expect),
                (Err(Error::Key(message)), None) => {
                    assert!(message.contains("not a key"), "{message}")
                }
                (other, _) => panic!("{:?} read as {other:?}", String::from_utf8_lossy(content)),
            }
        }
        assert!(read(&dir.path().join("missing")).unwrap().is_none());
    }

    #[test]
    fn a_replaced_key_is_written_beside_and_renamed_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.key");
        let old = load_or_create(&path).unwrap();
        let new = [9u8; KEY_LEN];
        write_pending(&path, &new).unwrap();
        assert_eq!(
            read(&path).unwrap(),
            Some(old),
            "the old key holds until commit"
        );
        assert_eq!(read(&pending_path(&path)).unwrap(), Some(new));
        commit(&path).unwrap();
        assert_eq!(read(&path).unwrap(), Some(new));
        assert!(!pending_path(&path).exists());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
