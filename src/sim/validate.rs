//! Scenario validation: every check names the field it rejects.

use super::error::ScenarioError;
use super::scenario::Scenario;

pub(super) type Result = std::result::Result<(), ScenarioError>;

/// The most conversations a day a scenario (or a segment) may arrive at:
/// ten times the busiest operation in DOMAIN.md, and a bound on the events
/// (and memory) one simulated day can make.
pub(super) const MAX_CONVERSATIONS_PER_DAY: f64 = 1e7;

pub(super) fn range(
    field: impl Into<String>,
    value: f64,
    lo: f64,
    hi: f64,
    expected: &'static str,
) -> Result {
    if value.is_finite() && value >= lo && value <= hi {
        Ok(())
    } else {
        Err(ScenarioError::OutOfRange {
            field: field.into(),
            value,
            expected,
        })
    }
}

pub(super) fn non_negative(field: impl Into<String>, value: f64) -> Result {
    range(field, value, 0.0, f64::MAX, "a finite number >= 0")
}

pub(super) fn positive(field: impl Into<String>, value: f64) -> Result {
    range(
        field,
        value,
        f64::MIN_POSITIVE,
        f64::MAX,
        "a finite number > 0",
    )
}

pub(super) fn share(field: impl Into<String>, value: f64) -> Result {
    range(field, value, 0.0, 1.0, "a share between 0 and 1")
}

fn shares_sum(field: &str, shares: impl Iterator<Item = f64>) -> Result {
    if shares.sum::<f64>() > 0.0 {
        Ok(())
    } else {
        Err(ScenarioError::Empty {
            field: field.to_string(),
            problem: "must list at least one entry with a share above 0",
        })
    }
}

/// A daily curve: hours in `0..=24`, never decreasing, weights `>= 0`.
pub(super) fn curve(field: &str, points: &[super::scenario::CurvePoint]) -> Result {
    let mut last = -1.0;
    for (i, p) in points.iter().enumerate() {
        let hour = format!("{field}[{i}].hour");
        range(hour.clone(), p.hour, 0.0, 24.0, "an hour in 0..=24")?;
        if p.hour < last {
            return Err(ScenarioError::OutOfRange {
                field: hour,
                value: p.hour,
                expected: "no earlier than the previous point's hour",
            });
        }
        last = p.hour;
        non_negative(format!("{field}[{i}].weight"), p.weight)?;
    }
    Ok(())
}

impl Scenario {
    /// Checks every value; [`Scenario::from_json`] calls it. Returns the
    /// first problem found, naming its field.
    pub fn validate(&self) -> std::result::Result<(), ScenarioError> {
        range(
            "days",
            f64::from(self.days),
            1.0,
            366.0,
            "a whole number of days in 1..=366",
        )?;
        self.engine.validate()?;

        let a = &self.arrivals;
        range(
            "arrivals.conversations_per_day",
            a.conversations_per_day,
            0.0,
            MAX_CONVERSATIONS_PER_DAY,
            "a rate in 0..=10000000 per day",
        )?;
        if a.curve.is_empty() {
            return Err(ScenarioError::Empty {
                field: "arrivals.curve".into(),
                problem: "must have at least one point",
            });
        }
        curve("arrivals.curve", &a.curve)?;
        if a.conversations_per_day > 0.0 {
            shares_sum("arrivals.curve", a.curve.iter().map(|p| p.weight))?;
        }

        let c = &self.customers;
        range(
            "customers.return_share",
            c.return_share,
            0.0,
            0.95,
            "a share between 0 and 0.95",
        )?;
        positive(
            "customers.return_after_hours_median",
            c.return_after_hours_median,
        )?;
        share("customers.vip_share", c.vip_share)?;
        share("customers.high_priority_share", c.high_priority_share)?;
        share("customers.urgent_share", c.urgent_share)?;
        share(
            "customers.urgent_share",
            c.high_priority_share + c.urgent_share,
        )
        .map_err(|_| ScenarioError::OutOfRange {
            field: "customers.urgent_share".into(),
            value: c.urgent_share,
            expected: "at most 1 - customers.high_priority_share",
        })?;

        let v = &self.conversations;
        range(
            "conversations.turns_mean",
            v.turns_mean,
            1.0,
            1000.0,
            "a mean of at least 1 message",
        )?;
        range(
            "conversations.turns_max",
            f64::from(v.turns_max),
            1.0,
            10_000.0,
            "a count in 1..=10000",
        )?;
        positive("conversations.think_secs_median", v.think_secs_median)?;
        share("conversations.quiet_share", v.quiet_share)?;
        positive("conversations.quiet_minutes_median", v.quiet_minutes_median)?;
        share("conversations.vanish_share", v.vanish_share)?;
        positive("conversations.expire_after_minutes", v.expire_after_minutes)?;
        positive(
            "conversations.patience_minutes_median",
            v.patience_minutes_median,
        )?;

        share("bot.share", self.bot.share)?;
        share("bot.containment", self.bot.containment)?;
        positive("bot.minutes_median", self.bot.minutes_median)?;

        for (i, ch) in self.channels.iter().enumerate() {
            non_negative(format!("channels[{i}].share"), ch.share)?;
        }
        shares_sum("channels", self.channels.iter().map(|c| c.share))?;

        self.validate_agents()?;
        for (i, ch) in self.channels.iter().enumerate() {
            let worked = self.agents.iter().any(|g| {
                g.count > 0 && g.channels.as_ref().is_none_or(|c| c.contains(&ch.channel))
            });
            if ch.share > 0.0 && !worked {
                return Err(ScenarioError::ChannelNobodyWorks {
                    field: format!("channels[{i}].share"),
                    channel: ch.channel,
                });
            }
        }
        let names = self.skill_names();
        let held = |name: &str, level: u8| {
            self.agents.iter().any(|g| {
                g.count > 0
                    && g.skills
                        .iter()
                        .any(|s| s.skill == name && s.level_max >= level)
            })
        };
        for (i, t) in self.topics.iter().enumerate() {
            non_negative(format!("topics[{i}].share"), t.share)?;
            positive(
                format!("topics[{i}].reply_secs_median"),
                t.reply_secs_median,
            )?;
            range(
                format!("topics[{i}].min_level"),
                f64::from(t.min_level),
                1.0,
                10.0,
                "a level in 1..=10",
            )?;
            if let Some(skill) = &t.skill {
                if !names.contains(&skill.as_str()) || !held(skill, t.min_level) {
                    return Err(ScenarioError::SkillNobodyHas {
                        field: format!("topics[{i}].skill"),
                        skill: skill.clone(),
                        min_level: t.min_level,
                    });
                }
            }
        }
        shares_sum("topics", self.topics.iter().map(|t| t.share))?;
        for (i, l) in self.languages.iter().enumerate() {
            non_negative(format!("languages[{i}].share"), l.share)?;
            if let Some(skill) = &l.skill {
                if !held(skill, 1) {
                    return Err(ScenarioError::SkillNobodyHas {
                        field: format!("languages[{i}].skill"),
                        skill: skill.clone(),
                        min_level: 1,
                    });
                }
            }
        }
        shares_sum("languages", self.languages.iter().map(|l| l.share))?;
        self.validate_segments()?;
        self.validate_classical()?;
        self.validate_staffing()?;
        self.validate_rules()?;
        Ok(())
    }

