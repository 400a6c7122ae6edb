//! [`LeaseWatch`]: what this process last saw of every tenant's lease, from
//! one consumer over the lease bucket (see [`tail`](super::tail)).
//!
//! A standby must not ask JetStream, tenant by tenant, whether each lease
//! is free: thousands of tenants per process would cost thousands of
//! requests every quarter lease. Instead every renewal, release and take
//! arrives here as a bucket message, and a standby tries to take a lease
//! only when what it saw says the lease should be free:
//!
//! * **released** (a handover deleted or purged the key): at once;
//! * **held by another node and not renewed for a whole lease length**: the
//!   holder is dead or frozen. The bucket's max age lets the key go, but
//!   nats-server 2.9 expires keys silently and, with many keys, seconds late
//!   (measured: a 2 s max age expired 4.6 to 5.2 s after the last renewal),
//!   so the standby *breaks* the lease: it deletes the key only if it is
//!   still at the revision last seen renewed (a purge expecting that
//!   revision), then creates it. A renewal that got in meanwhile makes the
//!   purge fail; a holder that was merely frozen finds its next renewal
//!   refused and its next append fenced, exactly as after an expiry;
//! * **held under this node's own name** (a restarted node): at once;
//! * **never seen since the watch started**: when preferred, at once (from
//!   the node's first step on); else once the watch has run for a lease
//!   length, so a node's preferred tenants go to that node when the
//!   deployment starts.
//!
//! The view is only a hint: the take itself is a `create` the server
//! refuses while the key lives, and every append is fenced by sequence, so
//! a stale or missed message costs a refused request, never two writers.

use super::conn::Conn;
use super::tail::tail;
use crate::model::{TimeSpan, Timestamp};
use crate::runtime::sync::Mutex;
use async_nats::jetstream::consumer::DeliverPolicy;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// What was last seen of one lease.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seen {
    /// Written (taken or renewed) by `holder` at `revision`, seen at `at`.
    Held {
        holder: String,
        at: Timestamp,
        revision: u64,
    },
    /// Deleted or purged (a handover), seen at `at`.
    Released { at: Timestamp },
}

#[derive(Debug)]
struct View {
    leases: HashMap<String, Seen>,
    /// When the watch was started (on the process's clock).
    started: Timestamp,
}

/// Whether a standby should try to take a lease now; see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Try to take it.
    Try,
    /// Its holder stopped renewing a lease ago: take it, breaking the key
    /// left at this revision if the server has not expired it yet.
    Break(u64),
    /// Someone holds it, or it is too early to tell.
    Wait,
}

/// The lease bucket as this process last saw it; the consumer stops when
/// the watch is dropped.
#[derive(Debug)]
pub(crate) struct LeaseWatch {
    view: Arc<Mutex<View>>,
    /// The consumer (`None`: fed by hand, in the simulation).
    task: Option<tokio::task::JoinHandle<()>>,
    node: String,
    lease: Duration,
}

impl LeaseWatch {
    /// Starts watching `conn`'s lease bucket on `rt`.
    pub(crate) fn start(rt: &tokio::runtime::Handle, conn: &Arc<Conn>) -> Self {
        // Counted from now, not from the task's first poll: the node's
        // first step comes right after this, and had it found the watch
        // not started, its preferred tenants would wait for the second,
        // after a whole round of cold loads (seconds with many tenants or
        // a cluster still electing leaders), while other nodes' patience
        // (a lease) ran out. Nothing is lost by not waiting for the
        // bucket's keys: a preferred tenant's take is refused while the key
        // lives, and another tenant waits a lease anyway.
        let mut watch = Self::idle(&conn.config.node, conn.config.lease, conn.clock.now());
        let stream = conn.leases.stream.clone();
        let prefix = conn.leases.prefix.clone();
        let filter = format!("{prefix}>");
        let shared = Arc::clone(&watch.view);
        let clock = Arc::clone(&conn.clock);
        let task = rt.spawn(async move {
            tail(
                stream,
                filter,
                DeliverPolicy::LastPerSubject,
                move |revision, m| {
                    let Some(key) = m.subject.strip_prefix(prefix.as_str()) else {
                        return;
                    };
                    let released = m.headers.as_ref().is_some_and(|h| {
                        h.get("KV-Operation")
                            .is_some_and(|op| matches!(op.as_str(), "DEL" | "PURGE"))
                    });
                    let holder = (!released).then(|| String::from_utf8_lossy(&m.payload));
                    shared
                        .lock()
                        .seen(key, revision, holder.as_deref(), clock.now());
                },
            )
            .await;
        });
        watch.task = Some(task);
        watch
    }

