//! [`Runtime`]: starting the shards (recovering every tenant), and the
//! graceful shutdown that drains, syncs and reports.

use super::clock::ClockWaker;
use super::config::{Durability, RuntimeConfig};
use super::directory::Directory;
use super::handle::{RuntimeHandle, ShardLink, Shared};
use super::journal::{JournalStore, VolatileStore};
use super::message::{Control, CONTROL_CAPACITY};
use super::opener::{OpenPool, MAX_OPENING};
use super::queue;
use super::report::{ShutdownReport, StartReport};
use super::shard::{Shard, ShardSettings};
use super::sync::Ordering;
use super::tenant::TenantSpec;
use super::RuntimeError;
use std::sync::Arc;
use std::thread::JoinHandle;
use tokio::sync::{oneshot, Semaphore};

/// Tenants asked to open at once by [`Runtime::start`]: well inside a
/// shard's control queue and its limit of tenants opening.
const START_WINDOW: usize = 256;

const _: () = assert!(START_WINDOW < CONTROL_CAPACITY && START_WINDOW <= MAX_OPENING);

/// A running set of shards. Drop it, or better call
/// [`shutdown`](Self::shutdown), to stop: both drain and sync.
#[derive(Debug)]
pub struct Runtime {
    handle: RuntimeHandle,
    threads: Vec<JoinHandle<()>>,
    /// The threads opening tenants for every shard (see `opener.rs`).
    pool: OpenPool,
}

impl Runtime {
    /// Starts `config.shards` shard threads and opens `tenants` on them
    /// (each recovered from its journal; tenants of different shards in
    /// parallel). Fails, having stopped what it started, on a bad setting,
    /// a duplicate or unrecoverable tenant, or a thread that cannot start.
    pub fn start(
        config: RuntimeConfig,
        tenants: Vec<TenantSpec>,
    ) -> Result<(Runtime, StartReport), RuntimeError> {
        config.validate()?;
        let store: Arc<dyn JournalStore> = match config.durability {
            Durability::Volatile => Arc::new(VolatileStore),
            Durability::Buffered | Durability::Synced => Arc::clone(&config.store),
        };
        let pool = OpenPool::start(config.open_threads)?;
        let mut links = Vec::with_capacity(config.shards);
        let mut shards = Vec::with_capacity(config.shards);
        for index in 0..config.shards {
            let (commands_tx, commands_rx) = queue::queue(config.queue_capacity);
            let (control_tx, control_rx) = crossbeam_channel::bounded(CONTROL_CAPACITY);
            let waker_tx = control_tx.clone();
            config.clock.register(ClockWaker::new(Arc::new(move || {
                // Full: the shard has requests to handle and will look at
                // the clock anyway. Disconnected: it stopped.
                let _ = waker_tx.try_send(Control::Wake);
            })));
            let permits = Arc::new(Semaphore::new(config.queue_capacity));
            let directory = Arc::new(Directory::default());
            links.push(ShardLink {
                commands: commands_tx,
                control: control_tx,
                permits: Arc::clone(&permits),
                directory: Arc::clone(&directory),
            });
            let settings = ShardSettings {
                index,
                batch_max: config.batch_max,
                queue_capacity: config.queue_capacity,
                stream_capacity: config.stream_capacity,
                durability: config.durability,
                store: Arc::clone(&store),
                clock: Arc::clone(&config.clock),
                opener: pool.sender(),
                commit_threads: config.commit_threads,
            };
            shards.push(Shard::new(
                settings,
                commands_rx,
                control_rx,
                permits,
                directory,
            ));
        }
        let handle = RuntimeHandle {
            shared: Arc::new(Shared {
                shards: links,
                queue_capacity: config.queue_capacity,
                batch_max: config.batch_max,
                closing: Default::default(),
            }),
        };
        let mut runtime = Runtime {
            handle,
            threads: Vec::with_capacity(config.shards),
            pool,
        };
        for shard in shards {
            let name = format!("switchboard-shard-{}", shard.settings.index);
            let thread = std::thread::Builder::new()
                .name(name)
                .spawn(move || shard.run())
                .map_err(RuntimeError::Spawn)?;
            runtime.threads.push(thread);
        }
        // A window of tenants at a time, asked of every shard before any
        // answer is awaited (the pool opens them in parallel), and small
        // enough that no shard's control queue or opening limit is ever
        // full, however many tenants start.
        let mut report = StartReport::default();
        let mut tenants = tenants.into_iter().peekable();
        while tenants.peek().is_some() {
            let pending: Vec<_> = tenants
                .by_ref()
                .take(START_WINDOW)
                .map(|spec| runtime.handle.add_tenant(spec))
                .collect();
            for answer in pending {
                report.tenants.push(answer.wait()?);
            }
        }
        Ok((runtime, report))
    }

    /// A handle for submitting commands and reading streams and statistics.
    pub fn handle(&self) -> RuntimeHandle {
        self.handle.clone()
    }

    /// Stops taking commands (later calls answer
    /// [`RuntimeError::ShuttingDown`]), lets each shard apply what is
    /// queued, syncs every journal, stops the threads and reports.
    pub fn shutdown(mut self) -> ShutdownReport {
        self.stop()
    }

    fn stop(&mut self) -> ShutdownReport {
        let shared = &self.handle.shared;
        // ORDERING: Release pairs with the Acquire in the handle.
        shared.closing.store(true, Ordering::Release);
        let mut answers = Vec::with_capacity(shared.shards.len());
        for link in &shared.shards {
            // Async callers waiting for room get ShuttingDown.
            link.permits.close();
            let (tx, rx) = oneshot::channel();
            // A blocking send: the control queue is bounded and the shard
            // drains it, so this waits at most for queued requests.
            if link.control.send(Control::Shutdown(tx)).is_ok() {
                answers.push(rx);
            }
        }
        let mut report = ShutdownReport::default();
        for rx in answers {
            if let Ok(closed) = rx.blocking_recv_or_none() {
                report.shards.push(closed);
            }
        }
        for thread in self.threads.drain(..) {
            if thread.join().is_err() {
                rt_event!(error, "a shard thread panicked");
            }
        }
        // The shards (and their senders to the pool) are gone.
        self.pool.join();
        report
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if !self.threads.is_empty() {
            self.stop();
        }
    }
}

/// Waits for a shard's shutdown answer on this thread.
trait BlockingAnswer<T> {
    fn blocking_recv_or_none(self) -> Result<T, oneshot::error::RecvError>;
}

impl<T> BlockingAnswer<T> for oneshot::Receiver<T> {
    fn blocking_recv_or_none(self) -> Result<T, oneshot::error::RecvError> {
        super::pending::block_on(self)
    }
}
