//! [`RuntimeHandle`]: how threads and async tasks reach the shards.
//!
//! A command goes to its tenant's shard through that shard's bounded
//! lock-free queue (`queue.rs`: crossbeam-queue's `ArrayQueue` and a
//! doorbell rung only for a shard asleep). Room in the queue is counted by
//! a semaphore: a caller takes
//! a permit without waiting ([`send`](RuntimeHandle::send), answered
//! [`RuntimeError::Overloaded`] at once when none is left) or awaits one
//! ([`submit_waiting`](RuntimeHandle::submit_waiting)); the shard gives a
//! batch's permits back once it has taken the batch's commands. No caller
//! waits for a lock another caller holds, and a shard never waits for
//! another shard.

use super::completion;
use super::directory::Directory;
use super::error::RuntimeError;
use super::handoff::{self, Refused};
use super::message::{Accepted, Addressee, Control, Envelope, Load, Many};
use super::pending::Pending;
use super::pending::PendingBatch;
use super::placement::shard_of;
use super::queue::Pusher;
use super::sync::AtomicBool;
use super::tenant::TenantId;
use crate::Command;
use crossbeam_channel::Sender;
use std::sync::Arc;
use tokio::sync::{Semaphore, SemaphorePermit};

/// One shard's queues, as the handles see them.
#[derive(Debug)]
pub(crate) struct ShardLink {
    pub(crate) commands: Pusher<Envelope>,
    pub(crate) control: Sender<Control>,
    /// Free places in `commands`: its capacity minus queued commands minus
    /// permits held by callers about to enqueue minus commands the shard
    /// took but has not yet given back (once per batch). So a caller
    /// holding a permit always finds room. Shared with the shard.
    pub(crate) permits: Arc<Semaphore>,
    /// The keys of the shard's open tenants (`directory.rs`), read per
    /// command; written by the shard.
    pub(crate) directory: Arc<Directory>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) shards: Vec<ShardLink>,
    pub(crate) queue_capacity: usize,
    /// The most commands one [`RuntimeHandle::send_batch`] may carry.
    pub(crate) batch_max: usize,
    /// Set once by shutdown; later calls answer `ShuttingDown`.
    pub(crate) closing: AtomicBool,
}

/// A cheap, cloneable handle to a running [`Runtime`](super::Runtime),
/// usable from any thread or task.
#[derive(Clone, Debug)]
pub struct RuntimeHandle {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut f = f.debug_struct("Envelope");
        match &self.tenant {
            Addressee::Key(key) => f.field("key", key),
            Addressee::Id(id) => f.field("tenant", id),
        };
        f.finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Control")
    }
}

/// How a command names `tenant`: its key when the shard has handed one
/// out, else its id (`directory.rs`).
fn addressee(directory: &Directory, tenant: &TenantId) -> Addressee {
    match directory.key(tenant) {
        Some(key) => Addressee::Key(key),
        None => Addressee::Id(Box::new(tenant.clone())),
    }
}

impl RuntimeHandle {
    /// Number of shards.
    pub fn shard_count(&self) -> usize {
        self.shared.shards.len()
    }

    /// The shard `tenant` lives on (stable across restarts with the same
    /// shard count).
    pub fn shard_of(&self, tenant: &TenantId) -> usize {
        shard_of(tenant.as_str(), self.shared.shards.len())
    }

    pub(super) fn closing(&self) -> bool {
        // ORDERING: see `handoff::closing`.
        handoff::closing(&self.shared.closing)
    }

    /// Queues `command` for `tenant` without ever blocking: a full queue
    /// answers [`RuntimeError::Overloaded`] at once, handing the command
    /// back. The returned [`Pending`] resolves (`.await` or
    /// [`wait`](Pending::wait)) once the command is applied and
    /// acknowledged, with its decisions, or with why not. Commands sent
    /// from one thread to one tenant are applied in the order sent.
    pub fn send(
        &self,
        tenant: &TenantId,
        command: impl Into<Command>,
    ) -> Result<Pending<Accepted>, RuntimeError> {
        let shard = self.shard_of(tenant);
        let link = &self.shared.shards[shard];
        let (reply, rx) = completion::channel();
        // The command is moved into the envelope only once a place is
        // taken; kept here until then, so an overload hands it back.
        let mut command = Some(command.into());
        let handed =
            handoff::hand_off(&self.shared.closing, &*link.permits, &link.commands, || {
                Envelope {
                    tenant: addressee(&link.directory, tenant),
                    load: Load::One {
                        command: command.take().expect("made once"),
                        reply,
                    },
                }
            });
        match handed {
            Ok(()) => Ok(Pending::waiting_for(rx, tenant)),
            Err(refused) => Err(self.refused(shard, refused, command)),
        }
    }

