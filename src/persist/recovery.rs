//! Recovery: rebuild the engine from the newest usable snapshot plus the
//! journal records after it.
//!
//! 1. Snapshots are tried newest first. One whose file is damaged, whose name
//!    and header disagree, or which [`Engine::restore`] refuses is skipped and
//!    listed in the report; the next older one is tried.
//! 2. With no usable snapshot, recovery starts from an empty engine built from
//!    the given configuration, which is only right if the journal still
//!    begins at record 1; otherwise it fails with
//!    [`PersistError::NoRecoveryBase`] rather than invent a state.
//! 3. Journal records after the snapshot are applied in sequence order. Each
//!    segment is read up to its first invalid frame; that damaged tail is
//!    dropped and reported. If records the state needs are missing (a segment
//!    lost, or a damaged segment followed by a later one), recovery fails
//!    with [`PersistError::JournalGap`]: it never skips a record silently.
//! 4. A journaled record the engine refuses on replay is an error
//!    ([`PersistError::ReplayRejected`]): only accepted commands are
//!    journaled and the engine is deterministic, so a refusal means the files
//!    disagree. The rebuilt engine must pass [`Engine::audit`].
//!
//! [`recover`] only reads. [`Durable::open`](super::Durable::open) calls it,
//! then truncates the dropped tail and removes leftover temp files.

use super::error::PersistError;
use super::header::{read_header, JournalHeader, RulesDiff};
use super::journal::{scan_segment, DroppedTail, SegmentScan};
use super::layout;
use super::snapshot::read_snapshot;
use crate::engine::{Engine, EngineConfig, Snapshot};
use crate::policy::PolicyFactory;
use std::path::{Path, PathBuf};

/// Where the recovered state started from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecoveryBase {
    /// A snapshot covering records `1..=seq`.
    Snapshot {
        /// The last record the snapshot covers.
        seq: u64,
        /// The snapshot file.
        path: PathBuf,
    },
    /// An empty engine from the given configuration (no usable snapshot; the
    /// journal starts at record 1, or there is no journal).
    Empty,
}

/// A snapshot recovery could not use, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedSnapshot {
    /// The snapshot file.
    pub path: PathBuf,
    /// Why it was skipped (a damaged file, or the engine refused it).
    pub reason: String,
}

/// A damaged tail dropped from one journal segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DroppedSegmentTail {
    /// The segment file.
    pub segment: PathBuf,
    /// What was dropped: offset, byte count, reason.
    pub tail: DroppedTail,
}

/// What recovery did, for logs and operators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryReport {
    /// The starting point.
    pub base: RecoveryBase,
    /// Newer snapshots that were skipped, newest first.
    pub skipped_snapshots: Vec<SkippedSnapshot>,
    /// Journal records applied on top of the base.
    pub replayed: u64,
    /// The last record now reflected in the engine: every command with a
    /// sequence number up to this one is in the state, and no other.
    pub last_seq: u64,
    /// Damaged tails dropped from segments (at most one per segment). Empty
    /// after a clean shutdown; after a crash, at most the last record.
    pub dropped: Vec<DroppedSegmentTail>,
    /// Leftovers of interrupted atomic writes (ignored; `Durable::open`
    /// deletes them).
    pub temp_files: Vec<PathBuf>,
    /// Configuration settings the host changed on this open, by name: the
    /// change was accepted explicitly and journaled as the record
    /// `last_seq` (a `Command::Reconfigure`). Empty when the rules agreed.
    pub rules_changed: Vec<String>,
}

/// The recovered engine and what recovery did.
#[derive(Debug)]
pub struct Recovered {
    /// The engine, reflecting records `1..=report.last_seq`.
    pub engine: Engine,
    /// What recovery did.
    pub report: RecoveryReport,
    /// The last segment as read (records dropped), for a writer to continue.
    pub(crate) tail: Option<SegmentScan>,
    /// The directory's header (`None`: a new directory, or one written
    /// before headers existed).
    pub(crate) header: Option<JournalHeader>,
}

fn snapshot_base(path: &Path, named_seq: u64, policy: &PolicyFactory) -> Result<Engine, String> {
    let (seq, snapshot): (u64, Snapshot) = read_snapshot(path).map_err(|e| e.to_string())?;
    if seq != named_seq {
        return Err(format!(
            "file name says record {named_seq}, header says {seq}"
        ));
    }
    Engine::restore(snapshot, policy.build()).map_err(|e| format!("restore refused it: {e}"))
}

