//! The wallboard's last hour: per tenant, a ring of [`HISTORY_MINUTES`]
//! per-minute samples of the work waiting and the service level, kept by
//! the service beside the engine, never on its hot path.
//!
//! Two feeds fill it. The tenant's hub pump hands it every
//! `first_response` decision as it passes ([`History::observe`]): the
//! minute's service level is the share of its first responses that came
//! within the tenant's first-response target (the engine-wide target; a
//! plan queue's own target is not applied here). A sampler task
//! ([`spawn_sampler`]) reads the waiting count every
//! [`SAMPLE_EVERY`] of real time, one short query on the tenant's shard,
//! and keeps the minute's latest reading. Minutes are the tenant clock's
//! (`now / 60,000`), so the simulated tenant's chart runs at its speed; a
//! minute nobody sampled is missing from the ring, not zero.

use super::app::{lock, Tenant};
use super::error::{ApiError, Refusals};
use super::App;
use crate::model::{TimeSpan, Timestamp};
use crate::runtime::StreamItem;
use crate::Decision;
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::{Mutex, Weak};
use std::time::Duration;
use utoipa::ToSchema;

/// Minutes the ring keeps: the last hour.
pub const HISTORY_MINUTES: usize = 60;
/// How often the sampler reads a tenant's waiting work (real time).
pub const SAMPLE_EVERY: Duration = Duration::from_secs(1);
const MINUTE_MS: u64 = 60_000;

/// One minute of a tenant's last hour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct MinuteSample {
    /// When the minute began (tenant clock, Unix ms).
    pub minute: u64,
    /// Conversations waiting for an agent at the minute's latest reading
    /// (each once, in its own queue under a plan); `None` if the sampler
    /// read none in that minute.
    pub waiting: Option<u32>,
    /// First responses in the minute.
    pub answered: u32,
    /// Of those, within the first-response target.
    pub answered_in_target: u32,
    /// `answered_in_target / answered`, `None` without a first response.
    pub service_level: Option<f64>,
}

/// A tenant's last hour (see the module doc).
#[derive(Debug)]
pub struct History {
    target: TimeSpan,
    ring: Mutex<VecDeque<MinuteSample>>,
}

impl History {
    /// An empty hour, judging first responses against `target`.
    pub fn new(target: TimeSpan) -> Self {
        Self {
            target,
            ring: Mutex::new(VecDeque::with_capacity(HISTORY_MINUTES)),
        }
    }

    /// The first-response target the service level is judged against.
    pub fn target(&self) -> TimeSpan {
        self.target
    }

    /// Runs `f` on the sample of the minute holding `at`, adding it when
    /// it is newer than every kept minute (and dropping the oldest past
    /// [`HISTORY_MINUTES`]); a minute older than the ring's, or one
    /// skipped and now behind a newer one, is not written.
    fn at(&self, at: Timestamp, f: impl FnOnce(&mut MinuteSample)) {
        let minute = at.0 - at.0 % MINUTE_MS;
        let mut ring = lock(&self.ring);
        if ring.back().is_none_or(|last| last.minute < minute) {
            if ring.len() == HISTORY_MINUTES {
                ring.pop_front();
            }
            ring.push_back(MinuteSample {
                minute,
                ..MinuteSample::default()
            });
        }
        assert!(ring.len() <= HISTORY_MINUTES, "the hour is bounded");
        // Bounded by the ring: at most HISTORY_MINUTES samples looked at.
        if let Some(sample) = ring.iter_mut().rev().find(|s| s.minute == minute) {
            f(sample);
        }
    }

    /// Counts a decision the tenant made (only first responses count).
    pub fn observe(&self, item: &StreamItem) {
        if let Decision::FirstResponse { waited, .. } = &item.decision {
            let in_target = *waited <= self.target;
            self.at(item.at, |s| {
                s.answered += 1;
                s.answered_in_target += u32::from(in_target);
                s.service_level = Some(f64::from(s.answered_in_target) / f64::from(s.answered));
            });
        }
    }