    /// A watch fed by hand through [`seen`](Self::seen) (the simulation),
    /// for `node` with a `lease` length, started at `now`.
    pub(crate) fn idle(node: &str, lease: Duration, now: Timestamp) -> Self {
        Self {
            view: Arc::new(Mutex::new(View {
                leases: HashMap::new(),
                started: now,
            })),
            task: None,
            node: node.to_string(),
            lease,
        }
    }

    /// Notes a message of the lease bucket: `key` written at `revision` by
    /// `holder` (`None`: a delete or purge), delivered at `now`.
    #[cfg(test)]
    pub(crate) fn seen(&self, key: &str, revision: u64, holder: Option<&str>, now: Timestamp) {
        self.view.lock().seen(key, revision, holder, now);
    }

    /// The node last seen holding `tenant`'s lease (`None`: released, or
    /// never seen).
    pub(crate) fn holder(&self, tenant: &str) -> Option<String> {
        match self.view.lock().leases.get(tenant)? {
            Seen::Held { holder, .. } => Some(holder.clone()),
            Seen::Released { .. } => None,
        }
    }

    /// Whether to try to take `tenant`'s lease now (`preferred`: this node
    /// should lead it when nobody does).
    pub(crate) fn verdict(&self, tenant: &str, preferred: bool, now: Timestamp) -> Verdict {
        let view = self.view.lock();
        verdict(
            view.leases.get(tenant),
            view.started,
            now,
            &self.node,
            self.lease,
            preferred,
        )
    }

    /// Notes that a take of `tenant` was refused because `holder` holds it
    /// at `revision` (the watch may not have delivered that write yet). A
    /// refusal at the revision already seen changes nothing (the lease keeps
    /// its age and goes stale on time); a newer revision is a renewal the
    /// watch has not delivered yet: the holder is alive, as of now.
    pub(crate) fn refused(&self, tenant: &str, holder: &str, revision: u64, now: Timestamp) {
        self.view.lock().refused(tenant, holder, revision, now);
    }
}

impl View {
    /// See [`LeaseWatch::seen`].
    fn seen(&mut self, key: &str, revision: u64, holder: Option<&str>, at: Timestamp) {
        let seen = match holder {
            Some(holder) => Seen::Held {
                holder: holder.to_string(),
                at,
                revision,
            },
            None => Seen::Released { at },
        };
        self.leases.insert(key.to_string(), seen);
    }

    /// See [`LeaseWatch::refused`].
    fn refused(&mut self, tenant: &str, holder: &str, revision: u64, now: Timestamp) {
        let known = matches!(
            self.leases.get(tenant),
            Some(Seen::Held { holder: h, revision: r, .. }) if h == holder && *r == revision
        );
        if !known {
            let holder = holder.to_string();
            let seen = Seen::Held {
                holder,
                at: now,
                revision,
            };
            self.leases.insert(tenant.to_string(), seen);
        }
    }
}

/// The rules of [`LeaseWatch::verdict`] (see the module docs): what was
/// `seen` of one lease, when the watch was `started`, for `node` with a
/// `lease` length.
fn verdict(
    seen: Option<&Seen>,
    started: Timestamp,
    now: Timestamp,
    node: &str,
    lease: Duration,
    preferred: bool,
) -> Verdict {
    let lease = TimeSpan::from_std(lease);
    let stale = |at: Timestamp| now.since(at) > lease;
    let try_it = match seen {
        Some(Seen::Released { .. }) => true,
        Some(Seen::Held { holder, .. }) if holder == node => true,
        Some(Seen::Held { at, revision, .. }) if stale(*at) => return Verdict::Break(*revision),
        Some(Seen::Held { .. }) => false,
        None => preferred || stale(started),
    };
    if try_it {
        Verdict::Try
    } else {
        Verdict::Wait
    }
}

