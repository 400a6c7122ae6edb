//! Routes: each route's condition parsed and checked, and its ladder of
//! steps checked (a first queue at once, steps in order before the time
//! to live, bounded pools, relaxations that widen).

use super::{bounded, Compiler, POOL_NAMES};
use crate::model::{Level, SkillId};
use crate::plan::compiled::{CAction, CQueue, CRoute, CStep};
use crate::plan::condition::{self, Expr};
use crate::plan::document::StepAction;
use crate::plan::limits::*;
use crate::plan::problem::PlanProblem;
use crate::plan::shadow;
use std::collections::{BTreeMap, HashMap};

impl Compiler<'_> {
    fn condition(
        &mut self,
        route: &str,
        field: impl Fn() -> String,
        text: &str,
        pool: bool,
    ) -> Option<Expr> {
        if text.len() > MAX_CONDITION {
            self.problems.push(PlanProblem::TooMany {
                field: field(),
                what: "bytes".to_owned(),
                count: text.len(),
                max: MAX_CONDITION,
            });
            return None;
        }
        let column = |offset: usize| text[..offset.min(text.len())].chars().count() + 1;
        match condition::parse(text) {
            Ok(expr) => {
                if pool {
                    for var in expr.vars() {
                        if !POOL_NAMES.contains(&var.name.as_str()) {
                            self.problems.push(PlanProblem::Condition {
                                route: route.to_owned(),
                                field: field(),
                                column: column(var.offset),
                                message: format!(
                                    "unknown name {:?}: skip_if reads online, with_room or waiting",
                                    var.name
                                ),
                            });
                        }
                    }
                }
                Some(expr)
            }
            Err(e) => {
                self.problems.push(PlanProblem::Condition {
                    route: route.to_owned(),
                    field: field(),
                    column: column(e.offset),
                    message: e.message,
                });
                None
            }
        }
    }

    pub(super) fn routes(&mut self, queues: &[CQueue]) -> Vec<CRoute> {
        let plan = self.plan;
        let routes = bounded(
            &mut self.problems,
            &plan.routes,
            MAX_ROUTES,
            || "routes".to_owned(),
            "routes",
        );
        let by_name: HashMap<&str, u16> = queues
            .iter()
            .enumerate()
            .map(|(i, q)| (q.name.as_str(), i as u16))
            .collect();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut out = Vec::with_capacity(routes.len());
        for (i, r) in routes.iter().enumerate() {
            self.name(&r.name, || format!("routes[{i}].name"));
            if seen.insert(&r.name, i).is_some() {
                self.problems.push(PlanProblem::DuplicateName {
                    field: format!("routes[{i}].name"),
                    name: r.name.clone(),
                });
            }
            let when = r
                .when
                .as_deref()
                .and_then(|w| self.condition(&r.name, || format!("routes[{i}].when"), w, false));
            let steps = bounded(
                &mut self.problems,
                &r.steps,
                MAX_STEPS,
                || format!("routes[{i}].steps"),
                "steps",
            );
            let mut compiled = Vec::with_capacity(steps.len());
            for (j, s) in steps.iter().enumerate() {
                self.wait(s.after_ms, || format!("routes[{i}].steps[{j}].after_ms"));
                let skip_if = s.skip_if.as_deref().and_then(|t| {
                    self.condition(
                        &r.name,
                        || format!("routes[{i}].steps[{j}].skip_if"),
                        t,
                        true,
                    )
                });
                let actions = bounded(
                    &mut self.problems,
                    &s.actions,
                    MAX_ACTIONS,
                    || format!("routes[{i}].steps[{j}].actions"),
                    "actions",
                );
                let mut acts = Vec::with_capacity(actions.len());
                for (k, a) in actions.iter().enumerate() {
                    let field = || format!("routes[{i}].steps[{j}].actions[{k}]");
                    let queue = |cx: &mut Self, q: &str| {
                        let found = by_name.get(q).copied();
                        if found.is_none() {
                            cx.problems.push(PlanProblem::UnknownQueue {
                                route: r.name.clone(),
                                field: format!("{}.queue", field()),
                                queue: q.to_owned(),
                            });
                        }
                        found
                    };
                    let act = match a {
                        StepAction::EnterQueue { queue: q } => queue(self, q).map(CAction::Enter),
                        StepAction::AddQueue { queue: q } => queue(self, q).map(CAction::Add),
                        StepAction::DropSkill { skill } => self
                            .skill(skill, || format!("{}.skill", field()))
                            .map(CAction::Drop),
                        StepAction::LowerSkill { skill, min_level } => {
                            let s = self.skill(skill, || format!("{}.skill", field()));
                            let l = self.level(*min_level, || format!("{}.min_level", field()));
                            s.zip(l).map(|(s, l)| CAction::Lower(s, l))
                        }
                        StepAction::RaisePriority { to } => Some(CAction::Raise(*to)),
                    };
                    acts.extend(act);
                }
                compiled.push(CStep {
                    after_ms: s.after_ms,
                    skip_if,
                    actions: acts,
                });
            }
            let ttl = r.ttl.map(|t| {
                self.wait(t.after_ms, || format!("routes[{i}].ttl.after_ms"));
                (t.after_ms, t.action)
            });
            let route = CRoute {
                name: r.name.clone(),
                when,
                steps: compiled,
                ttl,
            };
            self.ladder(&route, i, queues);
            out.push(route);
        }
        if !routes.iter().any(|r| r.when.is_none()) {
            self.problems.push(PlanProblem::NoDefaultRoute);
        }
        self.problems.extend(shadow::shadowed(routes, &out));
        out
    }

    /// Checks a route's ladder: a first queue at once, steps in order
    /// before the time to live, bounded pools, relaxations that widen.
    fn ladder(&mut self, route: &CRoute, index: usize, queues: &[CQueue]) {
        let name = &route.name;
        let enters_at_once = route.steps.first().is_some_and(|s| {
            s.after_ms == 0
                && s.skip_if.is_none()
                && s.actions.iter().any(|a| matches!(a, CAction::Enter(_)))
        });
        if !enters_at_once {
            self.problems.push(PlanProblem::NoFirstQueue {
                route: name.clone(),
            });
        }
        let unreachable = |step: usize, reason: &str| PlanProblem::UnreachableStep {
            route: name.clone(),
            step,
            reason: reason.to_owned(),
        };
        let mut active: Vec<u16> = Vec::new();
        // Soft skills relaxed so far: `None` dropped, `Some` lowered to.
        let mut relaxed: BTreeMap<SkillId, Option<Level>> = BTreeMap::new();
        let mut previous: Option<u64> = None;
        for (j, step) in route.steps.iter().enumerate() {
            if previous.is_some_and(|p| step.after_ms <= p) {
                self.problems
                    .push(unreachable(j, "after_ms is not above the previous step's"));
            }
            if let Some((ttl, _)) = route.ttl.filter(|&(ttl, _)| step.after_ms >= ttl) {
                self.problems.push(unreachable(
                    j,
                    &format!("after_ms is not below the time to live ({ttl} ms)"),
                ));
            }
            if step.skip_if.as_ref().and_then(Expr::constant) == Some(true) {
                self.problems.push(unreachable(j, "skip_if always holds"));
            }
            previous = Some(step.after_ms);
            for action in &step.actions {
                match *action {
                    CAction::Enter(q) => active = vec![q],
                    CAction::Add(q) => {
                        if !active.contains(&q) {
                            active.push(q);
                        }
                        if active.len() > MAX_ACTIVE_QUEUES {
                            self.problems.push(PlanProblem::TooMany {
                                field: format!("routes[{index}].steps[{j}]"),
                                what: "queues waited in at once".to_owned(),
                                count: active.len(),
                                max: MAX_ACTIVE_QUEUES,
                            });
                            active.truncate(MAX_ACTIVE_QUEUES);
                        }
                    }
                    CAction::Drop(skill) | CAction::Lower(skill, _) => {
                        let target = match *action {
                            CAction::Lower(_, l) => Some(l),
                            _ => None,
                        };
                        if let Some(reason) = narrowing(queues, &active, &relaxed, skill, target) {
                            let skill_name = self
                                .plan
                                .skills
                                .iter()
                                .find(|(_, &id)| id == skill.0)
                                .map_or_else(|| skill.to_string(), |(n, _)| n.clone());
                            self.problems.push(PlanProblem::NarrowingRelaxation {
                                route: name.clone(),
                                step: j,
                                skill: skill_name,
                                reason,
                            });
                        } else {
                            relaxed.insert(skill, target);
                        }
                    }
                    CAction::Raise(_) => {}
                }
            }
        }
    }
}