    /// Records `waiting` as the latest reading of the minute holding `now`.
    pub fn waiting(&self, now: Timestamp, waiting: u32) {
        self.at(now, |s| s.waiting = Some(waiting));
    }

    /// The kept minutes, oldest first.
    pub fn samples(&self) -> Vec<MinuteSample> {
        lock(&self.ring).iter().copied().collect()
    }
}

/// Conversations waiting now, each once: under a plan by the plan's
/// queues (overflow does not count twice), else by skill group.
fn waiting_now(e: &crate::Engine) -> u32 {
    let queues = e.queue_board();
    if queues.is_empty() {
        e.group_stats().iter().map(|g| g.waiting).sum()
    } else {
        queues.iter().map(|q| q.waiting).sum()
    }
}

/// Starts the sampler of `tenant`: it reads the waiting count every
/// [`SAMPLE_EVERY`], first at once, and ends when the tenant is gone
/// (removed from the service, or its runtime stopped).
pub fn spawn_sampler(tenant: Weak<Tenant>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SAMPLE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(t) = tenant.upgrade() else { return };
            let Ok(waiting) = t.handle.query(&t.id, waiting_now).await else {
                return;
            };
            t.history.waiting(t.clock.now(), waiting);
        }
    });
}

/// A tenant's last hour as the wallboard draws it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryBody {
    /// The tenant's clock now (Unix ms).
    pub now: u64,
    /// The first-response target the service level is judged against (ms).
    pub response_target_ms: u64,
    /// The kept minutes, oldest first, at most [`HISTORY_MINUTES`].
    pub minutes: Vec<MinuteSample>,
}

/// The tenant's last hour, per minute: work waiting and service level
/// (share of the minute's first responses within the target).
#[utoipa::path(get, path = "/api/tenants/{tenant}/history",
    params(("tenant" = String, Path)),
    responses((status = 200, body = HistoryBody), Refusals))]
pub async fn history(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
) -> Result<Json<HistoryBody>, ApiError> {
    let t = app.tenant(&tenant)?;
    Ok(Json(HistoryBody {
        now: t.clock.now().0,
        response_target_ms: t.history.target().0,
        minutes: t.history.samples(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_last_hour_and_drops_older_minutes() {
        let h = History::new(TimeSpan(60_000));
        for m in 0..(HISTORY_MINUTES as u64 + 10) {
            h.waiting(Timestamp(m * MINUTE_MS + 5), m as u32);
        }
        let kept = h.samples();
        assert_eq!(kept.len(), HISTORY_MINUTES);
        assert_eq!(kept[0].minute, 10 * MINUTE_MS);
        assert_eq!(
            kept.last().unwrap().waiting,
            Some(HISTORY_MINUTES as u32 + 9)
        );
        // A reading older than the ring is dropped, not re-added.
        h.waiting(Timestamp(0), 99);
        assert_eq!(h.samples(), kept);
    }

    #[test]
    fn a_minute_keeps_its_latest_reading_and_its_share_of_first_responses_in_target() {
        let h = History::new(TimeSpan(60_000));
        h.waiting(Timestamp(MINUTE_MS), 4);
        h.waiting(Timestamp(MINUTE_MS + 30_000), 2);
        let s = h.samples()[0];
        assert_eq!((s.minute, s.waiting), (MINUTE_MS, Some(2)));
        assert_eq!(s.service_level, None, "no first response yet");
        let response = |waited| StreamItem {
            record: 1,
            index: 0,
            at: Timestamp(MINUTE_MS + 40_000),
            decision: Decision::FirstResponse {
                conversation: crate::ConversationId(1),
                agent: crate::AgentId(1),
                waited: TimeSpan(waited),
            },
        };
        for waited in [10_000, 60_000, 61_000, 5_000] {
            h.observe(&response(waited));
        }
        let s = h.samples()[0];
        assert_eq!((s.answered, s.answered_in_target), (4, 3));
        assert_eq!(s.service_level, Some(0.75));
    }
}
