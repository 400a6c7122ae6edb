//! The default journal: one directory per tenant under a root, in the
//! format of [`persist`](crate::persist) (checksummed segments, atomic
//! snapshots), so `persist::recover` and `Durable::open` read it too.

use super::journal::{Journal, JournalStore, OpenedTenant, RecordBatch};
use super::tenant::TenantId;
use crate::engine::{Engine, EngineConfig};
use crate::persist::{open_dir, rotate_and_prune, write_checkpoint, JournalWriter, PersistError};
use crate::policy::PolicyFactory;
use std::num::{NonZeroU64, NonZeroUsize};
use std::path::{Path, PathBuf};

/// Tenants' journals as directories `root/<tenant id>/`.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
    snapshot_every: Option<NonZeroU64>,
    keep_snapshots: NonZeroUsize,
    accept_rule_changes: bool,
}

impl FileStore {
    /// A store under `root` (created on first use): a snapshot every 10,000
    /// records per tenant, the newest two kept.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            snapshot_every: NonZeroU64::new(10_000),
            keep_snapshots: NonZeroUsize::MIN.saturating_add(1),
            accept_rule_changes: false,
        }
    }

    /// Whether a tenant opened with another configuration than its journal
    /// ends under is a change the host asks for (`true`: applied and
    /// journaled as a `Command::Reconfigure`, see
    /// [`Durable::open_reconfiguring`](crate::persist::Durable::open_reconfiguring))
    /// or a mistake (`false`, the default: the tenant does not open, with
    /// [`PersistError::RulesChanged`] naming what differs).
    pub fn accept_rule_changes(mut self, accept: bool) -> Self {
        self.accept_rule_changes = accept;
        self
    }

    /// Takes a snapshot after this many records (`None`: never; recovery
    /// then replays the whole journal).
    pub fn snapshot_every(mut self, every: Option<NonZeroU64>) -> Self {
        self.snapshot_every = every;
        self
    }

    /// Keeps this many snapshots (and the segments they need).
    pub fn keep_snapshots(mut self, keep: NonZeroUsize) -> Self {
        self.keep_snapshots = keep;
        self
    }

    /// The directory of `tenant`.
    pub fn dir_of(&self, tenant: &TenantId) -> PathBuf {
        self.root.join(tenant.as_str())
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl JournalStore for FileStore {
    fn open(
        &self,
        tenant: &TenantId,
        config: &EngineConfig,
        policy: &PolicyFactory,
    ) -> Result<OpenedTenant, PersistError> {
        let dir = self.dir_of(tenant);
        let opened = open_dir(&dir, config, policy, self.accept_rule_changes)?;
        let journal = FileJournal {
            dir,
            last_seq: opened.report.last_seq,
            writer: opened.writer,
            snapshots: opened.snapshots,
            since_snapshot: opened.since_snapshot,
            snapshot_every: self.snapshot_every,
            keep_snapshots: self.keep_snapshots,
        };
        Ok(OpenedTenant {
            engine: opened.engine,
            journal: Box::new(journal),
            recovery: Some(opened.report),
        })
    }
}

/// One tenant's directory being written.
#[derive(Debug)]
struct FileJournal {
    dir: PathBuf,
    /// Equal to `writer.next_seq() - 1`.
    last_seq: u64,
    writer: JournalWriter,
    snapshots: Vec<u64>,
    since_snapshot: u64,
    snapshot_every: Option<NonZeroU64>,
    keep_snapshots: NonZeroUsize,
}

impl Journal for FileJournal {
    fn last_seq(&self) -> u64 {
        self.last_seq
    }

    fn append(&mut self, batch: &RecordBatch) -> Result<(), PersistError> {
        assert_eq!(batch.first_seq, self.last_seq + 1, "batches are contiguous");
        let last = self
            .writer
            .append_encoded_batch(&batch.bytes, batch.count)?;
        self.last_seq = last;
        self.since_snapshot += batch.count;
        debug_assert_eq!(self.writer.next_seq(), self.last_seq + 1);
        Ok(())
    }

    fn sync(&mut self) -> Result<(), PersistError> {
        self.writer.sync()
    }

    fn checkpoint_due(&self) -> bool {
        self.snapshot_every
            .is_some_and(|every| self.since_snapshot >= every.get())
    }

    fn checkpoint(&mut self, engine: &Engine) -> Result<(), PersistError> {
        self.writer.sync()?;
        let seq = self.last_seq;
        write_checkpoint(&self.dir, seq, &engine.snapshot(), &mut self.snapshots)?;
        self.since_snapshot = 0;
        rotate_and_prune(
            &self.dir,
            seq,
            &mut self.writer,
            &mut self.snapshots,
            self.keep_snapshots.get(),
        )
    }
}
