//! The scenario's routing plan and the workload rules set per agent group
//! and team (the rules that are engine settings, such as wrap-up,
//! no-answer reassignment, affinity windows and the tenant's cap, live in
//! the scenario's `engine.workload`). Every field is optional: a scenario
//! without them runs exactly as before they existed.

use super::error::ScenarioError;
use crate::engine::RateLimit;
use crate::model::Channel;
use crate::plan::Plan;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::path::Path;

/// The most teams a scenario may declare (the engine's own bound is far
/// above; a simulated day needs a handful).
pub const MAX_SCENARIO_TEAMS: usize = 64;

/// A scenario's routing plan: written inline, or the path of a plan file
/// (relative to the scenario file when read with
/// [`Scenario::from_file`](super::Scenario::from_file), else to the
/// working directory).
#[derive(Clone, Debug, PartialEq)]
pub enum ScenarioPlan {
    /// The path of a plan document (JSON).
    Path(String),
    /// The plan itself.
    Inline(Box<Plan>),
}

impl Serialize for ScenarioPlan {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ScenarioPlan::Path(p) => s.serialize_str(p),
            ScenarioPlan::Inline(plan) => plan.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for ScenarioPlan {
    /// A string is a path; anything else must be a plan document, and its
    /// own error (with the plan's field) is kept.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        match value {
            serde_json::Value::String(path) => Ok(ScenarioPlan::Path(path)),
            other => Plan::deserialize(other)
                .map(|p| ScenarioPlan::Inline(Box::new(p)))
                .map_err(serde::de::Error::custom),
        }
    }
}

impl ScenarioPlan {
    /// Reads a path relative to `base` (a scenario file's directory) and
    /// keeps the plan inline; an inline plan is returned as is.
    pub fn load(&self, base: Option<&Path>) -> Result<Plan, ScenarioError> {
        let path = match self {
            ScenarioPlan::Inline(plan) => return Ok((**plan).clone()),
            ScenarioPlan::Path(p) => match base {
                Some(dir) if Path::new(p).is_relative() => dir.join(p),
                _ => Path::new(p).to_path_buf(),
            },
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ScenarioError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Plan::from_json(&text).map_err(|e| ScenarioError::Plan {
            detail: format!("{}: {e}", path.display()),
        })
    }
}

/// Workload rules the scenario sets on its agents through commands:
/// teams, per-channel caps, rate limits and pulling.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentRules {
    /// Teams of agent groups, each with a cap on its members' live
    /// conversations and a default rate limit.
    pub teams: Vec<TeamRule>,
    /// Rules per agent group.
    pub groups: Vec<GroupRule>,
}

impl AgentRules {
    /// Whether no rule is set (the scenario then runs as before).
    pub fn is_empty(&self) -> bool {
        self.teams.is_empty() && self.groups.is_empty()
    }
}

/// A team made of whole agent groups.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamRule {
    /// The team's name.
    pub name: String,
    /// The agent groups (by name) whose agents are its members; a group
    /// belongs to at most one team.
    pub groups: Vec<String>,
    /// Cap on the members' live conversations together.
    #[serde(default)]
    pub max_live: Option<u32>,
    /// The members' default assignment rate limit.
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
}

/// Rules for every agent of one group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRule {
    /// The agent group's name.
    pub group: String,
    /// A cap per channel on each agent's live conversations of it.
    #[serde(default)]
    pub channel_caps: BTreeMap<Channel, u32>,
    /// Each agent's own assignment rate limit (over their team's).
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// Agents who pull their next conversation when they have nothing to
    /// answer, up to this many full conversations (above their cap; `None`:
    /// they do not pull).
    #[serde(default)]
    pub pull_up_to: Option<u32>,
    /// Each agent's own weight per channel, in milli-units (`1..=100000`),
    /// in place of the channel's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub channel_weights: BTreeMap<Channel, u32>,
}

/// The agent behaviour "assignment left unanswered for a while": a share
/// of the assignments of a conversation not yet answered are left alone
/// for a while (the agent overlooks it and works their other threads), so
/// the engine's no-answer reassignment, if set, has something to do.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unanswered {
    /// Share of such assignments left unanswered, `0..=1`.
    pub share: f64,
    /// Median time such an assignment stays overlooked, minutes
    /// (log-normal).
    pub minutes_median: f64,
}