    fn validate_agents(&self) -> std::result::Result<(), ScenarioError> {
        if self.agent_count() == 0 {
            return Err(ScenarioError::Empty {
                field: "agents".into(),
                problem: "must hold at least one agent (a group with count above 0)",
            });
        }
        for (i, g) in self.agents.iter().enumerate() {
            let f = |name: &str| format!("agents[{i}].{name}");
            range(
                f("count"),
                f64::from(g.count),
                0.0,
                1_000_000.0,
                "a count in 0..=1000000",
            )?;
            range(
                f("cap_min"),
                f64::from(g.cap_min),
                1.0,
                100.0,
                "a cap in 1..=100 conversations",
            )?;
            range(
                f("cap_max"),
                f64::from(g.cap_max),
                f64::from(g.cap_min),
                100.0,
                "a cap in cap_min..=100",
            )?;
            range(
                f("shift_start_hour"),
                g.shift_start_hour,
                0.0,
                24.0,
                "an hour in 0..=24",
            )?;
            range(
                f("shift_stagger_hours"),
                g.shift_stagger_hours,
                0.0,
                24.0,
                "hours in 0..=24",
            )?;
            range(
                f("shift_hours"),
                g.shift_hours,
                0.25,
                24.0,
                "hours in 0.25..=24",
            )?;
            range(
                f("breaks"),
                f64::from(g.breaks),
                0.0,
                10.0,
                "a count in 0..=10",
            )?;
            non_negative(f("break_minutes"), g.break_minutes)?;
            share(f("logoff_share"), g.logoff_share)?;
            non_negative(f("logoff_minutes"), g.logoff_minutes)?;
            non_negative(f("drain_minutes"), g.drain_minutes)?;
            range(
                f("speed_min"),
                g.speed_min,
                0.05,
                20.0,
                "a speed factor in 0.05..=20",
            )?;
            range(
                f("speed_max"),
                g.speed_max,
                g.speed_min,
                20.0,
                "a speed factor in speed_min..=20",
            )?;
            if let Some(channels) = &g.channels {
                if channels.is_empty() {
                    return Err(ScenarioError::Empty {
                        field: f("channels"),
                        problem: "is empty; omit it to work every channel",
                    });
                }
            }
            for (j, s) in g.skills.iter().enumerate() {
                let f = |name: &str| format!("agents[{i}].skills[{j}].{name}");
                range(
                    f("level_min"),
                    f64::from(s.level_min),
                    1.0,
                    10.0,
                    "a level in 1..=10",
                )?;
                range(
                    f("level_max"),
                    f64::from(s.level_max),
                    f64::from(s.level_min),
                    10.0,
                    "a level in level_min..=10",
                )?;
                if let Some([from, until]) = s.hours {
                    range(f("hours[0]"), from, 0.0, 24.0, "an hour in 0..=24")?;
                    range(f("hours[1]"), until, from, 24.0, "an hour in from..=24")?;
                    if until <= from || until - from >= 24.0 {
                        return Err(ScenarioError::Empty {
                            field: f("hours"),
                            problem: "must be a span within the day, neither empty nor the whole day (leave it out to hold the skill always)",
                        });
                    }
                }
            }
            // One window per windowed skill and day, within the engine's
            // limit (each is a timer pair in the engine).
            let windows = super::skill_hours::windows_per_agent(g, self.days);
            range(
                format!("agents[{i}].skills"),
                windows as f64,
                0.0,
                f64::from(self.engine.limits.skill_windows),
                "at most limits.skill_windows windows (skills with hours times days)",
            )?;
        }
        Ok(())
    }
}
