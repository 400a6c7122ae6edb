//! Your own day: a CSV of conversations (a helpdesk export) and a CSV
//! roster of agent shifts, turned into a [`Workload`] the simulator replays
//! under any policy. Arrivals and customer behaviour come from the file;
//! agents from the roster; what the file does not say (reply writing
//! times, patience of customers who were answered) from the scenario.
//!
//! Conversations, one per line; columns by header name, in any order,
//! extra columns ignored:
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `opened_at` | yes | first customer message: ISO 8601 (`2026-03-02T09:15:00Z`) or seconds |
//! | `customer` | yes | customer id (a number, or any text; the same text is the same customer) |
//! | `channel` | no | `sms`, `whats_app`, `messenger`, `apple_messages`, `instagram`, `in_app`, `web`, `email` (default `web`) |
//! | `topic` | no | a topic name of the scenario (its skill and reply time apply) |
//! | `skills` | no | required skills, `billing:5;spanish` (level 1 when omitted) |
//! | `tier` | no | `standard` or `vip` |
//! | `priority` | no | `low`, `normal`, `high`, `urgent` |
//! | `bot` | no | `true` when the conversation started with the bot |
//! | `first_response_at` | no | first agent reply; empty with `resolved_at` set means the customer abandoned |
//! | `resolved_at` | no | resolution time |
//! | `messages` | no | `c@<time>;a@<time>;...` customer and agent messages: the customer turns and the customer's delays after each agent reply |
//!
//! Roster, one shift per line: `agent`, `start`, `end` (required), `cap`
//! (default 1), `skills` (`billing:7;spanish:3`), `channels` (`sms;web`).
//! An agent's first line gives their cap, skills and channels.
//!
//! The replay starts at midnight UTC of the day of the earliest event and
//! lasts whole days.

use super::csv_error::CsvError;
use super::csv_table::{read, Line};
use super::scenario::Scenario;
use super::workload::{AgentPlan, Arrival, Recorded, Workload};
use crate::model::{
    AgentId, AgentSpec, AgentStatus, Capacity, Channel, CustomerId, Level, Priority, SkillId,
    SkillLevel, SkillRequirement, Tier, Timestamp,
};
use std::collections::HashMap;

const DAY_MS: i64 = 86_400_000;
const CHANNELS: &str = "sms, whats_app, messenger, apple_messages, instagram, in_app, web, email";

/// A day read from files, ready to replay.
#[derive(Clone, Debug)]
pub struct ImportedDay {
    /// The scenario to replay with (the base scenario, `days` set to the
    /// span of the files).
    pub scenario: Scenario,
    /// Arrivals, recorded behaviour and agents.
    pub workload: Workload,
    /// The wall-clock instant of simulated time 0, ms since the epoch.
    pub start_ms: i64,
}

/// An agent read from the roster: name, registration, status changes at
/// wall-clock times.
type RosterAgent = (String, AgentSpec, Vec<(i64, AgentStatus)>);

/// Skill names to ids: the scenario's skills first (so exported days map
/// back to the same ids), then new names in order of appearance.
struct Skills(Vec<String>);

impl Skills {
    fn id(&mut self, name: &str) -> SkillId {
        if let Some(i) = self.0.iter().position(|n| n == name) {
            return SkillId(i as u32);
        }
        self.0.push(name.to_string());
        SkillId(self.0.len() as u32 - 1)
    }

    /// `name[:level];...` from `column` of `line`.
    fn parse(&mut self, line: &Line<'_>, column: &str) -> Result<Vec<(SkillId, Level)>, CsvError> {
        let Some(v) = line.get(column) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for part in v.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, level) = part.split_once(':').unwrap_or((part, "1"));
            let level = level
                .trim()
                .parse::<u8>()
                .ok()
                .and_then(|raw| Level::new(raw).ok())
                .ok_or_else(|| {
                    line.error(column, v, "skills as name:level;... with levels 1..=10")
                })?;
            out.push((self.id(name.trim()), level));
        }
        out.sort();
        out.dedup_by_key(|s| s.0);
        Ok(out)
    }
}

