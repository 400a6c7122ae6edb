//! The takeover decisions of a [`Node`](super::Node), apart from the
//! runtime they feed: which standby tenants to try now ([`candidates`]),
//! and taking one ([`take_and_fence`]): the lease, then the warm replica
//! (or one loaded now) fenced at the subject's end.
//!
//! Written once, generic over [`JetStreamOps`], so the node runs them
//! against nats-server and the failover simulation (`sim/`) against its
//! in-memory model, from a seed.

use super::follower::Follower;
use super::lease::Leases;
use super::lease_watch::{LeaseWatch, Verdict};
use super::ops::JetStreamOps;
use super::{NatsError, Replica};
use crate::model::Timestamp;
use std::collections::{HashMap, HashSet};
use std::future::Future;

/// The tenants of `names` to try to take now, each with the revision of a
/// stale lease to break: not led here (`leading`), not held off after a
/// handover (entries of `held_off` whose time passed are dropped), and
/// whose lease looks free to `watch`. At most `most`.
pub(crate) fn candidates<'a>(
    names: impl IntoIterator<Item = &'a str>,
    leading: impl Fn(&str) -> bool,
    held_off: &mut HashMap<String, Timestamp>,
    preferred: &HashSet<String>,
    watch: &LeaseWatch,
    now: Timestamp,
    most: usize,
) -> Vec<(&'a str, Option<u64>)> {
    held_off.retain(|_, until| *until > now);
    names
        .into_iter()
        .filter(|name| !leading(name) && !held_off.contains_key(*name))
        .filter_map(
            |name| match watch.verdict(name, preferred.contains(name), now) {
                Verdict::Try => Some((name, None)),
                Verdict::Break(revision) => Some((name, Some(revision))),
                Verdict::Wait => None,
            },
        )
        .take(most)
        .collect()
}

/// Takes `tenant`'s lease (breaking a stale one at revision `stale`) and
/// fences its `subject` with the follower's warm replica, or one `load`ed
/// now. Returns the fenced replica, ready to serve; `None` when the lease
/// is held elsewhere (noted in `watch`) or a request failed, in which case
/// nothing is held and the tenant is followed again.
#[allow(clippy::too_many_arguments)] // the node's parts, borrowed one by one
pub(crate) async fn take_and_fence<F, L>(
    ops: &impl JetStreamOps,
    leases: &Leases,
    watch: &LeaseWatch,
    follower: &Follower,
    tenant: &str,
    subject: &str,
    stale: Option<u64>,
    load: L,
) -> Option<Replica>
where
    L: FnOnce() -> F,
    F: Future<Output = Result<Replica, NatsError>>,
{
    match leases.take(ops, tenant, stale).await {
        Ok(()) => {}
        Err(NatsError::LeaseHeld {
            holder, revision, ..
        }) => {
            watch.refused(tenant, &holder, revision, ops.now());
            return None;
        }
        Err(_) => return None,
    }
    let warm = follower.lead(tenant);
    let mut replica = match warm {
        Some(replica) => replica,
        None => match load().await {
            Ok(replica) => replica,
            Err(_) => {
                leases.forget(tenant);
                follower.follow(tenant);
                return None;
            }
        },
    };
    match replica.fence(ops, subject).await {
        Ok(_) => Some(replica),
        Err(_) => {
            leases.forget(tenant);
            follower.follow(tenant);
            None
        }
    }
}
