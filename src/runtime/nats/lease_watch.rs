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
//! * **never seen since the watch started**: when preferred, at once; else
//!   once the watch has been current for a lease length, so a node's
//!   preferred tenants go to that node when the deployment starts.
//!
//! The view is only a hint: the take itself is a `create` the server
//! refuses while the key lives, and every append is fenced by sequence, so
//! a stale or missed message costs a refused request, never two writers.

use super::conn::Conn;
use super::tail::tail;
use async_nats::jetstream::consumer::DeliverPolicy;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What was last seen of one lease.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seen {
    /// Written (taken or renewed) by `holder` at `revision`, seen at `at`.
    Held {
        holder: String,
        at: Instant,
        revision: u64,
    },
    /// Deleted or purged (a handover), seen at `at`.
    Released { at: Instant },
}

#[derive(Debug, Default)]
struct View {
    leases: HashMap<String, Seen>,
    /// When the watch first delivered a message or found the bucket empty.
    started: Option<Instant>,
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
    task: tokio::task::JoinHandle<()>,
    node: String,
    lease: Duration,
}

impl LeaseWatch {
    /// Starts watching `conn`'s lease bucket on `rt`.
    pub(crate) fn start(rt: &tokio::runtime::Handle, conn: &Arc<Conn>) -> Self {
        let view = Arc::new(Mutex::new(View::default()));
        let stream = conn.leases.stream.clone();
        let prefix = conn.leases.prefix.clone();
        let filter = format!("{prefix}>");
        let shared = Arc::clone(&view);
        let task = rt.spawn(async move {
            // An empty bucket delivers nothing: the watch counts as current
            // from the moment its consumer is asked for.
            shared.lock().started.get_or_insert_with(Instant::now);
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
                    let at = Instant::now();
                    let seen = if released {
                        Seen::Released { at }
                    } else {
                        Seen::Held {
                            holder: String::from_utf8_lossy(&m.payload).into_owned(),
                            at,
                            revision,
                        }
                    };
                    shared.lock().leases.insert(key.to_string(), seen);
                },
            )
            .await;
        });
        Self {
            view,
            task,
            node: conn.config.node.clone(),
            lease: conn.config.lease,
        }
    }

    /// Whether to try to take `tenant`'s lease now (`preferred`: this node
    /// should lead it when nobody does).
    pub(crate) fn verdict(&self, tenant: &str, preferred: bool, now: Instant) -> Verdict {
        let view = self.view.lock();
        let Some(started) = view.started else {
            return Verdict::Wait;
        };
        let stale = |at: Instant| now.saturating_duration_since(at) > self.lease;
        let try_it = match view.leases.get(tenant) {
            Some(Seen::Released { .. }) => true,
            Some(Seen::Held { holder, .. }) if *holder == self.node => true,
            Some(Seen::Held { at, revision, .. }) if stale(*at) => {
                return Verdict::Break(*revision)
            }
            Some(Seen::Held { .. }) => false,
            None => preferred || stale(started),
        };
        if try_it {
            Verdict::Try
        } else {
            Verdict::Wait
        }
    }

    /// Notes that a take of `tenant` was refused because `holder` holds it
    /// (the watch may not have delivered that write yet).
    /// A refusal by the holder already seen changes nothing: the key may
    /// simply not have expired on the server yet, and the next step tries
    /// again rather than waiting a whole lease more.
    pub(crate) fn refused(&self, tenant: &str, holder: &str, revision: u64, now: Instant) {
        let mut view = self.view.lock();
        let known = matches!(
            view.leases.get(tenant),
            Some(Seen::Held { holder: h, .. }) if h == holder
        );
        if !known {
            let holder = holder.to_string();
            let seen = Seen::Held {
                holder,
                at: now,
                revision,
            };
            view.leases.insert(tenant.to_string(), seen);
        }
    }
}

impl Drop for LeaseWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}
