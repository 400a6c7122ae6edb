//! The classical model analysts check staffing against: Poisson arrivals at
//! a rate per interval, single-turn service with an exponential, lognormal,
//! gamma or empirical time, exponential or general patience, no bot tier,
//! no returns. A scenario with a [`Classical`] section is still run through
//! the real engine (the engine is the product): each customer opens a
//! conversation, the agent the engine assigns answers at once (the first
//! response, so the wait is the queueing delay) and holds the conversation
//! for the service time, then resolves it.
//!
//! [`Classical::formulas`] computes Erlang C and Erlang A for the scenario
//! (see [`erlang`](super::erlang)); the report puts them beside the
//! simulated figures.

use super::distribution::Distribution;
use super::erlang::{erlang_a_figures, erlang_c_figures, QueueFigures};
use super::error::ScenarioError;
use super::scenario::Scenario;
use super::validate::{non_negative, range};
use serde::{Deserialize, Serialize};

/// Most customers a classical scenario may generate.
const MAX_CUSTOMERS: f64 = 5e7;

/// The classical model section of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Classical {
    /// Length of an arrival interval, minutes (default 30).
    pub interval_minutes: f64,
    /// Poisson arrival rate per hour in each interval, repeated over the
    /// simulated days; a single value is a constant rate.
    pub arrivals_per_hour: Vec<f64>,
    /// The time an agent holds a conversation (one turn), seconds.
    pub service: Distribution,
    /// How long a customer waits for an agent before leaving; `None`: they
    /// never leave (Erlang C's assumption).
    pub patience: Option<Distribution>,
    /// Stop generating arrivals after this many customers (the run then
    /// ends when the last one is served); `None`: arrivals fill the horizon.
    pub customers: Option<u64>,
    /// Customers arriving before this many minutes are simulated but left
    /// out of the queueing figures, so the empty start does not bias them.
    pub warmup_minutes: f64,
}

impl Default for Classical {
    fn default() -> Self {
        Classical {
            interval_minutes: 30.0,
            arrivals_per_hour: vec![102.0],
            service: Distribution::Exponential { mean_secs: 300.0 },
            patience: None,
            customers: None,
            warmup_minutes: 60.0,
        }
    }
}

impl Classical {
    /// Interval length, ms.
    pub fn interval_ms(&self) -> u64 {
        (self.interval_minutes * 60_000.0) as u64
    }

    /// The arrival rate per hour in interval `i` (counted from time 0).
    pub fn rate_per_hour(&self, i: usize) -> f64 {
        if self.arrivals_per_hour.is_empty() {
            return 0.0;
        }
        self.arrivals_per_hour[i % self.arrivals_per_hour.len()]
    }

    /// Erlang C and Erlang A for interval `i` with `servers` agents each
    /// taking one conversation (cap 1) and the scenario's response target.
    /// Erlang A uses `1 / mean patience` as the abandonment rate (exact for
    /// exponential patience, Palm's approximation otherwise); without
    /// patience it equals Erlang C.
    pub fn formulas(
        &self,
        scenario: &Scenario,
        i: usize,
        servers: u32,
    ) -> (Option<QueueFigures>, Option<QueueFigures>) {
        let lambda = self.rate_per_hour(i) / 3_600.0;
        let mu = 1.0 / self.service.mean_secs();
        let target = scenario.engine.response_target.as_secs_f64();
        let theta = self
            .patience
            .as_ref()
            .map_or(0.0, |p| 1.0 / p.mean_secs().max(1e-9));
        (
            erlang_c_figures(servers, lambda, mu, target),
            erlang_a_figures(servers, lambda, mu, theta, target),
        )
    }
}

impl Scenario {
    /// Erlang C and Erlang A for a classical scenario with one arrival rate
    /// and constant staffing (`staffing` with one value, or the groups'
    /// agent count), each agent serving `cap_min` customers at once;
    /// `None` otherwise.
    pub fn formulas(&self) -> Option<super::queueing::Formulas> {
        let c = self.classical.as_ref()?;
        if c.arrivals_per_hour.len() != 1 {
            return None;
        }
        let agents = match &self.staffing {
            Some(st) if st.agents.len() == 1 => st.agents[0],
            Some(_) => return None,
            None => self.agent_count(),
        };
        let cap = self.agents.iter().map(|g| g.cap_min).min().unwrap_or(1);
        let (erlang_c, erlang_a) = c.formulas(self, 0, agents * cap);
        Some(super::queueing::Formulas { erlang_c, erlang_a })
    }

