//! Queues, calendars and opening hours: each queue's bounds, skills,
//! aging and calendar checked, and the hours that move work between
//! queues resolved.

use super::{bounded, Compiler};
use crate::model::{AgentId, SkillId};
use crate::plan::compiled::CQueue;
use crate::plan::limits::*;
use crate::plan::problem::PlanProblem;
use std::collections::HashMap;

impl Compiler<'_> {
    pub(super) fn queues(&mut self) -> Vec<CQueue> {
        let plan = self.plan;
        if plan.skills.len() > MAX_SKILLS {
            self.problems.push(PlanProblem::TooMany {
                field: "skills".to_owned(),
                what: "skills".to_owned(),
                count: plan.skills.len(),
                max: MAX_SKILLS,
            });
        }
        for name in plan.skills.keys().take(MAX_SKILLS) {
            self.name(name, || format!("skills.{name}"));
        }
        let queues = bounded(
            &mut self.problems,
            &plan.queues,
            MAX_QUEUES,
            || "queues".to_owned(),
            "queues",
        );
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut out = Vec::with_capacity(queues.len());
        for (i, q) in queues.iter().enumerate() {
            self.name(&q.name, || format!("queues[{i}].name"));
            if seen.insert(&q.name, i).is_some() {
                self.problems.push(PlanProblem::DuplicateName {
                    field: format!("queues[{i}].name"),
                    name: q.name.clone(),
                });
            }
            let total = q.hard.len() + q.soft.len();
            if total > MAX_QUEUE_SKILLS {
                self.problems.push(PlanProblem::TooMany {
                    field: format!("queues[{i}]"),
                    what: "skill requirements".to_owned(),
                    count: total,
                    max: MAX_QUEUE_SKILLS,
                });
            }
            let hard_in = &q.hard[..q.hard.len().min(MAX_QUEUE_SKILLS)];
            let soft_in = &q.soft[..q.soft.len().min(MAX_QUEUE_SKILLS)];
            let mut hard = self.needs(hard_in, &format!("queues[{i}].hard"));
            let mut soft = self.needs(soft_in, &format!("queues[{i}].soft"));
            hard.sort_unstable();
            soft.sort_unstable();
            let mut all: Vec<SkillId> = hard.iter().chain(&soft).map(|r| r.skill).collect();
            all.sort_unstable();
            if let Some(pair) = all.windows(2).find(|p| p[0] == p[1]) {
                let name = plan
                    .skills
                    .iter()
                    .find(|(_, &id)| id == pair[0].0)
                    .map_or_else(|| pair[0].to_string(), |(n, _)| n.clone());
                self.problems.push(PlanProblem::DuplicateName {
                    field: format!("queues[{i}]"),
                    name,
                });
            }
            let members = q.members.as_ref().map(|m| {
                let kept = bounded(
                    &mut self.problems,
                    m,
                    MAX_MEMBERS,
                    || format!("queues[{i}].members"),
                    "members",
                );
                let mut ids: Vec<AgentId> = kept.iter().map(|&a| AgentId(a)).collect();
                ids.sort_unstable();
                ids.dedup();
                ids
            });
            self.aging(q.aging, i);
            if let Some(value) = q.max_live.filter(|&v| v > MAX_QUEUE_LIVE) {
                self.problems.push(PlanProblem::LiveCapTooLarge {
                    field: format!("queues[{i}].max_live"),
                    value,
                    max: MAX_QUEUE_LIVE,
                });
            }
            if let Some(ms) = q.response_target_ms {
                self.wait(ms, || format!("queues[{i}].response_target_ms"));
            }
            out.push(CQueue {
                name: q.name.clone(),
                hard,
                soft,
                members,
                response_target_ms: q.response_target_ms,
                aging: q.aging,
                calendar: None,
                on_close: crate::plan::compiled::COnClose::Keep,
                max_live: q.max_live,
                no_answer_to: None,
            });
        }
        out
    }

    /// The calendars, each checked and compiled (see `plan/calendar/`).
    pub(super) fn calendars(&mut self) -> Vec<crate::plan::calendar::CCalendar> {
        let defs = bounded(
            &mut self.problems,
            &self.plan.calendars,
            MAX_CALENDARS,
            || "calendars".to_owned(),
            "calendars",
        );
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut out = Vec::with_capacity(defs.len());
        for (i, def) in defs.iter().enumerate() {
            self.name(&def.name, || format!("calendars[{i}].name"));
            if seen.insert(&def.name, i).is_some() {
                self.problems.push(PlanProblem::DuplicateName {
                    field: format!("calendars[{i}].name"),
                    name: def.name.clone(),
                });
            }
            match crate::plan::calendar::compile(def) {
                Ok(c) => out.push(c),
                Err(problems) => {
                    for (field, message) in problems {
                        self.problems.push(PlanProblem::Hours {
                            field: format!("calendars[{i}].{field}"),
                            message,
                        });
                    }
                }
            }
        }
        out
    }

    /// The index of the queue named `name`, or an `UnknownQueue` problem.
    fn queue_named(&mut self, name: &str, field: impl FnOnce() -> String) -> Option<u16> {
        let found = (self.plan.queues.iter().take(MAX_QUEUES)).position(|d| d.name == name);
        if found.is_none() {
            self.problems.push(PlanProblem::UnknownQueue {
                route: String::new(),
                field: field(),
                queue: name.to_owned(),
            });
        }
        found.map(|q| q as u16)
    }

    /// Resolves each queue's calendar, closing rule and no-answer queue.
    pub(super) fn hours(&mut self, queues: &mut [CQueue]) {
        use crate::plan::calendar::OnClose;
        use crate::plan::compiled::COnClose;
        let plan = self.plan;
        for (i, (q, def)) in queues.iter_mut().zip(&plan.queues).enumerate() {
            if let Some(name) = &def.calendar {
                q.calendar = plan
                    .calendars
                    .iter()
                    .take(MAX_CALENDARS)
                    .position(|c| &c.name == name)
                    .map(|c| c as u16);
                if q.calendar.is_none() {
                    self.problems.push(PlanProblem::UnknownCalendar {
                        field: format!("queues[{i}].calendar"),
                        calendar: name.clone(),
                    });
                }
            }
            if let Some(name) = &def.no_answer_queue {
                q.no_answer_to = self.queue_named(name, || format!("queues[{i}].no_answer_queue"));
            }
            q.on_close = match &def.on_close {
                OnClose::KeepWaiting => COnClose::Keep,
                OnClose::ToBot => COnClose::Bot,
                OnClose::Resolve { reason } => {
                    if reason.len() > MAX_ATTRIBUTE_TEXT {
                        self.problems.push(PlanProblem::TooMany {
                            field: format!("queues[{i}].on_close.reason"),
                            what: "bytes".to_owned(),
                            count: reason.len(),
                            max: MAX_ATTRIBUTE_TEXT,
                        });
                    }
                    COnClose::Resolve
                }
                OnClose::MoveTo { queue } => {
                    let target = plan
                        .queues
                        .iter()
                        .take(MAX_QUEUES)
                        .position(|d| &d.name == queue);
                    match target {
                        Some(t) if t != i => COnClose::Move(t as u16),
                        _ => {
                            self.problems.push(PlanProblem::UnknownQueue {
                                route: String::new(),
                                field: format!("queues[{i}].on_close.queue"),
                                queue: queue.clone(),
                            });
                            COnClose::Keep
                        }
                    }
                }
            };
        }
        for q in queues.iter() {
            if let COnClose::Move(t) = q.on_close {
                let target = &queues[usize::from(t)];
                if q.calendar.is_some() && target.calendar == q.calendar {
                    self.problems.push(PlanProblem::MovesToClosedQueue {
                        queue: q.name.clone(),
                        target: target.name.clone(),
                    });
                }
            }
        }
    }
}