impl Drop for LeaseWatch {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: Duration = Duration::from_millis(1000);
    const LEASE_SPAN: TimeSpan = TimeSpan::from_millis(1000);

    fn held(holder: &str, at: Timestamp, revision: u64) -> Seen {
        Seen::Held {
            holder: holder.to_string(),
            at,
            revision,
        }
    }

    /// The verdict for node `a` with a one-second lease.
    fn of(seen: Option<&Seen>, started: Timestamp, now: Timestamp, preferred: bool) -> Verdict {
        verdict(seen, started, now, "a", LEASE, preferred)
    }

    #[test]
    fn verdict_follows_the_rules() {
        let t0 = Timestamp::from_millis(5_000);
        let started = t0;
        let soon = t0 + TimeSpan::from_millis(500);
        let later = t0 + TimeSpan::from_millis(2_000);
        let millis = TimeSpan::from_millis(1);
        for preferred in [false, true] {
            // Released by a handover: at once, even right after being seen.
            let released = Seen::Released { at: soon };
            assert_eq!(of(Some(&released), started, soon, preferred), Verdict::Try);
            // Held under this node's own name (a restart): at once.
            let own = held("a", soon, 3);
            assert_eq!(of(Some(&own), started, soon, preferred), Verdict::Try);
            // Held by another, renewed within the lease: wait.
            let other = held("b", soon, 7);
            assert_eq!(of(Some(&other), started, soon, preferred), Verdict::Wait);
            assert_eq!(
                of(Some(&other), started, soon + LEASE_SPAN, preferred),
                Verdict::Wait,
                "exactly a lease since the last renewal is not yet stale"
            );
            // Not renewed for more than a lease: take it, breaking the key
            // at the revision last seen.
            assert_eq!(
                of(Some(&other), started, soon + LEASE_SPAN + millis, preferred),
                Verdict::Break(7)
            );
            // A renewal seen "after" now (clocks read in another order) is
            // fresh.
            assert_eq!(of(Some(&other), started, t0, preferred), Verdict::Wait);
        }
        // Never seen: a preferred tenant at once, another after a lease of
        // watching.
        assert_eq!(of(None, started, t0, true), Verdict::Try);
        assert_eq!(of(None, started, soon, false), Verdict::Wait);
        assert_eq!(of(None, started, t0 + LEASE_SPAN, false), Verdict::Wait);
        assert_eq!(
            of(None, started, t0 + LEASE_SPAN + millis, false),
            Verdict::Try
        );
        assert_eq!(of(None, started, later, false), Verdict::Try);
    }

    #[test]
    fn a_refusal_by_the_holder_seen_keeps_the_earlier_time() {
        let t0 = Timestamp::from_millis(5_000);
        let mut view = View {
            leases: HashMap::new(),
            started: t0,
        };
        // Unseen: the refusal is the first sign of the holder.
        view.refused("t1", "b", 4, t0);
        assert_eq!(view.leases["t1"], held("b", t0, 4));
        // The same holder at the same revision: what was seen first stays,
        // so the lease goes stale on time.
        let then = t0 + LEASE_SPAN;
        view.refused("t1", "b", 4, then);
        assert_eq!(view.leases["t1"], held("b", t0, 4));
        let stale = t0 + LEASE_SPAN + TimeSpan::from_millis(1);
        assert_eq!(
            verdict(
                view.leases.get("t1"),
                view.started,
                stale,
                "a",
                LEASE,
                false
            ),
            Verdict::Break(4)
        );
        // A newer revision: the holder renewed; alive as of the refusal.
        view.refused("t1", "b", 9, then);
        assert_eq!(view.leases["t1"], held("b", then, 9));
        // Another holder (or a released lease): seen as of the refusal.
        view.refused("t1", "c", 11, then);
        assert_eq!(view.leases["t1"], held("c", then, 11));
        view.leases
            .insert("t2".to_string(), Seen::Released { at: t0 });
        view.refused("t2", "b", 12, then);
        assert_eq!(view.leases["t2"], held("b", then, 12));
        assert_eq!(
            verdict(view.leases.get("t2"), view.started, stale, "a", LEASE, true),
            Verdict::Wait
        );
    }
}
