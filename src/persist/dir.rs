//! Opening a durable directory for writing, and the checkpoint and
//! retention steps, shared by [`Durable`](super::Durable) and the runtime's
//! file journal (feature `runtime`), so both keep one directory the same way.

use super::error::PersistError;
use super::header::{rules_diff, write_header, JournalHeader};
use super::journal::JournalWriter;
use super::layout;
use super::recovery::{recover_with, RecoveryBase, RecoveryReport};
use super::snapshot::write_snapshot;
use crate::engine::{Command, Reconfigure};
use crate::engine::{Engine, EngineConfig, Snapshot};
use crate::policy::PolicyFactory;
use std::fs;
use std::path::Path;

/// A directory recovered and ready for appends.
#[derive(Debug)]
pub(crate) struct OpenedDir {
    /// The engine, reflecting records `1..=report.last_seq`.
    pub(crate) engine: Engine,
    /// What recovery did.
    pub(crate) report: RecoveryReport,
    /// The writer continuing the journal at `report.last_seq + 1`.
    pub(crate) writer: JournalWriter,
    /// Sequence numbers of the snapshots on disk, ascending.
    pub(crate) snapshots: Vec<u64>,
    /// Records journaled after the newest usable snapshot.
    pub(crate) since_snapshot: u64,
}

/// Opens `dir` (created if missing): recovers the engine from it, removes
/// leftover temp files, truncates a damaged journal tail, writes the header
/// and first snapshot of a new directory and continues the journal. Rules
/// that differ from the journal's are refused, or with `accept` journaled
/// as a `Command::Reconfigure` (see `header.rs`). See
/// [`Durable::open`](super::Durable::open).
pub(crate) fn open_dir(
    dir: &Path,
    config: &EngineConfig,
    policy: &PolicyFactory,
    accept: bool,
) -> Result<OpenedDir, PersistError> {
    fs::create_dir_all(dir).map_err(|e| PersistError::io("create directory", dir, e))?;
    let recovered = recover_with(dir, config, policy)?;
    let mut engine = recovered.engine;
    let given_policy = policy.build().name().to_owned();
    // A new directory, or one from before headers (whose journal holds no
    // change of rules): the rules its records run under, before any change
    // accepted below.
    let start_rules = recovered
        .header
        .is_none()
        .then(|| JournalHeader::new(engine.config(), engine.policy_name()));
    let change = rules_diff(engine.config(), engine.policy_name(), config, &given_policy);
    // Checked before anything is written: a refused open changes nothing.
    let reconfigure = match change {
        None => None,
        Some(diff) if !accept => {
            return Err(PersistError::RulesChanged {
                diff: Box::new(diff),
            })
        }
        Some(diff) if diff.policy.is_some() => {
            return Err(PersistError::RulesChangeRefused {
                diff: Box::new(diff),
                reason: "a journal keeps its policy: start a new directory for another one".into(),
            })
        }
        Some(diff) => {
            let command = Command::Reconfigure(Reconfigure::Config(Box::new(config.clone())));
            let at = engine.now();
            engine
                .apply(at, command.clone())
                .map_err(|e| PersistError::RulesChangeRefused {
                    diff: Box::new(diff.clone()),
                    reason: e.to_string(),
                })?;
            Some((diff, at, command))
        }
    };
    if let Some(header) = &start_rules {
        write_header(dir, header)?;
    }
    let mut report = recovered.report;
    for temp in &report.temp_files {
        layout::remove(temp)?;
    }
    let last_seq = report.last_seq;
    let mut snapshots: Vec<u64> = layout::list(dir)?
        .snapshots
        .iter()
        .map(|(seq, _)| *seq)
        .collect();
    if snapshots.is_empty() {
        // Record the configuration and policy the directory starts with.
        let base = match &reconfigure {
            // Taken after the change below is journaled.
            Some(_) => None,
            None => Some(engine.snapshot()),
        };
        if let Some(base) = base {
            write_snapshot(dir, last_seq, &base)?;
            snapshots.push(last_seq);
        }
    }
    let mut writer = match recovered.tail {
        Some(tail) if tail.next_seq == last_seq + 1 => JournalWriter::continue_segment(&tail)?,
        // No journal yet, or the newest snapshot is ahead of it (its
        // records were lost but the snapshot has them): start afresh.
        _ => JournalWriter::create(dir, last_seq + 1)?,
    };
    if let Some((diff, at, command)) = reconfigure {
        // The accepted change is the journal's next record, so a replay
        // applies it at the same place.
        let seq = writer.append(at, &command)?;
        debug_assert_eq!(seq, last_seq + 1);
        report.last_seq = seq;
        report.rules_changed = diff.config;
    }
    // Whatever recovery read may have been only in the page cache.
    writer.sync()?;
    let base_seq = match &report.base {
        RecoveryBase::Snapshot { seq, .. } => *seq,
        RecoveryBase::Empty => 0,
    };
    Ok(OpenedDir {
        engine,
        since_snapshot: report.last_seq - base_seq,
        report,
        writer,
        snapshots,
    })
}

/// Writes `snapshot`, covering records `1..=seq`, and notes it in
/// `snapshots`. The journal must be synced through `seq` first.
pub(crate) fn write_checkpoint(
    dir: &Path,
    seq: u64,
    snapshot: &Snapshot,
    snapshots: &mut Vec<u64>,
) -> Result<(), PersistError> {
    write_snapshot(dir, seq, snapshot)?;
    if snapshots.last() != Some(&seq) {
        snapshots.push(seq);
    }
    Ok(())
}

/// After a checkpoint at `seq`: starts a new segment (unless the current one
/// is empty) and deletes what the retention no longer needs.
pub(crate) fn rotate_and_prune(
    dir: &Path,
    seq: u64,
    writer: &mut JournalWriter,
    snapshots: &mut Vec<u64>,
    keep: usize,
) -> Result<(), PersistError> {
    if !writer.is_empty() {
        // The old segment is complete and synced; the new one is whole
        // (atomic header) before any record goes to it.
        *writer = JournalWriter::create(dir, seq + 1)?;
    }
    prune(dir, writer.path(), snapshots, keep)
}

/// Deletes snapshots beyond the newest `keep` and the segments whose every
/// record the oldest kept snapshot covers. `current` (the segment being
/// written) is never deleted.
fn prune(
    dir: &Path,
    current: &Path,
    snapshots: &mut Vec<u64>,
    keep: usize,
) -> Result<(), PersistError> {
    let listing = layout::list(dir)?;
    let excess = snapshots.len().saturating_sub(keep);
    let Some(&oldest_kept) = snapshots.get(excess) else {
        return Ok(());
    };
    for (seq, path) in &listing.snapshots {
        if *seq < oldest_kept {
            layout::remove(path)?;
        }
    }
    snapshots.drain(..excess);
    for pair in listing.segments.windows(2) {
        let (_, path) = &pair[0];
        let (next_start, _) = pair[1];
        if next_start - 1 <= oldest_kept && path != current {
            layout::remove(path)?;
        }
    }
    Ok(())
}