/// Reads both files (`conversations` and `roster` are their contents; the
/// names are for messages) against `base`.
pub fn import_day(
    base: &Scenario,
    conversations_name: &str,
    conversations: &str,
    roster_name: &str,
    roster: &str,
) -> Result<ImportedDay, CsvError> {
    let mut skills = Skills(base.skill_names().iter().map(|s| s.to_string()).collect());
    let mut cols = HashMap::new();
    let lines = read(
        conversations_name,
        conversations,
        &["opened_at", "customer"],
        &mut cols,
    )?;
    if lines.is_empty() {
        return Err(CsvError::Empty {
            file: conversations_name.to_string(),
            what: "conversations",
        });
    }
    let mut rows = Vec::with_capacity(lines.len());
    for line in &lines {
        rows.push(conversation(base, &mut skills, line)?);
    }
    let mut roster_cols = HashMap::new();
    let shifts = read(
        roster_name,
        roster,
        &["agent", "start", "end"],
        &mut roster_cols,
    )?;
    if shifts.is_empty() {
        return Err(CsvError::Empty {
            file: roster_name.to_string(),
            what: "shifts",
        });
    }
    let mut agents: Vec<RosterAgent> = Vec::new();
    for line in &shifts {
        shift(&mut agents, &mut skills, line)?;
    }
    let earliest = rows
        .iter()
        .map(|r| r.0)
        .chain(agents.iter().flat_map(|a| a.2.iter().map(|s| s.0)))
        .min()
        .unwrap_or(0);
    let latest = rows
        .iter()
        .map(|r| r.0)
        .chain(agents.iter().flat_map(|a| a.2.iter().map(|s| s.0)))
        .max()
        .unwrap_or(0);
    let start_ms = earliest.div_euclid(DAY_MS) * DAY_MS;
    let days = ((latest - start_ms) / DAY_MS + 1).clamp(1, 366) as u32;
    let horizon = i64::from(days) * DAY_MS;
    // Stable: equal times keep file order.
    rows.sort_by_key(|r| r.0);
    let mut seen = std::collections::HashSet::new();
    let mut arrivals = Vec::with_capacity(rows.len());
    let mut recorded = Vec::with_capacity(rows.len());
    for (at, mut a, rec) in rows {
        a.at = Timestamp((at - start_ms) as u64);
        a.returning = !seen.insert(a.customer);
        arrivals.push(a);
        recorded.push(rec);
    }
    let agents = agents
        .into_iter()
        .map(|(_, spec, mut schedule)| {
            schedule.sort_by_key(|s| s.0);
            AgentPlan {
                spec,
                group: 0,
                speed: 1.0,
                schedule: schedule
                    .into_iter()
                    .filter(|s| s.0 - start_ms < horizon)
                    .map(|(t, st)| (Timestamp((t - start_ms) as u64), st))
                    .collect(),
            }
        })
        .collect();
    let mut scenario = base.clone();
    scenario.days = days;
    scenario.classical = None;
    Ok(ImportedDay {
        scenario,
        workload: Workload {
            arrivals,
            agents,
            recorded,
        },
        start_ms,
    })
}

fn conversation(
    s: &Scenario,
    skills: &mut Skills,
    line: &Line<'_>,
) -> Result<(i64, Arrival, Recorded), CsvError> {
    let opened = line
        .time("opened_at")?
        .ok_or_else(|| line.error("opened_at", "", "empty; the column is required"))?;
    let raw = line.required("customer")?;
    let customer = CustomerId(raw.parse::<u64>().unwrap_or_else(|_| name_id(raw)));
    let channel: Channel = line.variant("channel", CHANNELS)?.unwrap_or(Channel::Web);
    let tier: Tier = line.variant("tier", "standard, vip")?.unwrap_or_default();
    let priority: Priority = line
        .variant("priority", "low, normal, high, urgent")?
        .unwrap_or_default();
    let bot = match line.get("bot") {
        None => false,
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            _ => return Err(line.error("bot", v, "true or false")),
        },
    };
    let mut topic = 0u16;
    let mut required: Vec<SkillRequirement> = Vec::new();
    if let Some(name) = line.get("topic") {
        let i = s
            .topics
            .iter()
            .position(|t| t.name == name)
            .ok_or_else(|| {
                let known: Vec<&str> = s.topics.iter().map(|t| t.name.as_str()).collect();
                line.error(
                    "topic",
                    name,
                    &format!("a topic of the scenario: {}", known.join(", ")),
                )
            })?;
        topic = i as u16;
        if let Some(skill) = &s.topics[i].skill {
            required.push(SkillRequirement {
                skill: skills.id(skill),
                min_level: Level::new(s.topics[i].min_level).unwrap_or(Level::MIN),
            });
        }
    }
    for (skill, min_level) in skills.parse(line, "skills")? {
        required.retain(|r| r.skill != skill);
        required.push(SkillRequirement { skill, min_level });
    }
    required.sort();
    let first = line.time("first_response_at")?;
    let resolved = line.time("resolved_at")?;
    for (column, t) in [("first_response_at", first), ("resolved_at", resolved)] {
        if let Some(t) = t.filter(|&t| t < opened) {
            let v = line.get(column).unwrap_or_default();
            return Err(line.error(
                column,
                v,
                &format!("a time at or after opened_at ({t} < {opened} ms)"),
            ));
        }
    }
    let mut rec = Recorded {
        turns: 1,
        patience_ms: match (first, resolved) {
            (None, Some(r)) => Some((r - opened).max(1) as u64),
            _ => None,
        },
        think_ms: Vec::new(),
    };
    if let Some(v) = line.get("messages") {
        messages(line, v, opened, &mut rec)?;
    }
    let arrival = Arrival {
        at: Timestamp(0),
        customer,
        tier,
        channel,
        topic,
        language: None,
        skills: required,
        priority,
        bot,
        returning: false,
    };
    Ok((opened, arrival, rec))
}

