//! Loading a plan: every bound, name, level, condition and ladder of the
//! document checked in one pass, every problem collected (not only the
//! first), and the compiled form built when there is no error.

use super::compiled::CompiledPlan;
use super::document::{Plan, PriorityAging, SkillNeed};
use super::limits::*;
use super::problem::{PlanProblem, Severity};
use crate::model::{Level, SkillId, SkillRequirement};

mod queues;
mod routes;

/// The names a step's `skip_if` may read: the live counts of the pool the
/// step targets.
pub(crate) const POOL_NAMES: [&str; 3] = ["online", "with_room", "waiting"];

/// Checks `plan` and compiles it. `Err` holds every problem found (errors
/// and warnings); `Ok` comes with the warnings.
pub(crate) fn compile(plan: &Plan) -> Result<(CompiledPlan, Vec<PlanProblem>), Vec<PlanProblem>> {
    let mut cx = Compiler {
        plan,
        problems: Vec::new(),
    };
    let calendars = cx.calendars();
    let mut queues = cx.queues();
    cx.hours(&mut queues);
    let routes = cx.routes(&queues);
    let profiles = super::profile::compile(&plan.profiles, &queues, &routes, &mut cx.problems);
    let problems = cx.problems;
    if problems.iter().any(|p| p.severity() == Severity::Error) {
        return Err(problems);
    }
    Ok((
        CompiledPlan {
            doc: plan.clone(),
            queues,
            route_index: super::route_index::RouteIndex::build(&routes),
            routes,
            calendars,
            profiles,
        },
        problems,
    ))
}

struct Compiler<'a> {
    plan: &'a Plan,
    problems: Vec<PlanProblem>,
}

/// Bounds a list: reports it and keeps only the first `max` (so the rest
/// of the check stays bounded).
fn bounded<'t, T>(
    problems: &mut Vec<PlanProblem>,
    items: &'t [T],
    max: usize,
    field: impl FnOnce() -> String,
    what: &str,
) -> &'t [T] {
    if items.len() > max {
        problems.push(PlanProblem::TooMany {
            field: field(),
            what: what.to_owned(),
            count: items.len(),
            max,
        });
        &items[..max]
    } else {
        items
    }
}

impl Compiler<'_> {
    fn name(&mut self, name: &str, field: impl FnOnce() -> String) {
        if name.is_empty() || name.len() > MAX_NAME {
            self.problems.push(PlanProblem::BadName { field: field() });
        }
    }

    fn skill(&mut self, name: &str, field: impl FnOnce() -> String) -> Option<SkillId> {
        match self.plan.skills.get(name) {
            Some(&id) => Some(SkillId(id)),
            None => {
                self.problems.push(PlanProblem::UnknownSkill {
                    field: field(),
                    skill: name.to_owned(),
                });
                None
            }
        }
    }

    fn level(&mut self, level: u8, field: impl FnOnce() -> String) -> Option<Level> {
        let checked = Level::new(level).ok();
        if checked.is_none() {
            self.problems.push(PlanProblem::BadLevel {
                field: field(),
                level,
            });
        }
        checked
    }

    /// Checks queue `i`'s priority aging against its bounds.
    fn aging(&mut self, aging: PriorityAging, i: usize) {
        let checks = [
            ("base", aging.base, MAX_AGING_POINTS),
            ("per_minute", aging.per_minute, MAX_AGING_PER_MINUTE),
            ("cap", aging.cap, MAX_AGING_POINTS),
        ];
        for (name, value, max) in checks {
            if value > max {
                self.problems.push(PlanProblem::AgingTooLarge {
                    field: format!("queues[{i}].aging.{name}"),
                    value,
                    max,
                });
            }
        }
        if aging.cap != 0 && aging.cap < aging.base {
            self.problems.push(PlanProblem::AgingCapBelowBase {
                field: format!("queues[{i}].aging.cap"),
                base: aging.base,
                cap: aging.cap,
            });
        }
    }

    fn wait(&mut self, ms: u64, field: impl FnOnce() -> String) {
        if ms > MAX_WAIT_MS {
            self.problems
                .push(PlanProblem::TooLong { field: field(), ms });
        }
    }

    fn needs(&mut self, needs: &[SkillNeed], field: &str) -> Vec<SkillRequirement> {
        let mut out = Vec::with_capacity(needs.len());
        for (j, need) in needs.iter().enumerate() {
            let skill = self.skill(&need.skill, || format!("{field}[{j}].skill"));
            let level = self.level(need.min_level, || format!("{field}[{j}].min_level"));
            if let (Some(skill), Some(min_level)) = (skill, level) {
                out.push(SkillRequirement { skill, min_level });
            }
        }
        out
    }
}
