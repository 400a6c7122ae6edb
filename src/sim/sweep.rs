//! What-if sweeps: one parameter varied over a range, several seeds at each
//! value (the same seeds everywhere, so neighbouring points differ by the
//! parameter, not by the days), every KPI with its 95% interval.
//!
//! [`Parameter`] names the common knobs and reaches any other number in the
//! scenario by JSON pointer; [`sweep_with`] takes a closure instead, for
//! what the scenario cannot say (a policy's own setting).

use super::error::{ScenarioError, SimError};
use super::replicate::{Replicated, Replications};
use super::scenario::Scenario;
use crate::policy::PolicyFactory;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A parameter of the scenario to vary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Parameter {
    /// Total agents: every group's count scaled to this total, each group
    /// keeping at least one (and every
    /// interval of `staffing`, if set, scaled the same way).
    Agents,
    /// Every agent's cap (`cap_min` and `cap_max` of every group).
    Cap,
    /// Arrivals multiplied by this factor (every segment; a classical
    /// scenario's rates).
    ArrivalMultiplier,
    /// The engine's parked weight, permille of a conversation.
    ParkedWeight,
    /// The engine's sticky wait, minutes.
    StickyWaitMinutes,
    /// The engine's response target, minutes.
    ResponseTargetMinutes,
    /// Any number in the scenario's JSON, by JSON pointer
    /// (`/conversations/patience_minutes_median`, `/agents/0/count`).
    Pointer(String),
}

impl Parameter {
    /// Reads a parameter name: `agents`, `cap`, `arrival_multiplier`,
    /// `parked_weight`, `sticky_wait_minutes`, `response_target_minutes`,
    /// or a JSON pointer starting with `/`.
    pub fn parse(name: &str) -> Option<Parameter> {
        Some(match name {
            "agents" => Parameter::Agents,
            "cap" => Parameter::Cap,
            "arrival_multiplier" => Parameter::ArrivalMultiplier,
            "parked_weight" => Parameter::ParkedWeight,
            "sticky_wait_minutes" => Parameter::StickyWaitMinutes,
            "response_target_minutes" => Parameter::ResponseTargetMinutes,
            p if p.starts_with('/') => Parameter::Pointer(p.to_string()),
            _ => return None,
        })
    }

    /// The parameter's name as [`parse`](Self::parse) reads it.
    pub fn name(&self) -> String {
        match self {
            Parameter::Agents => "agents".into(),
            Parameter::Cap => "cap".into(),
            Parameter::ArrivalMultiplier => "arrival_multiplier".into(),
            Parameter::ParkedWeight => "parked_weight".into(),
            Parameter::StickyWaitMinutes => "sticky_wait_minutes".into(),
            Parameter::ResponseTargetMinutes => "response_target_minutes".into(),
            Parameter::Pointer(p) => p.clone(),
        }
    }

    /// `base` with the parameter set to `value`, validated.
    pub fn apply(&self, base: &Scenario, value: f64) -> Result<Scenario, ScenarioError> {
        let mut s = base.clone();
        let bad = |expected: &'static str| ScenarioError::OutOfRange {
            field: self.name(),
            value,
            expected,
        };
        if !value.is_finite() || value < 0.0 {
            return Err(bad("a finite number >= 0"));
        }
        let ms = |minutes: f64| crate::model::TimeSpan::from_millis((minutes * 60_000.0) as u64);
        match self {
            Parameter::Agents => {
                let total = f64::from(s.agent_count().max(1));
                let f = value / total;
                // A group keeps at least one agent: its skills may be the
                // only ones some conversations can use.
                for g in &mut s.agents {
                    let n = (f64::from(g.count) * f).round() as u32;
                    g.count = if g.count > 0 { n.max(1) } else { 0 };
                }
                if let Some(st) = &mut s.staffing {
                    let top = f64::from(st.agents.iter().copied().max().unwrap_or(1).max(1));
                    for n in &mut st.agents {
                        *n = (f64::from(*n) * value / top).round() as u32;
                    }
                }
            }
            Parameter::Cap => {
                for g in &mut s.agents {
                    g.cap_min = value.round() as u32;
                    g.cap_max = value.round() as u32;
                }
            }
            Parameter::ArrivalMultiplier => {
                s.arrivals.conversations_per_day *= value;
                for g in &mut s.segments {
                    g.conversations_per_day *= value;
                }
                if let Some(c) = &mut s.classical {
                    for r in &mut c.arrivals_per_hour {
                        *r *= value;
                    }
                }
            }
            Parameter::ParkedWeight => s.engine.parked_weight_permille = value.round() as u32,
            Parameter::StickyWaitMinutes => s.engine.sticky_wait = ms(value),
            Parameter::ResponseTargetMinutes => s.engine.response_target = ms(value),
            Parameter::Pointer(p) => {
                let mut json = serde_json::to_value(&s).map_err(|_| bad("a scenario value"))?;
                let slot =
                    json.pointer_mut(p)
                        .filter(|v| v.is_number())
                        .ok_or(ScenarioError::Empty {
                        field: p.clone(),
                        problem:
                            "is not a number in the scenario (JSON pointer, e.g. /agents/0/count)",
                    })?;
                *slot = if slot.is_u64() {
                    serde_json::json!(value.round() as u64)
                } else {
                    serde_json::json!(value)
                };
                s = Scenario::from_json(&json.to_string())?;
            }
        }
        s.validate()?;
        Ok(s)
    }
}