/// Customer turns and the customer's delay after each agent reply, from
/// `c@time;a@time;...`.
fn messages(line: &Line<'_>, v: &str, opened: i64, rec: &mut Recorded) -> Result<(), CsvError> {
    let expected = "messages as c@<time>;a@<time>;... (c: customer, a: agent)";
    let mut list = Vec::new();
    for part in v.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (who, at) = part
            .split_once('@')
            .ok_or_else(|| line.error("messages", v, expected))?;
        let customer = match who.trim() {
            "c" => true,
            "a" => false,
            _ => return Err(line.error("messages", v, expected)),
        };
        let at = super::timefmt::parse_iso_ms(at)
            .or_else(|| at.trim().parse::<f64>().ok().map(|s| (s * 1_000.0) as i64))
            .ok_or_else(|| line.error("messages", v, expected))?;
        list.push((at.max(opened), customer));
    }
    list.sort_by_key(|m| m.0);
    let mut last_agent: Option<i64> = None;
    for (at, customer) in list {
        if customer {
            if let Some(a) = last_agent.take() {
                rec.turns += 1;
                rec.think_ms.push((at - a).max(1) as u64);
            }
        } else {
            last_agent = Some(at);
        }
    }
    Ok(())
}

fn shift(
    agents: &mut Vec<RosterAgent>,
    skills: &mut Skills,
    line: &Line<'_>,
) -> Result<(), CsvError> {
    let name = line.required("agent")?.to_string();
    let start = line
        .time("start")?
        .ok_or_else(|| line.error("start", "", "a time"))?;
    let end = line
        .time("end")?
        .ok_or_else(|| line.error("end", "", "a time"))?;
    if end <= start {
        let v = line.get("end").unwrap_or_default();
        return Err(line.error("end", v, "a time after start"));
    }
    let i = match agents.iter().position(|a| a.0 == name) {
        Some(i) => i,
        None => {
            let cap = line.number("cap", 1, 100)?.unwrap_or(1) as u32;
            let skills = skills
                .parse(line, "skills")?
                .into_iter()
                .map(|(skill, level)| SkillLevel { skill, level })
                .collect();
            let channels = match line.get("channels") {
                None => None,
                Some(v) => {
                    let mut list = Vec::new();
                    for c in v.split(';').map(str::trim).filter(|c| !c.is_empty()) {
                        let value = serde_json::Value::String(c.to_ascii_lowercase());
                        list.push(
                            serde_json::from_value::<Channel>(value)
                                .map_err(|_| line.error("channels", v, CHANNELS))?,
                        );
                    }
                    Some(list)
                }
            };
            let spec = AgentSpec {
                id: AgentId(agents.len() as u64),
                skills,
                cap: Capacity::units(cap),
                channels,
                status: AgentStatus::Offline,
                skill_windows: Vec::new(),
            };
            agents.push((name, spec, Vec::new()));
            agents.len() - 1
        }
    };
    agents[i].2.push((start, AgentStatus::Online));
    agents[i].2.push((end, AgentStatus::Offline));
    Ok(())
}

/// A stable id for a customer named by text (high bit set, so it cannot
/// collide with numeric ids below 2^63).
fn name_id(name: &str) -> u64 {
    // FNV-1a: stable across runs and platforms.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h | (1 << 63)
}
