//! The directory layout. One directory holds one engine's durable state:
//!
//! ```text
//! snapshot-00000000000000000000.sws   state after record 0 (the empty engine)
//! snapshot-00000000000000004096.sws   state after record 4096
//! journal-00000000000000000001.swj    records 1, 2, ... up to the next segment
//! journal-00000000000000004097.swj    records 4097, 4098, ...
//! *.tmp                               an atomic write cut short; deleted on open
//! ```
//!
//! Numbers are zero-padded so names sort like the sequence numbers. Every
//! file that must appear whole (a snapshot, a segment's header) is written to
//! a `.tmp` file, fsynced, renamed into place, and the directory fsynced: it
//! either exists complete or not at all.

use super::error::PersistError;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

const SNAPSHOT_PREFIX: &str = "snapshot-";
const SNAPSHOT_SUFFIX: &str = ".sws";
const SEGMENT_PREFIX: &str = "journal-";
const SEGMENT_SUFFIX: &str = ".swj";
const TEMP_SUFFIX: &str = ".tmp";

/// File name of the snapshot covering records up to `seq`.
pub(crate) fn snapshot_name(seq: u64) -> String {
    format!("{SNAPSHOT_PREFIX}{seq:020}{SNAPSHOT_SUFFIX}")
}

/// File name of the journal segment whose first record is `start_seq`.
pub(crate) fn segment_name(start_seq: u64) -> String {
    format!("{SEGMENT_PREFIX}{start_seq:020}{SEGMENT_SUFFIX}")
}

fn parse(name: &str, prefix: &str, suffix: &str) -> Option<u64> {
    let digits = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// What a durable directory holds, each list sorted by sequence number.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// `(covered_seq, path)` of every snapshot file.
    pub(crate) snapshots: Vec<(u64, PathBuf)>,
    /// `(start_seq, path)` of every journal segment.
    pub(crate) segments: Vec<(u64, PathBuf)>,
    /// Leftovers of interrupted atomic writes.
    pub(crate) temps: Vec<PathBuf>,
}

/// Lists `dir`; files that are not ours are ignored.
pub(crate) fn list(dir: &Path) -> Result<Listing, PersistError> {
    let mut listing = Listing::default();
    let entries = fs::read_dir(dir).map_err(|e| PersistError::io("list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| PersistError::io("list", dir, e))?;
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if let Some(seq) = parse(name, SNAPSHOT_PREFIX, SNAPSHOT_SUFFIX) {
            listing.snapshots.push((seq, path));
        } else if let Some(seq) = parse(name, SEGMENT_PREFIX, SEGMENT_SUFFIX) {
            listing.segments.push((seq, path));
        } else if name.ends_with(TEMP_SUFFIX)
            && (name.starts_with(SNAPSHOT_PREFIX) || name.starts_with(SEGMENT_PREFIX))
        {
            listing.temps.push(path);
        }
    }
    listing.snapshots.sort();
    listing.segments.sort();
    listing.temps.sort();
    Ok(listing)
}

/// Fsyncs a directory, making renames and new names in it durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), PersistError> {
    let handle = File::open(dir).map_err(|e| PersistError::io("open directory", dir, e))?;
    handle
        .sync_all()
        .map_err(|e| PersistError::io("fsync directory", dir, e))
}

/// Writes `bytes` to `dir/name` atomically: a temp file, fsync, rename, fsync
/// of the directory. After a crash the file is either absent or complete.
pub(crate) fn write_atomically(
    dir: &Path,
    name: &str,
    bytes: &[u8],
) -> Result<PathBuf, PersistError> {
    let temp = dir.join(format!("{name}{TEMP_SUFFIX}"));
    let target = dir.join(name);
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&temp)
        .map_err(|e| PersistError::io("create", &temp, e))?;
    file.write_all(bytes)
        .map_err(|e| PersistError::io("write", &temp, e))?;
    file.sync_all()
        .map_err(|e| PersistError::io("fsync", &temp, e))?;
    drop(file);
    fs::rename(&temp, &target).map_err(|e| PersistError::io("rename", &temp, e))?;
    sync_dir(dir)?;
    Ok(target)
}

/// Removes a file; a file already gone is fine.
pub(crate) fn remove(path: &Path) -> Result<(), PersistError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(PersistError::io("remove", path, e)),
    }
}
