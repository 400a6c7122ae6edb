//! Opening tenants off the shard threads.
//!
//! Opening a tenant is recovery: reading a snapshot and replaying a
//! journal, or for a replicated store JetStream reads with retries and
//! pauses. Done on the shard thread, it stalled every other tenant of the
//! shard for as long as it took. Instead a small pool of threads, shared by
//! every shard, calls [`JournalStore::open`]; the shard hands a tenant's
//! spec over and gets the opened tenant back on its own `done` queue, which
//! it selects on beside its commands. Meanwhile the tenant is *opening*
//! (see `Opening`): its commands are parked, in order, and applied once it
//! opens; requests that cannot wait answer
//! [`RuntimeError::TenantOpening`].
//!
//! Bounds: a shard has at most [`MAX_OPENING`] tenants opening at once
//! (more answer [`RuntimeError::Busy`]), so its `done` queue, of that
//! capacity, never fills and a pool thread never blocks on it; the pool's
//! job queue therefore holds at most shards x [`MAX_OPENING`] jobs. A store
//! (or policy factory) that panics is caught here and answers
//! [`RuntimeError::Panicked`]: the host's code never ends a pool thread.

use super::error::RuntimeError;
use super::journal::RecordBatch;
use super::journal::{JournalStore, OpenedTenant};
use super::message::{Addressee, Envelope, Load, Refusal, Reply};
use super::metrics::TenantMetrics;
use super::report::TenantOpened;
use super::shard::{Shard, TenantState};
use super::stats::TenantCounters;
use super::stream::StreamItem;
use super::tenant::{TenantId, TenantSpec};
use crossbeam_channel::{Receiver, Sender};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;
use tokio::sync::broadcast;

/// Most tenants one shard opens at once.
pub(crate) const MAX_OPENING: usize = 1024;

/// A tenant for the pool to open.
pub(crate) struct OpenJob {
    pub(crate) spec: TenantSpec,
    pub(crate) store: Arc<dyn JournalStore>,
    /// The shard's `done` queue.
    pub(crate) done: Sender<Opened>,
}

/// A tenant the pool opened, or why not.
pub(crate) struct Opened {
    pub(crate) tenant: TenantId,
    pub(crate) result: Result<OpenedTenant, RuntimeError>,
}

/// A tenant its shard is opening.
pub(crate) struct Opening {
    /// Who asked for it (`add_tenant`), answered once it opens or fails.
    pub(crate) reply: Reply<TenantOpened>,
    /// Commands that came meanwhile, in order, each still holding its
    /// queue place (so they count against the queue's capacity); at most
    /// `batch_max`, further ones answer [`RuntimeError::TenantOpening`].
    pub(crate) parked: Vec<Envelope>,
    /// The tenant's decision stream, made now so that subscribing while it
    /// opens sees its first decision.
    pub(crate) stream: broadcast::Sender<StreamItem>,
}

/// The threads opening tenants for every shard.
#[derive(Debug)]
pub(crate) struct OpenPool {
    jobs: Option<Sender<OpenJob>>,
    threads: Vec<JoinHandle<()>>,
}

impl OpenPool {
    /// Starts `threads` opener threads.
    pub(crate) fn start(threads: usize) -> Result<Self, RuntimeError> {
        // Unbounded in type, bounded in use: each shard keeps at most
        // MAX_OPENING jobs in flight (see the module docs).
        let (jobs, rx) = crossbeam_channel::unbounded::<OpenJob>();
        let mut pool = Self {
            jobs: Some(jobs),
            threads: Vec::with_capacity(threads),
        };
        for index in 0..threads {
            let rx = rx.clone();
            let thread = std::thread::Builder::new()
                .name(format!("switchboard-open-{index}"))
                .spawn(move || work(rx))
                .map_err(RuntimeError::Spawn)?;
            pool.threads.push(thread);
        }
        Ok(pool)
    }

    /// Where shards send their jobs.
    pub(crate) fn sender(&self) -> Sender<OpenJob> {
        self.jobs.clone().expect("the pool runs until joined")
    }

