//! Commands that overtook their tenant's `add_tenant`.
//!
//! A caller that adds a tenant and then sends it a command, without
//! waiting for the add, puts the add on the shard's control queue before
//! the command on its command queue. The loop's `select!` picks at random
//! among ready queues, so it may take the command first and find no such
//! tenant. Taking the command makes the earlier add visible (the caller
//! pushed it before), so such a command is not refused at once while
//! control messages are queued: it waits for the batch's end, the shard
//! handles the control messages queued by then, in order, and takes the
//! command again, once. Still unknown then, it is refused.

use super::message::Envelope;
use super::shard::{Flow, Shard};

impl Shard {
    /// Whether `park` keeps a command for an unknown tenant until the
    /// control messages queued now are handled, rather than refusing it.
    pub(crate) fn may_catch_up(&self) -> bool {
        self.catching_up_allowed && !self.control.is_empty()
    }

    /// Keeps `envelope` (a command for a tenant the shard does not know)
    /// for [`catch_up`](Self::catch_up) at the batch's end.
    pub(crate) fn defer_unknown(&mut self, envelope: Envelope) {
        // A batch takes fewer than `2 * batch_max` commands.
        debug_assert!(self.unknown.len() < 2 * self.settings.batch_max);
        self.unknown.push(envelope);
    }

    /// After a batch that deferred commands: handles the control messages
    /// queued now, in order, then takes those commands again in a batch of
    /// their own (refused then if their tenant is still unknown).
    pub(crate) fn catch_up(&mut self) -> Flow {
        if self.unknown.is_empty() {
            return Flow::Continue;
        }
        // The batch drained the inbox; the deferred commands go first in
        // the next, in their order, and a shutdown among the control
        // messages drains them like the queued ones.
        debug_assert!(self.inbox.is_empty());
        self.inbox.append(&mut self.unknown);
        self.catching_up_allowed = false;
        // Bounded by the messages queued now: later ones wait for the loop.
        for _ in 0..self.control.len() {
            let Ok(control) = self.control.try_recv() else {
                break;
            };
            if let Flow::Stop = self.on_control(control) {
                return Flow::Stop;
            }
        }
        self.run_batch();
        self.catching_up_allowed = true;
        Flow::Continue
    }
}