    pub(super) fn validate_classical(&self) -> Result<(), ScenarioError> {
        let Some(c) = &self.classical else {
            return Ok(());
        };
        range(
            "classical.interval_minutes",
            c.interval_minutes,
            1.0,
            1_440.0,
            "minutes in 1..=1440",
        )?;
        if c.arrivals_per_hour.is_empty() {
            return Err(ScenarioError::Empty {
                field: "classical.arrivals_per_hour".into(),
                problem: "must give the arrival rate of at least one interval",
            });
        }
        for (i, &r) in c.arrivals_per_hour.iter().enumerate() {
            range(
                format!("classical.arrivals_per_hour[{i}]"),
                r,
                0.0,
                1e7,
                "a rate per hour in 0..=1e7",
            )?;
        }
        non_negative("classical.warmup_minutes", c.warmup_minutes)?;
        // Bound the day's size before anything is generated: a typo of a few
        // zeros must be an error, not an hour of swapping.
        let mean_rate = c.arrivals_per_hour.iter().sum::<f64>() / c.arrivals_per_hour.len() as f64;
        let expected = mean_rate * f64::from(self.days) * 24.0;
        let limit = c.customers.map_or(expected, |n| expected.min(n as f64));
        range(
            "classical.arrivals_per_hour",
            limit,
            0.0,
            MAX_CUSTOMERS,
            "rates giving at most 50 million customers over the days (or set classical.customers)",
        )?;
        let dist = |name: &str, d: &Distribution| {
            d.check()
                .map_err(|(field, value, expected)| ScenarioError::OutOfRange {
                    field: format!("classical.{name}.{field}"),
                    value,
                    expected,
                })
        };
        dist("service", &c.service)?;
        if let Some(p) = &c.patience {
            dist("patience", p)?;
        }
        if c.customers == Some(0) {
            return Err(ScenarioError::OutOfRange {
                field: "classical.customers".into(),
                value: 0.0,
                expected: "at least 1 (omit it to fill the horizon)",
            });
        }
        Ok(())
    }

    /// An M/M/n (or M/M/n+M with `patience_secs`) scenario: `agents` agents
    /// of cap 1 online all the time, `load` erlangs offered per agent
    /// (0.85 = 85%), exponential service of `service_secs`, `days` days.
    /// Auto-parking is off (a one-turn service never goes quiet).
    pub fn classical_mmn(
        agents: u32,
        load: f64,
        service_secs: f64,
        patience_secs: Option<f64>,
        days: u32,
    ) -> Scenario {
        let mut s = Scenario {
            name: format!(
                "M/M/{agents}{} at {:.0}% load",
                if patience_secs.is_some() { "+M" } else { "" },
                load * 100.0
            ),
            days,
            ..Scenario::default()
        };
        let per_hour = load * f64::from(agents) * 3_600.0 / service_secs;
        s.classical = Some(Classical {
            arrivals_per_hour: vec![per_hour],
            service: Distribution::Exponential {
                mean_secs: service_secs,
            },
            patience: patience_secs.map(|p| Distribution::Exponential { mean_secs: p }),
            ..Classical::default()
        });
        s.engine.auto_park_after = None;
        // No customer returns in a classical model, so stickiness never
        // routes anything; a short affinity window lets each hourly purge
        // forget the customers it served. A purge costs what it forgets
        // now, but the default week would still keep a week of customers
        // (85,000 at 85% load) in the id map for nothing: 20-25% more CPU
        // on the 250,000-customer run (BENCHMARKS.md, issue 22).
        s.engine.affinity_window = crate::model::TimeSpan::from_hours(1);
        s.staffing = Some(super::roster::Staffing {
            interval_minutes: 30.0,
            agents: vec![agents],
        });
        s.customers.vip_share = 0.0;
        s.customers.high_priority_share = 0.0;
        s.customers.urgent_share = 0.0;
        s.customers.return_share = 0.0;
        s.bot.share = 0.0;
        s.channels = vec![super::scenario::ChannelShare {
            channel: crate::model::Channel::Web,
            share: 1.0,
        }];
        s.topics = vec![super::scenario::Topic {
            name: "any".into(),
            skill: None,
            min_level: 1,
            share: 1.0,
            reply_secs_median: service_secs,
        }];
        s.languages = vec![super::scenario::Language {
            name: "any".into(),
            skill: None,
            share: 1.0,
        }];
        s.agents = vec![super::scenario::AgentGroup {
            name: "agents".into(),
            count: agents,
            cap_min: 1,
            cap_max: 1,
            skills: Vec::new(),
            channels: None,
            shift_start_hour: 0.0,
            shift_stagger_hours: 0.0,
            shift_hours: 24.0,
            breaks: 0,
            break_minutes: 0.0,
            logoff_share: 0.0,
            logoff_minutes: 0.0,
            drain_minutes: 0.0,
            speed_min: 1.0,
            speed_max: 1.0,
        }];
        s
    }
}