/// One value of the sweep.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// The parameter's value.
    pub value: f64,
    /// The replications at that value.
    pub result: Replicated,
}

/// A sweep's results.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// The parameter's name.
    pub parameter: String,
    /// One point per value, in the order given.
    pub points: Vec<SweepPoint>,
}

impl Sweep {
    /// The sweep as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Varies `parameter` of the replications' scenario over `values`.
pub fn sweep(
    replications: &Replications,
    parameter: &Parameter,
    values: &[f64],
    policy: &PolicyFactory,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Sweep, SimError> {
    let mut scenarios = Vec::with_capacity(values.len());
    for &v in values {
        scenarios.push(parameter.apply(replications.scenario(), v)?);
    }
    let mut points = Vec::with_capacity(values.len());
    for (i, (s, &value)) in scenarios.into_iter().zip(values).enumerate() {
        progress(i, values.len());
        let reports = replications.run_for(s, policy)?;
        let result = Replicated::of(reports, replications.seeds().to_vec());
        points.push(SweepPoint { value, result });
    }
    progress(values.len(), values.len());
    Ok(Sweep {
        parameter: parameter.name(),
        points,
    })
}

/// What [`sweep_with`] calls for each value: the scenario and policy there.
pub type SweepFn<'a> = &'a (dyn Fn(f64) -> Result<(Scenario, PolicyFactory), SimError> + Sync);

/// A sweep driven by a closure: for each value, `at(value)` gives the
/// scenario and the policy (so a policy's own setting can vary).
pub fn sweep_with(
    replications: &Replications,
    name: &str,
    values: &[f64],
    at: SweepFn<'_>,
) -> Result<Sweep, SimError> {
    let mut points = Vec::with_capacity(values.len());
    for &value in values {
        let (s, policy) = at(value)?;
        let reports = replications.run_for(s, &policy)?;
        let result = Replicated::of(reports, replications.seeds().to_vec());
        points.push(SweepPoint { value, result });
    }
    Ok(Sweep {
        parameter: name.to_string(),
        points,
    })
}

impl fmt::Display for Sweep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(first) = self.points.first() else {
            return writeln!(f, "(no values)");
        };
        writeln!(
            f,
            "{} -- sweep of {}, {} seeds per value; mean ± 95% interval",
            first.result.scenario,
            self.parameter,
            first.result.seeds.len()
        )?;
        write!(f, "  {:<28}", self.parameter)?;
        for p in &self.points {
            write!(f, " {:>22}", format!("{}", p.value))?;
        }
        writeln!(f)?;
        for (i, k) in first.result.kpis.iter().enumerate() {
            write!(f, "  {:<28}", k.name)?;
            for p in &self.points {
                let cell = p
                    .result
                    .kpis
                    .get(i)
                    .map_or(String::new(), |k| super::replicate::interval(&k.estimate));
                write!(f, " {cell:>22}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}
