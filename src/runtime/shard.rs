//! A shard: one OS thread that owns its tenants' engines and journals.
//!
//! The loop waits (bounded by the next engine deadline and by
//! [`MAX_IDLE`]) for a command, a control request or a clock wake-up, then
//! runs one batch (see [`batch`](super::batch)): due timer ticks first,
//! then up to `batch_max` queued commands. Nothing here is shared with
//! another thread except the queues and the metric handles: the engines
//! are owned by value and reached through `&mut self`.

use super::answers::ManyAnswers;
use super::batch::Staged;
use super::clock::{Clock, MAX_IDLE};
use super::completion::Wakes;
use super::config::Durability;
use super::directory::{Directory, Generations};
use super::group_refresh::GroupRefresh;
use super::journal::{Journal, JournalStore, RecordBatch};
use super::message::{Control, Envelope};
use super::metrics::{ShardMetrics, TenantMetrics};
use super::opener::{OpenJob, Opened, Opening, MAX_OPENING};
use super::queue::Commands;
use super::stats::TenantCounters;
use super::stream::StreamItem;
use super::tenant::{TenantId, TenantMap};
use super::timers::TimerQueue;
use super::RuntimeError;
use crate::engine::{Decision, Engine};
use crate::model::Timestamp;
use crate::persist::PersistError;
use crossbeam_channel::{Receiver, Sender};
use std::sync::Arc;
use tokio::sync::{broadcast, Semaphore};

/// One tenant as its shard holds it.
#[derive(Debug)]
pub(crate) struct TenantState {
    pub(crate) id: TenantId,
    pub(crate) engine: Engine,
    pub(crate) journal: Box<dyn Journal>,
    pub(crate) stream: broadcast::Sender<StreamItem>,
    /// Frames of this batch's accepted commands, not yet written.
    pub(crate) batch: RecordBatch,
    /// The latest time a command of this tenant was stamped with; the
    /// next is stamped no earlier, so the journal's times never go back.
    pub(crate) last_at: Timestamp,
    /// The deadline queued in the shard's timers for this tenant.
    pub(crate) scheduled: Option<Timestamp>,
    /// Set by a journal failure; the tenant takes no more commands.
    pub(crate) poisoned: Option<Arc<PersistError>>,
    /// Touched by the batch being run.
    pub(crate) touched: bool,
    /// Whether the stream has subscribers, read once per batch.
    pub(crate) publish: Option<bool>,
    /// Its group gauges wait for the shard's next refresh
    /// (`group_refresh.rs`).
    pub(crate) groups_stale: bool,
    pub(crate) counters: TenantCounters,
    pub(crate) metrics: TenantMetrics,
}

/// Settings a shard runs with.
#[derive(Debug, Clone)]
pub(crate) struct ShardSettings {
    pub(crate) index: usize,
    pub(crate) batch_max: usize,
    pub(crate) queue_capacity: usize,
    pub(crate) stream_capacity: usize,
    pub(crate) durability: Durability,
    pub(crate) store: Arc<dyn JournalStore>,
    pub(crate) clock: Arc<dyn Clock>,
    /// The opener pool's job queue (see `opener.rs`).
    pub(crate) opener: Sender<OpenJob>,
    /// Journals committed at once (see `RuntimeConfig::commit_threads`).
    pub(crate) commit_threads: usize,
}