impl super::Scenario {
    /// Checks the plan (when inline), the agent rules and the unanswered
    /// behaviour; every error names its field.
    pub(super) fn validate_rules(&self) -> Result<(), ScenarioError> {
        use super::validate::{positive, share};
        if let Some(ScenarioPlan::Inline(plan)) = &self.plan {
            let plan = self.number_skills((**plan).clone())?;
            let errors: Vec<String> = plan
                .check()
                .iter()
                .filter(|p| p.severity() == crate::plan::Severity::Error)
                .map(|p| p.to_string())
                .collect();
            if !errors.is_empty() {
                return Err(ScenarioError::Plan {
                    detail: errors.join("; "),
                });
            }
        }
        if let Some(u) = &self.unanswered {
            share("unanswered.share", u.share)?;
            positive("unanswered.minutes_median", u.minutes_median)?;
        }
        let r = &self.agent_rules;
        if r.teams.len() > MAX_SCENARIO_TEAMS {
            return Err(ScenarioError::OutOfRange {
                field: "agent_rules.teams".into(),
                value: r.teams.len() as f64,
                expected: "at most 64 teams",
            });
        }
        let mut in_team: Vec<&str> = Vec::new();
        for (i, t) in r.teams.iter().enumerate() {
            for (j, g) in t.groups.iter().enumerate() {
                let field = format!("agent_rules.teams[{i}].groups[{j}]");
                self.group_named(&field, g)?;
                if in_team.contains(&g.as_str()) {
                    return Err(ScenarioError::Empty {
                        field,
                        problem: "names a group already in a team (a group is in at most one team)",
                    });
                }
                in_team.push(g);
            }
            live_cap(format!("agent_rules.teams[{i}].max_live"), t.max_live)?;
            rate(format!("agent_rules.teams[{i}].rate_limit"), t.rate_limit)?;
        }
        for (i, g) in r.groups.iter().enumerate() {
            self.group_named(&format!("agent_rules.groups[{i}].group"), &g.group)?;
            for (channel, &cap) in &g.channel_caps {
                live_cap(
                    format!("agent_rules.groups[{i}].channel_caps.{channel:?}"),
                    Some(cap),
                )?;
            }
            rate(format!("agent_rules.groups[{i}].rate_limit"), g.rate_limit)?;
            for (channel, &weight) in &g.channel_weights {
                super::validate::range(
                    format!("agent_rules.groups[{i}].channel_weights.{channel:?}"),
                    f64::from(weight),
                    1.0,
                    f64::from(crate::model::Capacity::MAX_CAP.0),
                    "milli-units in 1..=100000",
                )?;
            }
            if let Some(p) = g.pull_up_to {
                super::validate::range(
                    format!("agent_rules.groups[{i}].pull_up_to"),
                    f64::from(p),
                    1.0,
                    f64::from(crate::model::Capacity::MAX_CAP.0 / crate::model::Capacity::UNIT),
                    "full conversations in 1..=100",
                )?;
            }
        }
        Ok(())
    }

    /// The index of the agent group `name`, or an error naming `field`.
    fn group_named(&self, field: &str, name: &str) -> Result<usize, ScenarioError> {
        self.agents
            .iter()
            .position(|g| g.name == name)
            .ok_or_else(|| ScenarioError::UnknownName {
                field: field.into(),
                name: name.into(),
                known: self.agents.iter().map(|g| g.name.clone()).collect(),
            })
    }

    /// The plan this scenario runs with, skills named by the scenario
    /// filled in (a plan may name the scenario's skills without numbering
    /// them: the simulator numbers skills itself), or `None`.
    pub fn plan_for_run(&self) -> Result<Option<Plan>, ScenarioError> {
        let Some(source) = &self.plan else {
            return Ok(None);
        };
        self.number_skills(source.load(None)?).map(Some)
    }

    /// `plan` with the scenario's skill names it leaves unnumbered added
    /// under the scenario's numbers; a name numbered otherwise is an error.
    fn number_skills(&self, mut plan: Plan) -> Result<Plan, ScenarioError> {
        for (id, name) in self.skill_names().iter().enumerate() {
            let id = id as u32;
            match plan.skills.get(*name) {
                Some(&given) if given != id => {
                    return Err(ScenarioError::Plan {
                        detail: format!(
                            "skill `{name}` is number {given} in the plan but {id} in the scenario \
                             (the scenario numbers skills in the order agent groups name them; \
                             leave it out of the plan's `skills`)"
                        ),
                    })
                }
                Some(_) => {}
                None => {
                    plan.skills.insert((*name).to_string(), id);
                }
            }
        }
        Ok(plan)
    }
}

fn live_cap(field: String, cap: Option<u32>) -> Result<(), ScenarioError> {
    let max = crate::engine::MAX_LIVE_CAP;
    match cap {
        Some(c) if c > max => Err(ScenarioError::OutOfRange {
            field,
            value: f64::from(c),
            expected: "a cap on live conversations of at most 10000000",
        }),
        _ => Ok(()),
    }
}

fn rate(field: String, limit: Option<RateLimit>) -> Result<(), ScenarioError> {
    match limit {
        Some(l) if !l.valid() => Err(ScenarioError::OutOfRange {
            field,
            value: f64::from(l.max),
            expected: "max in 1..=10000 and a window of 1 ms up to the engine's longest setting",
        }),
        _ => Ok(()),
    }
}
