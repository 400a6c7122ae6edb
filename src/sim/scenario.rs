//! The scenario: every parameter of a simulated day, as a serde value read
//! from JSON. Unknown fields are refused (a typo must not silently fall back
//! to a default); missing fields take the value of [`Scenario::default`],
//! documented in [`defaults`](super::defaults).
//!
//! [`Scenario::from_json`] parses and [`Scenario::validate`]s in one step;
//! every error names the field (as a JSON path such as `agents[2].cap_max`)
//! and what is wrong with it.

use super::classical::Classical;
use super::error::ScenarioError;
use super::roster::Staffing;
use super::scenario_rules::{AgentRules, ScenarioPlan, Unanswered};
use super::segments::{Segment, Surge};
use crate::engine::EngineConfig;
use crate::model::Channel;
use crate::policy::BuiltinPolicy;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Everything that describes a simulated contact-centre day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// A name for reports.
    pub name: String,
    /// Number of consecutive days simulated (arrival curve and shifts repeat).
    pub days: u32,
    /// The routing policy used by a plain run. In JSON, its name (one of
    /// [`BuiltinPolicy::names`]); another name is
    /// [`ScenarioError::UnknownPolicy`], which lists them.
    pub policy: BuiltinPolicy,
    /// The engine's rules (response target, stickiness, parking, weights).
    pub engine: EngineConfig,
    /// When conversations arrive.
    pub arrivals: Arrivals,
    /// Who the customers are.
    pub customers: Customers,
    /// How a conversation unfolds on the customer's side.
    pub conversations: Conversations,
    /// The automation tier in front of the agents.
    pub bot: Bot,
    /// Channel mix of new conversations.
    pub channels: Vec<ChannelShare>,
    /// What customers write about; each topic may require a skill.
    pub topics: Vec<Topic>,
    /// Languages customers write in; each may require a skill.
    pub languages: Vec<Language>,
    /// The agents, in groups of alike agents.
    pub agents: Vec<AgentGroup>,
    /// Customer segments, each with its own arrival curve (empty: one
    /// segment described by `arrivals` and `customers`, as before).
    pub segments: Vec<Segment>,
    /// Time windows in which arrivals of one segment (or all) are
    /// multiplied.
    pub surges: Vec<Surge>,
    /// The classical queueing model (Poisson arrivals per interval,
    /// single-turn service, no bot, no returns); `None`: the messaging day.
    pub classical: Option<Classical>,
    /// Agents on duty per interval, instead of the groups' shifts; `None`:
    /// the shifts.
    pub staffing: Option<Staffing>,
    /// The routing plan (inline or a path, see [`ScenarioPlan`]); with one,
    /// conversations carry attributes (`topic`, `language`, `tier`,
    /// `channel`, `priority`, `returning`) for its routes to match.
    /// `None`: routed by skills alone, as before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<ScenarioPlan>,
    /// Workload rules set on agent groups and teams (teams, per-channel
    /// caps, rate limits, pulling); the engine-wide ones (wrap-up,
    /// no-answer reassignment, affinity windows, the tenant's cap) are in
    /// `engine.workload`.
    #[serde(skip_serializing_if = "AgentRules::is_empty")]
    pub agent_rules: AgentRules,
    /// Agents who sometimes leave a new assignment unanswered for a while
    /// (`None`: they never do).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unanswered: Option<Unanswered>,
}

/// Arrivals: a non-homogeneous Poisson process whose rate follows a daily
/// curve.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Arrivals {
    /// Expected conversations per day, returning customers included.
    pub conversations_per_day: f64,
    /// The daily shape: points `(hour, weight)` joined by straight lines;
    /// only the relative weights matter. Hours in `0..=24`, increasing.
    pub curve: Vec<CurvePoint>,
}

/// One point of the daily arrival curve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurvePoint {
    /// Hour of the day, `0.0..=24.0`.
    pub hour: f64,
    /// Relative arrival rate at that hour, `>= 0`.
    pub weight: f64,
}

