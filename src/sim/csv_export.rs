//! A simulated day written in the import format (see
//! [`import_day`](super::import_day)): conversations and a roster. Reading
//! them back gives the same arrivals, so a generated day can be edited in a
//! spreadsheet and replayed.

use super::scenario::Scenario;
use super::timefmt::format_iso_ms;
use super::workload::Workload;
use crate::model::AgentStatus;

/// Simulated time 0 of an exported day: 2026-01-01T00:00:00Z, in ms.
pub const EXPORT_EPOCH_MS: i64 = 1_767_225_600_000;

fn quote(v: &str) -> String {
    if v.contains([',', '"', '\n']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

fn snake<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The arrivals of `workload` (generated from `scenario`) as a
/// conversations CSV.
pub fn export_conversations(scenario: &Scenario, workload: &Workload) -> String {
    let names = scenario.skill_names();
    let mut out = String::from("opened_at,customer,channel,topic,skills,tier,priority,bot\n");
    for a in &workload.arrivals {
        let topic = scenario
            .topics
            .get(usize::from(a.topic))
            .map_or("", |t| t.name.as_str());
        let skills: Vec<String> = a
            .skills
            .iter()
            .map(|r| {
                let name = names.get(r.skill.0 as usize).copied().unwrap_or("unknown");
                format!("{name}:{}", r.min_level.get())
            })
            .collect();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            format_iso_ms(EXPORT_EPOCH_MS + a.at.0 as i64),
            a.customer.0,
            snake(&a.channel),
            quote(topic),
            quote(&skills.join(";")),
            snake(&a.tier),
            snake(&a.priority),
            a.bot
        ));
    }
    out
}

/// The agents of `workload` as a roster CSV: one line per stretch of time
/// an agent is online (breaks and draining end a stretch).
pub fn export_roster(scenario: &Scenario, workload: &Workload) -> String {
    let names = scenario.skill_names();
    let horizon = scenario.horizon_ms();
    let mut out = String::from("agent,start,end,cap,skills,channels\n");
    for a in &workload.agents {
        let skills: Vec<String> = a
            .spec
            .skills
            .iter()
            .map(|s| {
                let name = names.get(s.skill.0 as usize).copied().unwrap_or("unknown");
                format!("{name}:{}", s.level.get())
            })
            .collect();
        let channels: Vec<String> = a.spec.channels.iter().flatten().map(snake).collect();
        let mut since: Option<u64> = None;
        let mut stretches = Vec::new();
        for &(at, status) in &a.schedule {
            match (status, since) {
                (AgentStatus::Online, None) => since = Some(at.0),
                (AgentStatus::Online, Some(_)) => {}
                (_, Some(s)) => {
                    stretches.push((s, at.0));
                    since = None;
                }
                (_, None) => {}
            }
        }
        if let Some(s) = since {
            stretches.push((s, horizon));
        }
        for (s, e) in stretches.into_iter().filter(|(s, e)| e > s) {
            out.push_str(&format!(
                "{},{},{},{},{},{}\n",
                a.spec.id.0,
                format_iso_ms(EXPORT_EPOCH_MS + s as i64),
                format_iso_ms(EXPORT_EPOCH_MS + e as i64),
                a.spec.cap.0 / crate::model::Capacity::UNIT,
                quote(&skills.join(";")),
                quote(&channels.join(";"))
            ));
        }
    }
    out
}