/// Rebuilds the engine stored in `dir`. Without a usable snapshot it
/// starts from the header's configuration (see [`JournalHeader`]), and from
/// `config` only in a directory without a header (a new one, or one
/// written before headers); a header naming another policy than `policy`'s
/// is [`PersistError::RulesChanged`]. `policy` makes the routing policy
/// (a [`PolicyFactory`], or a [`BuiltinPolicy`](crate::policy::BuiltinPolicy)
/// or policy value; built once per snapshot tried, so a refused snapshot
/// does not use it up). Only reads the directory; comparing the rules the journal ends
/// under with the host's is [`Durable::open`](super::Durable::open)'s.
pub fn recover(
    dir: &Path,
    config: &EngineConfig,
    policy: impl Into<PolicyFactory>,
) -> Result<Recovered, PersistError> {
    recover_with(dir, config, &policy.into())
}

/// [`recover`] with the factory already made (what `open_dir` calls).
pub(crate) fn recover_with(
    dir: &Path,
    config: &EngineConfig,
    policy: &PolicyFactory,
) -> Result<Recovered, PersistError> {
    let listing = layout::list(dir)?;
    let header = read_header(dir)?;
    let mut skipped_snapshots = Vec::new();
    let mut base = None;
    for (seq, path) in listing.snapshots.iter().rev() {
        match snapshot_base(path, *seq, policy) {
            Ok(engine) => {
                base = Some((engine, *seq, path.clone()));
                break;
            }
            Err(reason) => skipped_snapshots.push(SkippedSnapshot {
                path: path.clone(),
                reason,
            }),
        }
    }
    let (mut engine, base_seq, base) = match base {
        Some((engine, seq, path)) => (engine, seq, RecoveryBase::Snapshot { seq, path }),
        None => {
            if let Some(&(first_seq, _)) = listing.segments.first() {
                if first_seq != 1 {
                    return Err(PersistError::NoRecoveryBase { first_seq });
                }
            }
            // The journal replays under the rules it was written under,
            // never under whatever the caller passes today.
            let (config, policy) = match &header {
                Some(header) => {
                    let policy = policy.build();
                    if header.policy != policy.name() {
                        return Err(PersistError::RulesChanged {
                            diff: Box::new(RulesDiff {
                                config: Vec::new(),
                                policy: Some((header.policy.clone(), policy.name().to_owned())),
                            }),
                        });
                    }
                    (&header.config, policy)
                }
                None => (config, policy.build()),
            };
            (Engine::new(config.clone(), policy)?, 0, RecoveryBase::Empty)
        }
    };

    let mut expected = base_seq + 1;
    let mut dropped = Vec::new();
    let mut tail = None;
    let segments = &listing.segments;
    for (i, (named_start, path)) in segments.iter().enumerate() {
        let next_start = segments.get(i + 1).map(|(start, _)| *start);
        let is_last = next_start.is_none();
        // Every record of this segment is covered by the base: skip it,
        // unless it is the last segment, which a writer must continue.
        if !is_last && next_start.is_some_and(|next| next <= expected) {
            continue;
        }
        let scan = scan_segment(path)?;
        if scan.start_seq != *named_start {
            return Err(PersistError::BadSegmentHeader {
                path: path.clone(),
                reason: "file name and header disagree on the first sequence number",
            });
        }
        let (scan_next, scan_valid) = (scan.next_seq, scan.valid_len);
        if scan.start_seq > expected {
            return Err(PersistError::JournalGap {
                expected,
                found: scan.start_seq,
            });
        }
        let SegmentScan {
            records,
            dropped: damaged,
            ..
        } = scan;
        for record in records {
            if record.seq < expected {
                continue;
            }
            if record.seq != expected {
                return Err(PersistError::JournalGap {
                    expected,
                    found: record.seq,
                });
            }
            engine.apply(record.at, record.command).map_err(|error| {
                PersistError::ReplayRejected {
                    seq: record.seq,
                    error,
                }
            })?;
            expected += 1;
        }
        if let Some(tail) = damaged {
            dropped.push(DroppedSegmentTail {
                segment: path.clone(),
                tail,
            });
        }
        if is_last {
            tail = Some(SegmentScan {
                path: path.clone(),
                start_seq: *named_start,
                records: Vec::new(),
                next_seq: scan_next,
                valid_len: scan_valid,
                dropped: damaged,
            });
        }
    }
    engine.audit().map_err(PersistError::Inconsistent)?;
    let last_seq = expected - 1;
    Ok(Recovered {
        engine,
        report: RecoveryReport {
            base,
            skipped_snapshots,
            replayed: last_seq - base_seq,
            last_seq,
            dropped,
            temp_files: listing.temps,
            rules_changed: Vec::new(),
        },
        tail,
        header,
    })
}
