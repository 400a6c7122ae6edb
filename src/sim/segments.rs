//! Customer segments and surges. A [`Segment`] is a stream of customers
//! with its own daily arrival curve and its own mix (tier, topic, language,
//! channels); a [`Surge`] multiplies the arrivals of one segment (or all)
//! within a time window: a VIP surge, an outage flooding one topic.
//!
//! A scenario without segments is one segment built from `arrivals` and
//! `customers`, drawn exactly as before segments existed, so old scenario
//! files and seeds give the same days.

use super::error::ScenarioError;
use super::scenario::{ChannelShare, CurvePoint, Scenario};
use super::validate::{curve, non_negative, range, share};
use serde::{Deserialize, Serialize};

/// One customer segment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    /// The segment's name (surges refer to it).
    pub name: String,
    /// Expected conversations per day from this segment, returns included.
    pub conversations_per_day: f64,
    /// Its daily shape (as `arrivals.curve`); empty: `arrivals.curve`.
    #[serde(default)]
    pub curve: Vec<CurvePoint>,
    /// Share of its customers who are VIPs; absent: `customers.vip_share`.
    #[serde(default)]
    pub vip_share: Option<f64>,
    /// The topic its customers write about (a name from `topics`); absent:
    /// the scenario's topic mix.
    #[serde(default)]
    pub topic: Option<String>,
    /// The language they write in (a name from `languages`); absent: the
    /// scenario's language mix.
    #[serde(default)]
    pub language: Option<String>,
    /// Their channel mix; absent: the scenario's `channels`.
    #[serde(default)]
    pub channels: Option<Vec<ChannelShare>>,
}

/// A window of time in which arrivals are multiplied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Surge {
    /// The segment surging (a segment's name); absent: every segment.
    #[serde(default)]
    pub segment: Option<String>,
    /// Day of the simulation (0-based) the window is on; absent: every day.
    #[serde(default)]
    pub day: Option<u32>,
    /// Start of the window, hour of the day.
    pub start_hour: f64,
    /// End of the window, hour of the day (after `start_hour`).
    pub end_hour: f64,
    /// Arrival multiplier within the window (>= 0; 3.0 triples them).
    pub multiplier: f64,
}

/// One source of arrivals as the generator sees it.
#[derive(Clone, Debug)]
pub(crate) struct Source<'a> {
    /// Position among the segments (0 for the implicit one).
    pub(crate) index: usize,
    /// Expected conversations per day.
    pub(crate) per_day: f64,
    /// Daily curve.
    pub(crate) curve: &'a [CurvePoint],
    /// VIP share.
    pub(crate) vip_share: f64,
    /// Topic forced, by index.
    pub(crate) topic: Option<usize>,
    /// Language forced, by index.
    pub(crate) language: Option<usize>,
    /// Channel mix.
    pub(crate) channels: &'a [ChannelShare],
    /// The surges that apply to it.
    pub(crate) surges: Vec<&'a Surge>,
}

impl<'a> Source<'a> {
    /// The arrival multiplier at `t_ms`.
    pub(crate) fn multiplier(&self, t_ms: f64) -> f64 {
        let day = (t_ms / 86_400_000.0).floor() as u32;
        let hour = (t_ms / 3_600_000.0) % 24.0;
        self.surges
            .iter()
            .filter(|s| s.day.is_none_or(|d| d == day))
            .filter(|s| hour >= s.start_hour && hour < s.end_hour)
            .map(|s| s.multiplier)
            .product()
    }

    /// The largest multiplier anywhere (for thinning).
    pub(crate) fn max_multiplier(&self) -> f64 {
        // Overlapping windows multiply; the product of all that exceed 1 is
        // an upper bound.
        self.surges.iter().map(|s| s.multiplier.max(1.0)).product()
    }
}

impl Scenario {
    /// The arrival sources: the segments, or the implicit one.
    pub(crate) fn sources(&self) -> Vec<Source<'_>> {
        let surges_for = |name: Option<&str>| -> Vec<&Surge> {
            self.surges
                .iter()
                .filter(|s| s.segment.is_none() || s.segment.as_deref() == name)
                .collect()
        };
        if self.segments.is_empty() {
            return vec![Source {
                index: 0,
                per_day: self.arrivals.conversations_per_day,
                curve: &self.arrivals.curve,
                vip_share: self.customers.vip_share,
                topic: None,
                language: None,
                channels: &self.channels,
                surges: surges_for(None),
            }];
        }
        self.segments
            .iter()
            .enumerate()
            .map(|(index, g)| Source {
                index,
                per_day: g.conversations_per_day,
                curve: if g.curve.is_empty() {
                    &self.arrivals.curve
                } else {
                    &g.curve
                },
                vip_share: g.vip_share.unwrap_or(self.customers.vip_share),
                topic: g
                    .topic
                    .as_ref()
                    .and_then(|t| self.topics.iter().position(|x| &x.name == t)),
                language: g
                    .language
                    .as_ref()
                    .and_then(|l| self.languages.iter().position(|x| &x.name == l)),
                channels: g.channels.as_deref().unwrap_or(&self.channels),
                surges: surges_for(Some(&g.name)),
            })
            .collect()
    }

    pub(super) fn validate_segments(&self) -> Result<(), ScenarioError> {
        for (i, g) in self.segments.iter().enumerate() {
            let f = |name: &str| format!("segments[{i}].{name}");
            range(
                f("conversations_per_day"),
                g.conversations_per_day,
                0.0,
                super::validate::MAX_CONVERSATIONS_PER_DAY,
                "a rate in 0..=10000000 per day",
            )?;
            if let Some(v) = g.vip_share {
                share(f("vip_share"), v)?;
            }
            curve(&f("curve"), &g.curve)?;
            if let Some(t) = &g.topic {
                if !self.topics.iter().any(|x| &x.name == t) {
                    return Err(ScenarioError::UnknownName {
                        field: f("topic"),
                        name: t.clone(),
                        known: self.topics.iter().map(|x| x.name.clone()).collect(),
                    });
                }
            }
            if let Some(l) = &g.language {
                if !self.languages.iter().any(|x| &x.name == l) {
                    return Err(ScenarioError::UnknownName {
                        field: f("language"),
                        name: l.clone(),
                        known: self.languages.iter().map(|x| x.name.clone()).collect(),
                    });
                }
            }
            if let Some(ch) = &g.channels {
                for (j, c) in ch.iter().enumerate() {
                    non_negative(format!("segments[{i}].channels[{j}].share"), c.share)?;
                }
                if ch.iter().map(|c| c.share).sum::<f64>() <= 0.0 {
                    return Err(ScenarioError::Empty {
                        field: f("channels"),
                        problem: "must list at least one entry with a share above 0",
                    });
                }
            }
        }
        for (i, s) in self.surges.iter().enumerate() {
            let f = |name: &str| format!("surges[{i}].{name}");
            range(
                f("start_hour"),
                s.start_hour,
                0.0,
                24.0,
                "an hour in 0..=24",
            )?;
            range(
                f("end_hour"),
                s.end_hour,
                s.start_hour,
                24.0,
                "an hour in start_hour..=24",
            )?;
            range(
                f("multiplier"),
                s.multiplier,
                0.0,
                1_000.0,
                "a multiplier in 0..=1000",
            )?;
            if let Some(name) = &s.segment {
                if !self.segments.iter().any(|g| &g.name == name) {
                    return Err(ScenarioError::UnknownName {
                        field: f("segment"),
                        name: name.clone(),
                        known: self.segments.iter().map(|g| g.name.clone()).collect(),
                    });
                }
            }
        }
        Ok(())
    }
}