/// Why relaxing `skill` to `target` (`None`: dropping it) would not widen
/// the pool of `active` queues, or `None` when it does.
fn narrowing(
    queues: &[CQueue],
    active: &[u16],
    relaxed: &BTreeMap<SkillId, Option<Level>>,
    skill: SkillId,
    target: Option<Level>,
) -> Option<String> {
    let active: Vec<&CQueue> = active
        .iter()
        .filter_map(|&q| queues.get(usize::from(q)))
        .collect();
    if active.iter().any(|q| q.is_hard(skill)) {
        return Some("it is a hard requirement, never relaxed".to_owned());
    }
    // The level required now: the highest among the queues that still
    // require it softly.
    let current = active
        .iter()
        .filter_map(|q| q.soft_level(skill))
        .map(|declared| match relaxed.get(&skill) {
            Some(Some(lowered)) => declared.min(*lowered),
            Some(None) => Level::MIN,
            None => declared,
        })
        .max();
    let dropped = relaxed.get(&skill) == Some(&None);
    match (current, target) {
        (None, _) => Some("no queue it waits in requires it softly".to_owned()),
        (Some(_), _) if dropped => Some("it was dropped already".to_owned()),
        (Some(now), Some(to)) if to >= now => Some(format!(
            "level {} is not below the level required now ({})",
            to.get(),
            now.get()
        )),
        _ => None,
    }
}