/// The customer population.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Customers {
    /// Share of conversations after which the customer comes back with a new
    /// conversation (which exercises sticky routing), `0..1`.
    pub return_share: f64,
    /// Median delay before a customer comes back, in hours (log-normal).
    pub return_after_hours_median: f64,
    /// Share of customers who are VIPs (boosted one priority class).
    pub vip_share: f64,
    /// Share of conversations of high priority.
    pub high_priority_share: f64,
    /// Share of conversations of urgent priority.
    pub urgent_share: f64,
}

/// The customer's side of a conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Conversations {
    /// Mean number of customer messages a human-handled conversation needs
    /// (geometric, at least 1); each gets one agent reply.
    pub turns_mean: f64,
    /// Upper bound on customer messages per conversation.
    pub turns_max: u32,
    /// Median time an engaged customer takes to answer, in seconds.
    pub think_secs_median: f64,
    /// Per turn, the chance that the customer goes quiet for a long time
    /// before answering (asynchronous messaging).
    pub quiet_share: f64,
    /// Median length of such a quiet spell, in minutes (log-normal; spans
    /// minutes to hours).
    pub quiet_minutes_median: f64,
    /// Per turn, the chance that the customer never writes again.
    pub vanish_share: f64,
    /// The housekeeping rule: a thread whose customer has been silent this
    /// long after an agent reply is resolved as expired, in minutes.
    pub expire_after_minutes: f64,
    /// Median patience of a customer waiting for the first human reply, in
    /// minutes (exponential); past it they abandon.
    pub patience_minutes_median: f64,
}

/// The bot tier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Bot {
    /// Share of conversations that start with the bot.
    pub share: f64,
    /// Share of bot conversations the bot resolves alone (contained); the
    /// rest are escalated to humans.
    pub containment: f64,
    /// Median time spent with the bot, in minutes.
    pub minutes_median: f64,
}

/// The share of one channel in the mix.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelShare {
    /// The channel.
    pub channel: Channel,
    /// Its relative share, `>= 0`.
    pub share: f64,
}

/// A topic customers write about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// The topic's name.
    pub name: String,
    /// The skill it requires (a name some agent group holds), if any.
    #[serde(default)]
    pub skill: Option<String>,
    /// The minimum level of that skill, `1..=10`.
    #[serde(default = "one")]
    pub min_level: u8,
    /// Relative share of conversations about it.
    pub share: f64,
    /// Median time an agent of speed 1.0 takes to write one reply, seconds.
    pub reply_secs_median: f64,
}

/// A language customers write in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Language {
    /// The language's name.
    pub name: String,
    /// The skill it requires (at level 1 or better), if any.
    #[serde(default)]
    pub skill: Option<String>,
    /// Relative share of conversations in it.
    pub share: f64,
}

/// A group of alike agents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentGroup {
    /// The group's name.
    pub name: String,
    /// How many agents.
    pub count: u32,
    /// Smallest cap in the group (full conversations), `>= 1`.
    pub cap_min: u32,
    /// Largest cap in the group; each agent draws a cap in `cap_min..=cap_max`.
    pub cap_max: u32,
    /// Skills held, each at a level drawn in its range.
    #[serde(default)]
    pub skills: Vec<AgentSkill>,
    /// Channels worked; absent means every channel.
    #[serde(default)]
    pub channels: Option<Vec<Channel>>,
    /// Hour of the day the first shift of the group starts.
    pub shift_start_hour: f64,
    /// Shift starts are spread evenly over this many hours.
    #[serde(default)]
    pub shift_stagger_hours: f64,
    /// Length of a shift, in hours.
    pub shift_hours: f64,
    /// Breaks (status away) per shift.
    #[serde(default)]
    pub breaks: u32,
    /// Length of one break, in minutes.
    #[serde(default)]
    pub break_minutes: f64,
    /// Chance that an agent logs off once mid-shift (live threads requeued).
    #[serde(default)]
    pub logoff_share: f64,
    /// How long such a log-off lasts, in minutes.
    #[serde(default)]
    pub logoff_minutes: f64,
    /// Minutes at the end of a shift spent draining (no new work) before
    /// logging off.
    #[serde(default)]
    pub drain_minutes: f64,
    /// Slowest writing speed factor (1.0 = the topic's median time).
    #[serde(default = "one_f")]
    pub speed_min: f64,
    /// Fastest writing speed factor.
    #[serde(default = "one_f")]
    pub speed_max: f64,
}

