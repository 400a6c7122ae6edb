//! What travels from handles to a shard: commands on the bounded command
//! queue, everything else on the small control queue.

use super::completion;
use super::directory::TenantKey;
use super::error::RuntimeError;
use super::report::{TenantClosed, TenantOpened};
use super::stats::{ShardStats, TenantStats};
use super::stream::DecisionStream;
use super::tenant::{TenantId, TenantSpec};
use crate::engine::{Decision, Engine, Rejected};
use crate::model::Timestamp;
use crate::Command;
use tokio::sync::oneshot;

/// Where a shard sends one answer (see `completion.rs`).
pub(crate) type Reply<T> = completion::Sender<Answer<T>>;

/// What a shard puts in an answer slot: the value, or why not.
pub(crate) type Answer<T> = Result<T, Refusal>;

/// Why a request was not done, as the shard leaves it in the slot.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// The engine refused the command. Kept unboxed: the caller's
    /// [`Pending`](super::Pending) boxes it into
    /// [`RuntimeError::Rejected`], so the allocation (and its free) is the
    /// caller's, on the caller's thread, not the shard's (a shard refusing
    /// half its commands spent about 200 instructions a refusal in the
    /// allocator, on memory freed by other threads).
    Rejected(Rejected),
    /// Any other reason.
    Error(RuntimeError),
    /// The command's tenant key was stale (its tenant was removed after
    /// the caller read the key): the caller, who kept the id, answers
    /// [`RuntimeError::UnknownTenant`].
    StaleKey,
}

impl From<RuntimeError> for Refusal {
    fn from(error: RuntimeError) -> Self {
        Self::Error(error)
    }
}

impl Refusal {
    /// The error the caller sees; `tenant` is the id a command was sent
    /// to (`None` for other requests, which never get a key).
    pub(crate) fn into_error(self, tenant: Option<&TenantId>) -> RuntimeError {
        match self {
            Self::Rejected(rejected) => RuntimeError::Rejected(Box::new(rejected)),
            Self::Error(error) => error,
            Self::StaleKey => match tenant {
                Some(id) => RuntimeError::UnknownTenant(id.clone()),
                None => {
                    debug_assert!(false, "a stale key for a request without a tenant");
                    RuntimeError::ShuttingDown
                }
            },
        }
    }
}

/// Capacity of each shard's control queue. Control requests are rare
/// (tenants added, subscriptions, statistics, clock wake-ups); a full queue
/// answers [`RuntimeError::Overloaded`]-like errors at once, and wake-ups
/// are dropped (the shard is awake anyway).
pub(crate) const CONTROL_CAPACITY: usize = 1024;

/// A read-only closure a shard runs against one tenant's engine (or the
/// reason there is none); it answers its caller itself, catching a panic
/// of the host's closure, and returns whether it caught one (the shard
/// counts it).
pub(crate) type Read = Box<dyn FnOnce(Result<&Engine, RuntimeError>) -> bool + Send>;

/// How a command names its tenant.
pub(crate) enum Addressee {
    /// The key its shard handed out (`directory.rs`): reached by index.
    Key(TenantKey),
    /// The id, for a tenant without a key when the caller sent (still
    /// opening, or unknown). Boxed: rare, and it would make every
    /// envelope 65 bytes longer.
    Id(Box<TenantId>),
}

/// A command on its way to its tenant's shard. At most 128 bytes, so its
/// moves (into the queue, out of it, into the batch) are copied inline,
/// not by `memcpy` calls (see `directory.rs`).
pub(crate) struct Envelope {
    pub(crate) tenant: Addressee,
    pub(crate) load: Load,
    // The caller's place in the queue is not carried: the shard gives a
    // batch's places back at once (`handoff.rs`, `Shard::give_back`).
}

const _: () = assert!(std::mem::size_of::<Envelope>() <= 128);

/// What an envelope carries: one command, or a caller's batch of them
/// ([`RuntimeHandle::send_batch`](super::RuntimeHandle::send_batch)).
pub(crate) enum Load {
    /// One command and its answer slot.
    One {
        command: Command,
        reply: Reply<Accepted>,
    },
    /// Several commands for one tenant, answered together in one slot, in
    /// order. Boxed: it would make every envelope longer.
    Many(Box<Many>),
}

/// A batch of commands sent together; `commands.len()` places held.
pub(crate) struct Many {
    pub(crate) commands: Vec<Command>,
    pub(crate) reply: Reply<Vec<Answer<Accepted>>>,
}

impl Load {
    /// How many commands (and queue places) it carries.
    pub(crate) fn len(&self) -> usize {
        match self {
            Self::One { .. } => 1,
            Self::Many(many) => many.commands.len(),
        }
    }

    /// Answers every command it carries with `refusal` (one slot for a
    /// batch: the whole batch is refused).
    pub(crate) fn refuse(self, refusal: Refusal) {
        match self {
            Self::One { reply, .. } => {
                let _ = reply.send(Err(refusal));
            }
            Self::Many(many) => {
                let _ = many.reply.send(Err(refusal));
            }
        }
    }
}

/// A request other than a command.
pub(crate) enum Control {
    /// The clock moved: look at the timers.
    Wake,
    AddTenant(Box<TenantSpec>, Reply<TenantOpened>),
    RemoveTenant(TenantId, Reply<TenantClosed>),
    Subscribe(TenantId, Reply<DecisionStream>),
    TenantStats(TenantId, Reply<TenantStats>),
    /// Run a read-only closure against a tenant's engine; the closure
    /// answers its caller itself (see `RuntimeHandle::query`).
    Query(TenantId, Read),
    ShardStats(Reply<ShardStats>),
    /// Stop taking commands, drain the queue, sync, report, exit.
    Shutdown(oneshot::Sender<super::report::ShardClosed>),
}

/// A command the engine accepted, acknowledged under the runtime's
/// durability.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Accepted {
    /// The command's journal sequence number in its tenant (counted even
    /// without a journal).
    pub record: u64,
    /// The time the shard stamped it with.
    pub at: Timestamp,
    /// The decisions it caused, in order (also on the tenant's stream).
    pub decisions: Vec<Decision>,
}
