//! Loading a plan: every bound, name, level, condition and ladder of the
//! document checked in one pass, every problem collected (not only the
//! first), and the compiled form built when there is no error.

use super::compiled::{CAction, CQueue, CRoute, CStep, CompiledPlan};
use super::condition::{self, Expr};
use super::document::{Plan, PriorityAging, SkillNeed, StepAction};
use super::limits::*;
use super::problem::{PlanProblem, Severity};
use super::shadow;
use crate::model::{AgentId, Level, SkillId, SkillRequirement};
use std::collections::{BTreeMap, HashMap};

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

    fn queues(&mut self) -> Vec<CQueue> {
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
                on_close: super::compiled::COnClose::Keep,
                max_live: q.max_live,
                no_answer_to: None,
            });
        }
        out
    }

    /// The calendars, each checked and compiled (see `calendar.rs`).
    fn calendars(&mut self) -> Vec<super::calendar::CCalendar> {
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
            match super::calendar::compile(def) {
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
    fn hours(&mut self, queues: &mut [CQueue]) {
        use super::calendar::OnClose;
        use super::compiled::COnClose;
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

    fn routes(&mut self, queues: &[CQueue]) -> Vec<CRoute> {
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