/// A skill an agent group holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSkill {
    /// The skill's name.
    pub skill: String,
    /// Lowest level drawn, `1..=10`.
    pub level_min: u8,
    /// Highest level drawn, `level_min..=10`.
    pub level_max: u8,
    /// Hours of each day the skill counts, `[from, until)` with
    /// `0 <= from < until <= 24` (for example `[13, 18]`: a language
    /// covered only in the afternoon); absent: always. Outside them the
    /// agent takes no new work needing it and keeps what they hold (the
    /// engine's skill windows, one per simulated day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<[f64; 2]>,
}

fn one() -> u8 {
    1
}

fn one_f() -> f64 {
    1.0
}

impl Scenario {
    /// Parses a scenario from JSON and validates it. A wrong type, an
    /// unknown field or a syntax error is a [`ScenarioError::Parse`] naming
    /// the field's path; inconsistent values give the other variants.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let scenario = Scenario::parse(text)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Parses without validating.
    fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        // serde reads a struct from an array too, field by field in
        // declaration order, so `[]` would be the default scenario and
        // `["x", 9]` a named nine-day one: a scenario is an object only.
        let start = text.trim_start();
        if start.starts_with('[') {
            let before = &text[..text.len() - start.len()];
            return Err(ScenarioError::Parse {
                field: String::new(),
                line: before.matches('\n').count() + 1,
                column: before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1,
                message: "a scenario is a JSON object, not an array".into(),
            });
        }
        check_policy_name(text)?;
        let de = &mut serde_json::Deserializer::from_str(text);
        let scenario: Scenario = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            ScenarioError::Parse {
                field: if path == "." { String::new() } else { path },
                line: inner.line(),
                column: inner.column(),
                message: strip_position(&inner.to_string()),
            }
        })?;
        Ok(scenario)
    }

    /// Reads, parses and validates a scenario file. A plan given as a path
    /// is read relative to the scenario file's directory and kept inline.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let mut scenario = Scenario::parse(&text)?;
        if let Some(plan) = &scenario.plan {
            let plan = plan.load(path.parent())?;
            scenario.plan = Some(ScenarioPlan::Inline(Box::new(plan)));
        }
        scenario.validate()?;
        Ok(scenario)
    }

    /// The scenario as pretty JSON (the format [`Scenario::from_json`] reads).
    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The simulated span, in milliseconds.
    pub fn horizon_ms(&self) -> u64 {
        u64::from(self.days) * 24 * 3_600_000
    }

    /// Skill names in id order: the id of a skill is its position here.
    /// Names are taken in the order agent groups first mention them.
    pub fn skill_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for group in &self.agents {
            for s in &group.skills {
                if !names.contains(&s.skill.as_str()) {
                    names.push(&s.skill);
                }
            }
        }
        names
    }

    /// The id of a skill name, if some agent group holds it.
    pub fn skill_id(&self, name: &str) -> Option<u32> {
        self.skill_names()
            .iter()
            .position(|n| *n == name)
            .map(|i| i as u32)
    }

    /// Total number of agents.
    pub fn agent_count(&self) -> u32 {
        self.agents.iter().map(|g| g.count).sum()
    }
}

/// serde_json appends " at line L column C"; the error carries both fields.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// A `policy` that names no built-in policy, as the typed
/// [`ScenarioError::UnknownPolicy`] (serde would only say "unknown
/// variant"). Reads the document's top-level `policy` alone; anything else
/// wrong with it (not JSON, not a string) is left to the full parse, which
/// says where.
fn check_policy_name(text: &str) -> Result<(), ScenarioError> {
    #[derive(Deserialize)]
    struct PolicyOnly {
        policy: Option<String>,
    }
    let Ok(PolicyOnly { policy: Some(name) }) = serde_json::from_str::<PolicyOnly>(text) else {
        return Ok(());
    };
    BuiltinPolicy::from_name(&name)
        .map(drop)
        .map_err(|source| ScenarioError::UnknownPolicy {
            field: "policy".into(),
            source,
        })
}
