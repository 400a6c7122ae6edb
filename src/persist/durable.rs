//! [`Durable`]: an engine whose accepted commands are journaled before they
//! are acknowledged, with periodic snapshots.
//!
//! # Order of apply and journal write
//!
//! `apply` encodes the record first (a command that cannot be encoded is
//! refused before the engine sees it), then applies it to the engine, then
//! appends the record, then fsyncs if the mode says so. Applying first is
//! what keeps rejected commands out of the journal: the engine decides, and
//! only an accepted command is written. The cost is a window in which the
//! in-memory engine is ahead of the disk; if the write or fsync then fails
//! the wrapper is *poisoned* (every later call fails) and the command is not
//! acknowledged, so the host never acts on a state the disk does not have.
//! Reopening the directory recovers the last durable state. (After a failed
//! fsync the kernel may have dropped the dirty pages; retrying it could
//! report success for lost data, so a poisoned wrapper never retries.)
//!
//! `apply` takes `&mut self`, so the journal order is the apply order, which
//! is what makes replay reproduce the state. Share a `Durable` between
//! threads behind a `Mutex`.

use super::dir::{open_dir, rotate_and_prune, write_checkpoint};
use super::error::{DurableError, PersistError};
use super::journal::{encode_record, JournalWriter};
use super::mode::{DurabilityMode, Pending};
use super::recovery::RecoveryReport;
use crate::engine::{Decision, Engine, EngineConfig};
use crate::model::Timestamp;
use crate::policy::PolicyFactory;
use crate::Command;
use std::num::{NonZeroU64, NonZeroUsize};
use std::path::{Path, PathBuf};

/// How a [`Durable`] engine writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DurableOptions {
    /// When a command counts as acknowledged (see [`DurabilityMode`]).
    pub mode: DurabilityMode,
    /// Take a snapshot (and start a new journal segment) after this many
    /// journaled commands; `None` only on [`Durable::checkpoint`]. Recovery
    /// replays at most this many records after the newest snapshot.
    pub snapshot_every: Option<NonZeroU64>,
    /// Snapshots kept on disk (the newest ones), with the journal segments
    /// needed to replay from the oldest of them. Two or more lets recovery
    /// fall back when the newest snapshot is damaged.
    pub keep_snapshots: NonZeroUsize,
}

impl Default for DurableOptions {
    /// Fsync per command, a snapshot every 10,000 commands, two kept.
    fn default() -> Self {
        Self {
            mode: DurabilityMode::Fsync,
            snapshot_every: NonZeroU64::new(10_000),
            keep_snapshots: NonZeroUsize::MIN.saturating_add(1),
        }
    }
}

/// The result of an accepted command.
#[derive(Debug)]
pub struct Applied {
    /// The command's journal sequence number.
    pub seq: u64,
    /// The decisions the engine made.
    pub decisions: Vec<Decision>,
    /// Every command with a sequence number up to this one is acknowledged
    /// under the durability mode. Equal to `seq` in `Fsync` and `Buffered`
    /// mode; in `GroupCommit` mode it may be lower until the batch is synced.
    pub acknowledged_through: u64,
    /// `Some` when this command made a periodic snapshot due: the snapshot's
    /// sequence number, or why it failed (the journal is intact and the
    /// snapshot is retried at the next command; a journal fsync failure
    /// poisons the wrapper as usual).
    pub checkpoint: Option<Result<u64, DurableError>>,
}

/// An [`Engine`] with a journal and snapshots in one directory. See the
/// module docs for the write order and [`DurabilityMode`] for when a command
/// counts as acknowledged. One `Durable` per directory at a time (not
/// enforced: two writers would interleave records).
#[derive(Debug)]
pub struct Durable {
    dir: PathBuf,
    options: DurableOptions,
    engine: Engine,
    writer: JournalWriter,
    pending: Pending,
    /// Highest sequence number acknowledged under the mode.
    acknowledged: u64,
    /// Journaled commands since the last snapshot.
    since_snapshot: u64,
    /// Sequence numbers of the snapshots on disk, ascending.
    snapshots: Vec<u64>,
    poisoned: bool,
    frame: Vec<u8>,
}

impl Durable {
    /// Opens `dir` (created if missing): recovers the engine from it, drops
    /// and truncates a damaged journal tail, removes leftover temp files, and
    /// continues the journal. A new directory starts with an empty engine
    /// from `config`, its header (the rules it is written under, see
    /// [`JournalHeader`](super::JournalHeader)) and a snapshot of it. An
    /// existing one must be opened with the rules its journal ends under:
    /// another `config` or policy is [`PersistError::RulesChanged`], naming
    /// what differs, and nothing is opened (see
    /// [`open_reconfiguring`](Self::open_reconfiguring) to make the change).
    /// `policy` is a [`PolicyFactory`] or anything that converts into one (a
    /// [`BuiltinPolicy`](crate::policy::BuiltinPolicy), a `Clone` policy
    /// value, `&factory`): recovery builds one policy per snapshot it tries.
    pub fn open(
        dir: &Path,
        options: DurableOptions,
        config: &EngineConfig,
        policy: impl Into<PolicyFactory>,
    ) -> Result<(Durable, RecoveryReport), PersistError> {
        Self::open_with(dir, options, config, &policy.into(), false)
    }

    /// As [`open`](Self::open), but a `config` other than the journal's is
    /// a change the host asks for: it is applied as a
    /// [`Command::Reconfigure`](crate::Command::Reconfigure) and journaled
    /// as the next record (named in
    /// [`RecoveryReport::rules_changed`]), so a later replay applies it at
    /// the same place. A change the engine refuses (a setting baked into
    /// live conversations, another policy) is
    /// [`PersistError::RulesChangeRefused`] and changes nothing.
    pub fn open_reconfiguring(
        dir: &Path,
        options: DurableOptions,
        config: &EngineConfig,
        policy: impl Into<PolicyFactory>,
    ) -> Result<(Durable, RecoveryReport), PersistError> {
        Self::open_with(dir, options, config, &policy.into(), true)
    }