    /// Stops the threads once every sender (the shards') is gone and the
    /// jobs queued are done.
    pub(crate) fn join(&mut self) {
        self.jobs = None;
        for thread in self.threads.drain(..) {
            // A panic was caught per job; a thread that still died has
            // nothing left to report.
            let _ = thread.join();
        }
    }
}

/// An opener thread's body: until every sender is gone.
fn work(jobs: Receiver<OpenJob>) {
    for job in jobs.iter() {
        let tenant = job.spec.id.clone();
        let result = open(&job.spec, job.store.as_ref());
        // Never full (see the module docs); Err only when the shard stopped,
        // which drops the opened tenant (its journal holds nothing unsynced).
        let _ = job.done.send(Opened { tenant, result });
    }
}

/// Opens one tenant, turning the store's failure or panic into the error
/// its `add_tenant` caller gets.
fn open(spec: &TenantSpec, store: &dyn JournalStore) -> Result<OpenedTenant, RuntimeError> {
    let opened = catch_unwind(AssertUnwindSafe(|| {
        store.open(&spec.id, &spec.config, &spec.policy)
    }));
    match opened {
        Ok(Ok(mut opened)) => match opened.engine.reserve(spec.reservation) {
            Ok(()) => Ok(opened),
            Err(source) => Err(RuntimeError::Reserve {
                tenant: spec.id.clone(),
                source,
            }),
        },
        Ok(Err(source)) => Err(RuntimeError::Open {
            tenant: spec.id.clone(),
            source,
        }),
        Err(payload) => Err(RuntimeError::Panicked {
            tenant: spec.id.clone(),
            what: "open",
            message: RuntimeError::panic_message(payload.as_ref()),
        }),
    }
}

/// A refused `add_tenant`: the error and the reply to send it on.
type Refused = Box<(RuntimeError, Reply<TenantOpened>)>;

impl Shard {
    /// Checks `spec` and hands it to the pool; `reply` is answered once the
    /// tenant opened (or failed to). A refusal hands `reply` back.
    pub(crate) fn add_tenant(
        &mut self,
        spec: TenantSpec,
        reply: Reply<TenantOpened>,
    ) -> Result<(), Refused> {
        let checked = if self.by_id.contains_key(&spec.id) || self.opening.contains_key(&spec.id) {
            Err(RuntimeError::DuplicateTenant(spec.id.clone()))
        } else if let Err(source) = spec.config.validate() {
            Err(RuntimeError::Config {
                tenant: spec.id.clone(),
                source,
            })
        } else if self.opening.len() >= MAX_OPENING {
            Err(RuntimeError::Busy {
                shard: self.settings.index,
            })
        } else {
            Ok(())
        };
        if let Err(error) = checked {
            return Err(Box::new((error, reply)));
        }
        let tenant = spec.id.clone();
        let job = OpenJob {
            spec,
            store: Arc::clone(&self.settings.store),
            done: self.done_tx.clone(),
        };
        if self.settings.opener.send(job).is_err() {
            return Err(Box::new((RuntimeError::ShuttingDown, reply)));
        }
        let (stream, _) = broadcast::channel(self.settings.stream_capacity);
        self.opening.insert(
            tenant,
            Opening {
                reply,
                parked: Vec::new(),
                stream,
            },
        );
        debug_assert!(self.opening.len() <= MAX_OPENING);
        Ok(())
    }

    /// A command sent by id for a tenant that is not open: parked if it
    /// is opening and there is room, else refused.
    pub(crate) fn park(&mut self, envelope: Envelope) {
        let limit = self.settings.batch_max;
        let Envelope { tenant, load } = envelope;
        let n = load.len();
        let tenant = match tenant {
            Addressee::Id(id) => *id,
            // `take` resolves keys itself; answered as stale all the same.
            Addressee::Key(_) => {
                debug_assert!(false, "a key parked");
                self.done_with_places(n);
                load.refuse(Refusal::StaleKey);
                return;
            }
        };
        let catch_up = self.may_catch_up();
        let opening = self.opening.get_mut(&tenant);
        match (opening, load) {
            // Keeps its place until it is applied (it counts against the
            // queue's capacity meanwhile).
            (Some(opening), load @ Load::One { .. }) if opening.parked.len() < limit => {
                opening.parked.push(Envelope {
                    tenant: Addressee::Id(Box::new(tenant)),
                    load,
                });
            }
            // A caller's batch does not wait for its tenant to open (it
            // could not be parked within `batch_max`): refused whole.
            (Some(_), load) => {
                self.done_with_places(n);
                load.refuse(Refusal::from(RuntimeError::TenantOpening(tenant)));
            }
            // Perhaps added just before it was sent: it waits for the
            // queued control messages (`catch_up.rs`), keeping its place.
            (None, load) if catch_up => {
                self.defer_unknown(Envelope {
                    tenant: Addressee::Id(Box::new(tenant)),
                    load,
                });
            }
            (None, load) => {
                self.done_with_places(n);
                load.refuse(Refusal::from(RuntimeError::UnknownTenant(tenant)));
            }
        }
    }