/// The shard's state, owned by its thread.
pub(crate) struct Shard {
    pub(crate) settings: ShardSettings,
    pub(crate) commands: Commands<Envelope>,
    /// The free places of `commands` (see `handoff.rs`): the shard gives
    /// back the places of the commands it took, once per batch.
    pub(crate) places: Arc<Semaphore>,
    /// Commands taken out of `commands` whose places are not yet given
    /// back (at most the queue's capacity).
    pub(crate) taken: usize,
    pub(crate) control: Receiver<Control>,
    /// Tenants by slot; a removed tenant leaves `None` (reused later).
    pub(crate) tenants: Vec<Option<TenantState>>,
    pub(crate) by_id: TenantMap<usize>,
    /// Where callers find the keys of the open tenants (`directory.rs`).
    pub(crate) directory: Arc<Directory>,
    /// Each slot's generation: which keys are live.
    pub(crate) generations: Generations,
    /// Tenants being opened by the pool, at most `MAX_OPENING`.
    pub(crate) opening: TenantMap<Opening>,
    /// Where the pool sends the tenants it opened (capacity `MAX_OPENING`).
    pub(crate) done: Receiver<Opened>,
    pub(crate) done_tx: Sender<Opened>,
    pub(crate) timers: TimerQueue,
    /// Commands taken for the next batch before it runs (at most
    /// `batch_max`: those parked for a tenant that just opened, those
    /// deferred by `catch_up`); the batch takes the rest straight from
    /// `commands`.
    pub(crate) inbox: Vec<Envelope>,
    /// Commands for a tenant the shard did not know, taken while control
    /// messages were queued (`catch_up.rs`): empty between batches.
    pub(crate) unknown: Vec<Envelope>,
    /// Whether such commands may wait for the control messages (not while
    /// catching up or draining at shutdown: each waits once).
    pub(crate) catching_up_allowed: bool,
    /// Slots touched by the batch being run.
    pub(crate) touched: Vec<usize>,
    /// The engine's decisions for the command being staged (empty between
    /// commands; its buffer is reused: `batch.rs`).
    pub(crate) decisions: Vec<Decision>,
    /// The callers to wake once the batch's answers are filled in (empty
    /// between batches; its buffer is reused).
    pub(crate) wakes: Wakes,
    /// The answers to the callers' batches (`send_batch`) taken by the
    /// batch being run (empty between batches; its buffer is reused).
    pub(crate) batches_sent: Vec<ManyAnswers>,
    /// The commands applied by the batch being run, waiting for the
    /// commit (empty between batches; its buffer is reused).
    pub(crate) staged: Vec<Staged>,
    /// Tenants whose group gauges are stale, refreshed at most once per
    /// `GROUP_GAUGES_EVERY`.
    pub(crate) group_refresh: GroupRefresh,
    pub(crate) batches: u64,
    pub(crate) max_batch: usize,
    pub(crate) metrics: ShardMetrics,
}

/// Whether the loop goes on.
pub(crate) enum Flow {
    Continue,
    Stop,
}

impl Shard {
    pub(crate) fn new(
        settings: ShardSettings,
        commands: Commands<Envelope>,
        control: Receiver<Control>,
        places: Arc<Semaphore>,
        directory: Arc<Directory>,
    ) -> Self {
        let (done_tx, done) = crossbeam_channel::bounded(MAX_OPENING);
        Self {
            opening: TenantMap::default(),
            done,
            done_tx,
            metrics: ShardMetrics::new(settings.index),
            inbox: Vec::with_capacity(settings.batch_max),
            unknown: Vec::new(),
            catching_up_allowed: true,
            settings,
            commands,
            places,
            taken: 0,
            control,
            tenants: Vec::new(),
            by_id: TenantMap::default(),
            directory,
            generations: Generations::default(),
            timers: TimerQueue::default(),
            touched: Vec::new(),
            decisions: Vec::new(),
            wakes: Wakes::default(),
            batches_sent: Vec::new(),
            staged: Vec::new(),
            group_refresh: GroupRefresh::new(std::time::Instant::now()),
            batches: 0,
            max_batch: 0,
        }
    }