    fn open_with(
        dir: &Path,
        options: DurableOptions,
        config: &EngineConfig,
        policy: &PolicyFactory,
        accept: bool,
    ) -> Result<(Durable, RecoveryReport), PersistError> {
        let opened = open_dir(dir, config, policy, accept)?;
        let report = opened.report;
        let durable = Durable {
            dir: dir.to_path_buf(),
            options,
            engine: opened.engine,
            writer: opened.writer,
            pending: Pending::default(),
            acknowledged: report.last_seq,
            since_snapshot: opened.since_snapshot,
            snapshots: opened.snapshots,
            poisoned: false,
            frame: Vec::with_capacity(256),
        };
        Ok((durable, report))
    }

    /// The engine, read-only, for queries (inbox, next deadline, audit,
    /// stats). [`Engine::apply`] takes `&mut self`, so there is no path that
    /// changes the engine without journaling: commands go through
    /// [`Durable::apply`]. This does not compile:
    ///
    /// ```compile_fail
    /// # use switchboard::persist::{Durable, DurableOptions};
    /// # use switchboard::{policy::LeastLoaded, Command, EngineConfig, Timestamp};
    /// # fn f(durable: &mut Durable) {
    /// durable.engine().apply(Timestamp(1), Command::Tick); // no &mut Engine here
    /// # }
    /// ```
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The options.
    pub fn options(&self) -> DurableOptions {
        self.options
    }

    /// Sequence number of the last journaled command (0 if none ever).
    pub fn last_seq(&self) -> u64 {
        self.writer.next_seq() - 1
    }

    /// Every command up to this sequence number is acknowledged under the
    /// durability mode.
    pub fn acknowledged_through(&self) -> u64 {
        self.acknowledged
    }

    /// Whether a journal failure poisoned the wrapper (reopen to recover).
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    /// In `GroupCommit` mode with records waiting for an fsync, the host time
    /// by which [`sync_if_due`](Self::sync_if_due) must be called to keep
    /// the `max_delay` promise; `None` otherwise.
    pub fn next_sync_deadline(&self) -> Option<Timestamp> {
        self.pending.deadline(self.options.mode)
    }

    /// Applies `command` at host time `at`. If the engine accepts it, it is
    /// journaled and the result says how far acknowledgement has reached;
    /// if the engine refuses it, nothing changed and nothing is written.
    pub fn apply(
        &mut self,
        at: Timestamp,
        command: impl Into<Command>,
    ) -> Result<Applied, DurableError> {
        let command = command.into();
        if self.poisoned {
            return Err(DurableError::Poisoned);
        }
        let seq = self.writer.next_seq();
        self.frame.clear();
        encode_record(seq, at, &command, &mut self.frame).map_err(DurableError::Unencodable)?;
        let decisions = self.engine.apply(at, command)?;
        // From here the engine is ahead of the disk until the write lands.
        if let Err(e) = self.writer.append_encoded(&self.frame) {
            self.poisoned = true;
            return Err(DurableError::Journal(e));
        }
        self.pending.add(at);
        if self.options.mode == DurabilityMode::Buffered {
            self.acknowledged = seq;
        }
        if self.pending.due(self.options.mode, at) {
            self.sync()?;
        }
        self.since_snapshot += 1;
        let checkpoint = self
            .options
            .snapshot_every
            .filter(|every| self.since_snapshot >= every.get())
            .map(|_| self.checkpoint());
        Ok(Applied {
            seq,
            decisions,
            acknowledged_through: self.acknowledged,
            checkpoint,
        })
    }

    /// Fsyncs the journal: every journaled command is acknowledged once this
    /// returns. Returns the acknowledged sequence number. A failure poisons
    /// the wrapper.
    pub fn sync(&mut self) -> Result<u64, DurableError> {
        if self.poisoned {
            return Err(DurableError::Poisoned);
        }
        if let Err(e) = self.writer.sync() {
            self.poisoned = true;
            return Err(DurableError::Journal(e));
        }
        self.pending = Pending::default();
        self.acknowledged = self.last_seq();
        Ok(self.acknowledged)
    }

    /// In `GroupCommit` mode, fsyncs when `max_delay` has passed at host time
    /// `now` since the oldest unsynced command; otherwise does nothing.
    /// Returns the acknowledged sequence number.
    pub fn sync_if_due(&mut self, now: Timestamp) -> Result<u64, DurableError> {
        if self.pending.due(self.options.mode, now) {
            self.sync()
        } else if self.poisoned {
            Err(DurableError::Poisoned)
        } else {
            Ok(self.acknowledged)
        }
    }

    /// Takes a snapshot now: fsyncs the journal, writes the snapshot
    /// atomically, starts a new journal segment, and deletes snapshots and
    /// segments older than the retention keeps. Returns the sequence number
    /// the snapshot covers. A failure after the fsync leaves the journal
    /// intact and the wrapper usable.
    pub fn checkpoint(&mut self) -> Result<u64, DurableError> {
        self.sync()?;
        let seq = self.last_seq();
        let failed = DurableError::Checkpoint;
        write_checkpoint(&self.dir, seq, &self.engine.snapshot(), &mut self.snapshots)
            .map_err(failed)?;
        self.since_snapshot = 0;
        let keep = self.options.keep_snapshots.get();
        rotate_and_prune(&self.dir, seq, &mut self.writer, &mut self.snapshots, keep)
            .map_err(failed)?;
        Ok(seq)
    }
}
