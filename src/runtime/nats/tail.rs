//! [`tail`]: follows a stream's subjects with one ordered consumer for as
//! long as the task lives, picking up after the last message delivered
//! whenever the consumer breaks (a server died, a leader moved).
//!
//! One consumer per process, not one per tenant: a node standing by for
//! thousands of tenants, or watching thousands of leases, costs the servers
//! one consumer and the process one task.

use async_nats::jetstream::consumer::{pull::OrderedConfig, DeliverPolicy};
use async_nats::jetstream::message::Message;
use async_nats::jetstream::stream::Stream;
use futures_util::StreamExt;
use std::time::Duration;

/// The pause before a broken consumer is created again: the restart loop
/// runs at most once per pause, so a cluster that is down costs a request
/// per pause, not a busy loop.
const RESTART_PAUSE: Duration = Duration::from_millis(250);

/// Feeds every message of `filter` on `stream` to `each` with its stream
/// sequence, in stream order, starting with `first` and continuing after the
/// last sequence delivered when the consumer has to be created again.
/// Never returns: abort the task to stop it.
pub(crate) async fn tail(
    stream: Stream,
    filter: String,
    first: DeliverPolicy,
    mut each: impl FnMut(u64, &Message) + Send,
) {
    let mut last: Option<u64> = None;
    // Unbounded on purpose (the task's lifetime), rate-bounded by
    // RESTART_PAUSE per restart.
    loop {
        let deliver_policy = match last {
            Some(seq) => DeliverPolicy::ByStartSequence {
                start_sequence: seq + 1,
            },
            None => first,
        };
        let consumer = stream
            .create_consumer(OrderedConfig {
                filter_subject: filter.clone(),
                deliver_policy,
                ..Default::default()
            })
            .await;
        if let Ok(consumer) = consumer {
            if let Ok(mut messages) = consumer.messages().await {
                // Until the consumer breaks: each message moves `last` on.
                while let Some(Ok(message)) = messages.next().await {
                    let Ok(info) = message.info() else { continue };
                    let seq = info.stream_sequence;
                    if last.is_some_and(|l| seq <= l) {
                        continue; // delivered again by a restarted consumer
                    }
                    last = Some(seq);
                    each(seq, &message);
                }
            }
        }
        tokio::time::sleep(RESTART_PAUSE).await;
    }
}