    /// The thread's body: runs until shutdown.
    pub(crate) fn run(mut self) {
        loop {
            let now = self.settings.clock.now();
            let wait = match self.timers.next() {
                Some(at) if at <= now => std::time::Duration::ZERO,
                Some(at) => self.settings.clock.wait_for(at).min(MAX_IDLE),
                None => MAX_IDLE,
            };
            let wait = self.group_refresh.wait(std::time::Instant::now(), wait);
            // Commands queued or pushed since the last look: no wait (the
            // bell rings only for a shard asleep: `queue.rs`).
            let wait = if self.commands.may_wait() {
                wait
            } else {
                std::time::Duration::ZERO
            };
            let flow = crossbeam_channel::select! {
                recv(self.control) -> msg => match msg {
                    Ok(control) => self.on_control(control),
                    // Every sender is gone: nobody can reach this shard.
                    Err(_) => {
                        self.close_all();
                        Flow::Stop
                    }
                },
                // Rung by a push that found the shard asleep (`queue.rs`).
                recv(self.commands.bell()) -> _ => Flow::Continue,
                recv(self.done) -> msg => {
                    // The shard holds a sender itself: never disconnected.
                    if let Ok(opened) = msg {
                        self.on_opened(opened);
                    }
                    Flow::Continue
                },
                default(wait) => Flow::Continue,
            };
            self.commands.awake();
            if let Flow::Stop = flow {
                return;
            }
            self.run_batch();
            if let Flow::Stop = self.catch_up() {
                return;
            }
            self.refresh_group_gauges();
        }
    }

    /// Publishes the group gauges of the tenants marked stale, once the
    /// period since the last refresh ended (`group_refresh.rs`).
    pub(crate) fn refresh_group_gauges(&mut self) {
        let Some(stale) = self.group_refresh.due(std::time::Instant::now()) else {
            return;
        };
        for slot in stale {
            let Some(state) = self.tenants.get_mut(slot).and_then(Option::as_mut) else {
                continue;
            };
            state.groups_stale = false;
            state.metrics.update_groups(&state.engine.group_stats());
        }
    }

    /// A command taken from the queue is done with (applied, refused or
    /// answered): its place is given back with the batch's. `n` is the
    /// envelope's commands (a caller's batch holds a place per command).
    pub(crate) fn done_with_places(&mut self, n: usize) {
        self.taken += n;
        debug_assert!(self.taken <= self.settings.queue_capacity);
    }

    /// Gives back the places of the commands done with since the last
    /// call (once per batch: one update of the count, not one per command).
    pub(crate) fn give_back(&mut self) {
        use super::handoff::Places;
        self.places.give_back(std::mem::take(&mut self.taken));
    }

    pub(super) fn slot(&self, tenant: &TenantId) -> Result<usize, RuntimeError> {
        match self.by_id.get(tenant) {
            Some(&slot) => Ok(slot),
            None if self.opening.contains_key(tenant) => {
                Err(RuntimeError::TenantOpening(tenant.clone()))
            }
            None => Err(RuntimeError::UnknownTenant(tenant.clone())),
        }
    }

    pub(crate) fn tenant_mut(&mut self, slot: usize) -> Option<&mut TenantState> {
        self.tenants.get_mut(slot).and_then(Option::as_mut)
    }

    /// Queues the tenant's next engine deadline if it changed.
    pub(crate) fn reschedule(&mut self, slot: usize) {
        let Some(state) = self.tenant_mut(slot) else {
            return;
        };
        if state.poisoned.is_some() {
            state.scheduled = None;
            return;
        }
        let next = state.engine.next_deadline();
        if next == state.scheduled {
            return;
        }
        state.scheduled = next;
        if let Some(at) = next {
            self.timers.push(at, slot);
        }
        let live = self.by_id.len();
        if self.timers.needs_compaction(live) {
            let entries: Vec<(Timestamp, usize)> = self
                .tenants
                .iter()
                .enumerate()
                .filter_map(|(slot, t)| Some((t.as_ref()?.scheduled?, slot)))
                .collect();
            self.timers.rebuild(entries.into_iter());
            assert!(!self.timers.needs_compaction(live));
        }
    }
}