    /// The error for a refused hand-off; the command comes back from the
    /// envelope or from `unsent`.
    fn refused(
        &self,
        shard: usize,
        refused: Refused<Envelope>,
        unsent: Option<Command>,
    ) -> RuntimeError {
        let overloaded = |command: Command| RuntimeError::Overloaded {
            shard,
            capacity: self.shared.queue_capacity,
            command: Box::new(command),
        };
        match (refused, unsent) {
            (Refused::NoPlace, Some(command)) => overloaded(command),
            (
                Refused::FoundFull(Envelope {
                    load: Load::One { command, .. },
                    ..
                }),
                _,
            ) => overloaded(command),
            _ => RuntimeError::ShuttingDown,
        }
    }

    fn enqueue(
        &self,
        shard: usize,
        tenant: &TenantId,
        command: Command,
        permit: SemaphorePermit<'_>,
    ) -> Result<Pending<Accepted>, RuntimeError> {
        let (reply, rx) = completion::channel();
        let link = &self.shared.shards[shard];
        let envelope = Envelope {
            tenant: addressee(&link.directory, tenant),
            load: Load::One { command, reply },
        };
        // The permit guarantees room (see `handoff.rs`).
        match handoff::push_holding::<Semaphore, _>(&link.commands, permit, envelope) {
            Ok(()) => Ok(Pending::waiting_for(rx, tenant)),
            Err(refused) => Err(self.refused(shard, refused, None)),
        }
    }

    /// Queues `commands` for `tenant` as one batch, without ever blocking,
    /// and answers them together: one queue item and one answer slot for
    /// the whole batch, one wake-up of the caller once the shard has
    /// applied and acknowledged all of them (under the runtime's
    /// durability, as [`send`](Self::send)). The commands are applied in
    /// order, after any sent earlier from this thread to `tenant`, in one
    /// of the shard's batches (so `commands.len()` must not exceed
    /// [`RuntimeConfig::batch_max`](super::RuntimeConfig::batch_max):
    /// more answers [`RuntimeError::Setting`] at once, the commands
    /// dropped). They take `commands.len()` places in the queue: without
    /// that many free, [`RuntimeError::OverloadedBatch`] hands them back.
    ///
    /// The [`PendingBatch`] resolves to one answer per command, in order:
    /// [`Accepted`] or why not ([`RuntimeError::Rejected`] with the
    /// command, as for `send`); a refused command does not stop the ones
    /// after it. The whole batch fails at once (the outer error) for a
    /// tenant unknown or still opening (a batch does not wait for a tenant
    /// being added: [`RuntimeError::TenantOpening`]), or shutdown.
    /// Decisions go to the tenant's stream as for single commands.
    pub fn send_batch(
        &self,
        tenant: &TenantId,
        commands: Vec<Command>,
    ) -> Result<PendingBatch, RuntimeError> {
        let Some(count) = self.batch_places(commands.len())? else {
            return Ok(PendingBatch::ready(Ok(Vec::new())));
        };
        let shard = self.shard_of(tenant);
        let link = &self.shared.shards[shard];
        let overloaded = |commands: Vec<Command>| RuntimeError::OverloadedBatch {
            shard,
            capacity: self.shared.queue_capacity,
            commands,
        };
        // `count` places at once (`handoff.rs`); the shard gives back one
        // per command. The commands are moved into the envelope only once
        // the places are taken; kept here until then, so an overload hands
        // them back.
        let (reply, rx) = completion::channel();
        let mut unsent = Some(commands);
        let handed = handoff::hand_off_many(
            &self.shared.closing,
            &*link.permits,
            &link.commands,
            count,
            || Envelope {
                tenant: addressee(&link.directory, tenant),
                load: Load::Many(Box::new(Many {
                    commands: unsent.take().expect("made once"),
                    reply,
                })),
            },
        );
        match (handed, unsent) {
            (Ok(()), _) => Ok(PendingBatch::waiting(Pending::waiting_for(rx, tenant))),
            (Err(Refused::NoPlace), Some(commands)) => Err(overloaded(commands)),
            (
                Err(Refused::FoundFull(Envelope {
                    load: Load::Many(many),
                    ..
                })),
                _,
            ) => Err(overloaded(many.commands)),
            _ => Err(RuntimeError::ShuttingDown),
        }
    }

