//! Time passing: timers that come due fire in order (a warning before the
//! breach it announces), each checked against its conversation's current
//! generation so stale timers do nothing.

use super::record::State;
use super::registry::PERSONAL_KNOWN;
use super::routing::Ctx;
use super::timers::{Timer, TimerKind};
use super::{Decision, RequeueReason, StickyMissReason};
use crate::model::AgentStatus;

impl Ctx<'_> {
    pub(super) fn tick(&mut self) {
        for timer in self.e.timers.take_due(self.at) {
            self.fire(timer);
            // Hand over what the timer freed before the next one fires, so
            // the order of decisions does not depend on how timers batch.
            self.drain();
        }
    }

    fn fire(&mut self, timer: Timer) {
        let e = self.e;
        let Some(mut record) = e.conversations.get_mut(&timer.conversation) else {
            return;
        };
        match timer.kind {
            TimerKind::SlaWarning | TimerKind::SlaBreach => {
                let Some(deadline) = record.response_deadline(&e.config) else {
                    return;
                };
                if timer.generation != record.sla_gen {
                    return;
                }
                let agent = match record.state {
                    State::Offered { agent, .. } | State::Assigned { agent } => {
                        Some(self.reg.id(agent))
                    }
                    _ => None,
                };
                let conversation = record.id;
                if timer.kind == TimerKind::SlaWarning {
                    e.stats.warning();
                    self.emit(Decision::SlaWarning {
                        conversation,
                        agent,
                        deadline,
                    });
                } else {
                    e.stats.breach();
                    self.emit(Decision::SlaBreach {
                        conversation,
                        agent,
                        deadline,
                    });
                }
            }
            TimerKind::OfferExpiry => {
                let State::Offered { agent, .. } = record.state else {
                    return;
                };
                if timer.generation != record.ticket {
                    return;
                }
                self.requeue_offer(&mut record, agent, RequeueReason::OfferTimedOut);
                drop(record);
                if e.config.away_on_missed_offer {
                    let cell = self.reg.agent(agent);
                    let inner = cell.inner.lock();
                    if cell.status() == AgentStatus::Online {
                        cell.set_status(AgentStatus::Away);
                        drop(inner);
                        self.emit(Decision::AgentStatusChanged {
                            agent: cell.id,
                            status: AgentStatus::Away,
                        });
                        self.settle_later(agent);
                    }
                }
            }
            TimerKind::StickyWait => {
                let State::Queued {
                    for_agent: Some(agent),
                } = record.state
                else {
                    return;
                };
                if timer.generation != record.ticket {
                    return;
                }
                let still_known = self
                    .reg
                    .agent(agent)
                    .inner
                    .lock()
                    .personal
                    .get(&record.id)
                    .is_some_and(|(_, k)| k.0.class == PERSONAL_KNOWN);
                if !still_known {
                    return;
                }
                self.detach(&mut record);
                self.sticky_miss(&mut record, StickyMissReason::WaitTimedOut);
                self.enqueue_group(&mut record, None);
            }
            TimerKind::AutoPark => {
                let State::Assigned { agent } = record.state else {
                    return;
                };
                if timer.generation != record.park_gen || record.awaiting_reply {
                    return;
                }
                self.park_record(&mut record, agent, true);
            }
        }
    }
}