    /// Installs a tenant the pool opened (or reports why it could not), and
    /// queues the commands parked for it ahead of any taken later.
    pub(crate) fn on_opened(&mut self, opened: Opened) {
        // Room for the parked commands (at most batch_max) ahead of any
        // taken later. Made while the tenant still counts as opening, so
        // its commands the batch takes from the queue are parked behind
        // the earlier ones and keep their order.
        let parked = self
            .opening
            .get(&opened.tenant)
            .map_or(0, |o| o.parked.len());
        // Counted in commands: the inbox may hold a caller's batch.
        let inbox: usize = self.inbox.iter().map(|e| e.load.len()).sum();
        if inbox > 0 && inbox + parked > self.settings.batch_max {
            self.run_batch();
        }
        let Some(opening) = self.opening.remove(&opened.tenant) else {
            debug_assert!(false, "an open answer for a tenant not opening");
            return;
        };
        let Opening {
            reply,
            parked,
            stream,
        } = opening;
        let tenant = opened.tenant;
        let opened = match opened.result {
            Ok(opened) => opened,
            Err(error) => {
                for envelope in parked {
                    self.done_with_places(envelope.load.len());
                    envelope
                        .load
                        .refuse(Refusal::from(RuntimeError::UnknownTenant(tenant.clone())));
                }
                self.give_back();
                let _ = reply.send(Err(Refusal::from(error)));
                return;
            }
        };
        let last_record = opened.journal.last_seq();
        // A recovered tenant stamps no earlier than its journal's last
        // record, even if the clock stepped back across the restart.
        let last_at = opened.engine.now();
        let state = TenantState {
            metrics: TenantMetrics::new(tenant.as_str()),
            id: tenant.clone(),
            engine: opened.engine,
            journal: opened.journal,
            stream,
            batch: RecordBatch {
                first_seq: last_record + 1,
                ..RecordBatch::default()
            },
            last_at,
            scheduled: None,
            poisoned: None,
            touched: false,
            publish: None,
            groups_stale: false,
            counters: TenantCounters::default(),
        };
        let slot = match self.tenants.iter().position(Option::is_none) {
            Some(free) => {
                self.tenants[free] = Some(state);
                free
            }
            None => {
                self.tenants.push(Some(state));
                self.tenants.len() - 1
            }
        };
        self.by_id.insert(tenant.clone(), slot);
        // Callers send by key from now on (`directory.rs`); those that
        // already sent by id are found by id.
        let key = self.generations.install(slot);
        self.directory.open(&tenant, key);
        self.reschedule(slot);
        let _ = reply.send(Ok(TenantOpened {
            tenant,
            shard: self.settings.index,
            recovery: opened.recovery,
            last_record,
        }));
        // The parked commands go first (room was made above).
        self.inbox.extend(parked);
        debug_assert!(
            self.inbox.iter().map(|e| e.load.len()).sum::<usize>() <= self.settings.batch_max
        );
    }

    /// Waits for every tenant still opening (shutdown), at most
    /// `MAX_OPENING` answers. A store that never returns holds shutdown up.
    pub(crate) fn await_opening(&mut self) {
        for _ in 0..MAX_OPENING {
            if self.opening.is_empty() {
                break;
            }
            match self.done.recv() {
                Ok(opened) => self.on_opened(opened),
                Err(_) => break,
            }
        }
    }
}
