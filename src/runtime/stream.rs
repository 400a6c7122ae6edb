//! The decision stream: every decision of one tenant, in order, to any
//! number of subscribers, without the shard ever waiting for one.
//!
//! Each tenant has a bounded broadcast buffer (tokio's `broadcast`). The
//! shard publishes a decision once the command that made it is journaled
//! under the durability mode, just before the caller is told. A subscriber
//! that falls more than the buffer behind loses the oldest decisions and is
//! told so with [`StreamEvent::Lagged`], then continues from the oldest one
//! still buffered: the shard never blocks on a slow reader.

use super::pending::block_on;
use super::tenant::TenantId;
use crate::engine::Decision;
use crate::model::Timestamp;
use tokio::sync::broadcast;

/// One decision and its place in the tenant's history.
///
/// `(record, index)` is the decision's sequence number: `record` is the
/// journal sequence number of the command (or timer tick) that made it,
/// `index` its position among that command's decisions. It increases
/// strictly along the stream and is the same after a restart, since a
/// replay of the journal makes the same decisions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamItem {
    /// Journal sequence number of the command that made the decision.
    pub record: u64,
    /// Position among that command's decisions, from 0.
    pub index: u32,
    /// The time the command was stamped with.
    pub at: Timestamp,
    /// The decision.
    pub decision: Decision,
}

/// What a subscriber receives.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamEvent {
    /// The next decision.
    Decision(StreamItem),
    /// The subscriber fell behind and `missed` decisions were dropped for
    /// it; the stream continues with the oldest decision still buffered.
    Lagged {
        /// How many decisions this subscriber will never see.
        missed: u64,
    },
}

/// A subscription to one tenant's decisions, from
/// [`RuntimeHandle::subscribe`](super::RuntimeHandle::subscribe).
#[derive(Debug)]
pub struct DecisionStream {
    tenant: TenantId,
    rx: broadcast::Receiver<StreamItem>,
}

impl DecisionStream {
    pub(crate) fn new(tenant: TenantId, rx: broadcast::Receiver<StreamItem>) -> Self {
        Self { tenant, rx }
    }

    /// The tenant.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// The next event; `None` once the tenant was removed or the runtime
    /// stopped and every buffered decision was read.
    pub async fn next(&mut self) -> Option<StreamEvent> {
        match self.rx.recv().await {
            Ok(item) => Some(StreamEvent::Decision(item)),
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                Some(StreamEvent::Lagged { missed })
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// The next event if one is buffered now; `None` when none is (or the
    /// stream ended). Never blocks.
    pub fn try_next(&mut self) -> Option<StreamEvent> {
        match self.rx.try_recv() {
            Ok(item) => Some(StreamEvent::Decision(item)),
            Err(broadcast::error::TryRecvError::Lagged(missed)) => {
                Some(StreamEvent::Lagged { missed })
            }
            Err(_) => None,
        }
    }

    /// Blocks this thread for the next event (see [`next`](Self::next)).
    pub fn blocking_next(&mut self) -> Option<StreamEvent> {
        block_on(self.next())
    }
}