    /// The places a caller's batch of `n` commands takes: `None` for an
    /// empty batch (answered at once), [`RuntimeError::Setting`] past
    /// `batch_max`. `batch_max` is at most 65,536 and at most the queue's
    /// capacity, so the count fits a `u32` and a caller waiting for that
    /// many places gets them once the shard has taken what is queued.
    fn batch_places(&self, n: usize) -> Result<Option<u32>, RuntimeError> {
        if n == 0 {
            return Ok(None);
        }
        if n > self.shared.batch_max {
            return Err(RuntimeError::Setting {
                name: "commands in one batch",
                value: n,
                range: "0..=batch_max",
            });
        }
        Ok(Some(u32::try_from(n).unwrap_or(u32::MAX)))
    }

    /// [`send_batch`](Self::send_batch), then blocks this thread until the
    /// batch is answered.
    pub fn submit_batch(
        &self,
        tenant: &TenantId,
        commands: Vec<Command>,
    ) -> Result<Vec<Result<Accepted, RuntimeError>>, RuntimeError> {
        self.send_batch(tenant, commands)?.wait()
    }

    /// Applies `command` to `tenant` and blocks this thread until it is
    /// acknowledged: [`send`](Self::send) then [`Pending::wait`]. A full
    /// queue answers [`RuntimeError::Overloaded`] at once.
    pub fn submit(
        &self,
        tenant: &TenantId,
        command: impl Into<Command>,
    ) -> Result<Accepted, RuntimeError> {
        self.send(tenant, command)?.wait()
    }

    /// Applies `command` to `tenant` from async code. A full queue answers
    /// [`RuntimeError::Overloaded`] at once; otherwise resolves once the
    /// command is acknowledged.
    pub async fn submit_async(
        &self,
        tenant: &TenantId,
        command: impl Into<Command>,
    ) -> Result<Accepted, RuntimeError> {
        self.send(tenant, command)?.await
    }

    /// Like [`submit_async`](Self::submit_async), but a full queue makes the
    /// caller wait for room (fairly, first come first served) instead of
    /// answering `Overloaded`.
    pub async fn submit_waiting(
        &self,
        tenant: &TenantId,
        command: impl Into<Command>,
    ) -> Result<Accepted, RuntimeError> {
        let command = command.into();
        if self.closing() {
            return Err(RuntimeError::ShuttingDown);
        }
        let shard = self.shard_of(tenant);
        let permit = self.shared.shards[shard]
            .permits
            .acquire()
            .await
            .map_err(|_| RuntimeError::ShuttingDown)?;
        self.enqueue(shard, tenant, command, permit)?.await
    }

    /// [`send_batch`](Self::send_batch) from async code, but a queue
    /// without room for every command of the batch makes the caller wait
    /// for it (fairly, first come first served, as
    /// [`submit_waiting`](Self::submit_waiting)) instead of answering
    /// [`RuntimeError::OverloadedBatch`]; then resolves once the batch is
    /// answered. Its other refusals are `send_batch`'s.
    pub async fn submit_batch_waiting(
        &self,
        tenant: &TenantId,
        commands: Vec<Command>,
    ) -> Result<Vec<Result<Accepted, RuntimeError>>, RuntimeError> {
        let Some(count) = self.batch_places(commands.len())? else {
            return Ok(Vec::new());
        };
        if self.closing() {
            return Err(RuntimeError::ShuttingDown);
        }
        let shard = self.shard_of(tenant);
        let link = &self.shared.shards[shard];
        let permit = link
            .permits
            .acquire_many(count)
            .await
            .map_err(|_| RuntimeError::ShuttingDown)?;
        let (reply, rx) = completion::channel();
        let envelope = Envelope {
            tenant: addressee(&link.directory, tenant),
            load: Load::Many(Box::new(Many { commands, reply })),
        };
        // The permit guarantees room (see `handoff.rs`).
        match handoff::push_holding::<Semaphore, _>(&link.commands, permit, envelope) {
            Ok(()) => PendingBatch::waiting(Pending::waiting_for(rx, tenant)).await,
            Err(Refused::FoundFull(Envelope {
                load: Load::Many(many),
                ..
            })) => Err(RuntimeError::OverloadedBatch {
                shard,
                capacity: self.shared.queue_capacity,
                commands: many.commands,
            }),
            Err(_) => Err(RuntimeError::ShuttingDown),
        }
    }
}
