//! The doorbell: how a shard idle in its `select!` hears that commands
//! were queued, now that the command queue is drained a batch at a time
//! (`batch.rs`) instead of received one command per `select!`.
//!
//! The command queue (tokio's MPSC list, `handoff.rs`) wakes its reader
//! through a [`Waker`]: the shard's is a [`Doorbell`], which puts a token
//! on a crossbeam channel of capacity one that the shard's `select!`
//! waits on beside its control queue. The protocol:
//!
//! * the shard drains; finding the queue empty, the queue keeps the
//!   doorbell's waker and looks once more (tokio's register-then-recheck),
//!   and only then does the shard wait on the doorbell;
//! * a caller pushes its command, then the queue takes the kept waker, if
//!   any, and rings (a full doorbell is rung already: the token is
//!   dropped, nothing blocks);
//! * the shard takes the token (its `select!`), then drains.
//!
//! So a command pushed after the shard's last look finds the waker kept
//! and rings, and one pushed before it is drained: no command waits for
//! the next clock wake-up. A token left over from a waker kept earlier
//! costs one empty drain. `loom_a_queued_command_always_rings_the_shard`
//! (`handoff_loom.rs`) checks the protocol under every interleaving.

use crossbeam_channel::{Receiver, Sender, TrySendError};
use std::sync::Arc;
use std::task::{Wake, Waker};

/// Rings a shard: the waker its command queue keeps while it is idle.
#[derive(Debug)]
pub(crate) struct Doorbell(Sender<()>);

impl Doorbell {
    /// A doorbell and the receiver the shard waits on (capacity one:
    /// rings while a token waits are dropped, as the shard will drain
    /// everything queued anyway).
    pub(crate) fn pair() -> (Waker, Receiver<()>) {
        let (tx, rx) = crossbeam_channel::bounded(1);
        (Waker::from(Arc::new(Doorbell(tx))), rx)
    }

    fn ring(&self) {
        match self.0.try_send(()) {
            // Full: rung already. Disconnected: the shard stopped.
            Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
        }
    }
}

impl Wake for Doorbell {
    fn wake(self: Arc<Self>) {
        self.ring();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.ring();
    }
}
