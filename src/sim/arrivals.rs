//! Who arrives when: a non-homogeneous Poisson process per customer
//! segment (thinning against the segment's curve times its surges), with
//! returning customers; or, for a classical scenario, Poisson arrivals at
//! a constant rate within each interval. Each segment draws from its own
//! stream, so adding a segment does not change the others' customers; a
//! scenario without segments or surges draws exactly as before they
//! existed.

use super::classical::Classical;
use super::rng::{SimRng, Stream};
use super::scenario::{CurvePoint, Scenario};
use super::segments::Source;
use super::workload::{ms, Arrival};
use crate::model::{
    Channel, CustomerId, Level, Priority, SkillId, SkillRequirement, Tier, Timestamp,
};

const HOUR_MS: f64 = 3_600_000.0;

/// A curve's weight at `hour` (linear between points, the end points'
/// weights outside them).
pub(crate) fn curve_at(c: &[CurvePoint], hour: f64) -> f64 {
    let Some(first) = c.first() else { return 0.0 };
    if hour <= first.hour {
        return first.weight;
    }
    for w in c.windows(2) {
        if hour <= w[1].hour {
            let span = w[1].hour - w[0].hour;
            if span <= 0.0 {
                return w[1].weight;
            }
            let f = (hour - w[0].hour) / span;
            return w[0].weight + f * (w[1].weight - w[0].weight);
        }
    }
    c.last().map_or(0.0, |p| p.weight)
}

/// The area under a curve over one day, by fine trapezoids.
pub(crate) fn curve_area(c: &[CurvePoint]) -> f64 {
    let steps = 24 * 60;
    (0..steps)
        .map(|i| {
            let h = i as f64 * 24.0 / steps as f64;
            (curve_at(c, h) + curve_at(c, h + 24.0 / steps as f64)) / 2.0 * (24.0 / steps as f64)
        })
        .sum()
}

/// All arrivals of the day, in time order (ties in generation order).
pub(crate) fn arrivals(s: &Scenario, seed: u64) -> Vec<Arrival> {
    let mut out = Vec::new();
    let ids = SkillIds::of(s);
    if let Some(c) = &s.classical {
        classical(s, c, &ids, seed, &mut out);
    } else {
        for source in s.sources() {
            segment(s, &source, &ids, seed, &mut out);
        }
    }
    // Stable sort: equal times keep generation order. A classical day (and
    // a one-segment day without returns) comes out in order already, and
    // the check costs a compare per arrival where the sort's scratch
    // buffer alone was half the day's arrivals (issue 22).
    if !out.is_sorted_by_key(|a| a.at) {
        out.sort_by_key(|a| a.at);
    }
    out
}

fn segment(s: &Scenario, src: &Source<'_>, ids: &SkillIds, seed: u64, out: &mut Vec<Arrival>) {
    let mut rng = SimRng::stream(seed, Stream::Arrivals, src.index as u64, 0);
    let horizon = s.horizon_ms() as f64;
    let area = curve_area(src.curve);
    let max_w = src.curve.iter().map(|p| p.weight).fold(0.0, f64::max);
    let max_m = src.max_multiplier();
    if area <= 0.0 || max_w <= 0.0 || src.per_day <= 0.0 || max_m <= 0.0 {
        return;
    }
    // First contacts: returns come on top, so a chain of returns with share
    // r multiplies them by 1 / (1 - r).
    let per_day = src.per_day * (1.0 - s.customers.return_share);
    // Rate per ms at weight w is per_day * w / (area hours * HOUR_MS).
    let max_rate = per_day * max_w * max_m / (area * HOUR_MS);
    let mut t = 0.0;
    let mut next_customer = (src.index as u64) << 40;
    loop {
        t += rng.exp(1.0 / max_rate);
        if t >= horizon {
            break;
        }
        let w = curve_at(src.curve, (t / HOUR_MS) % 24.0) * src.multiplier(t);
        if !rng.chance(w / (max_w * max_m)) {
            continue;
        }
        let customer = CustomerId(next_customer);
        next_customer += 1;
        let tier = if rng.chance(src.vip_share) {
            Tier::Vip
        } else {
            Tier::Standard
        };
        let channel = src.channels[rng.pick(src.channels.iter().map(|c| c.share))].channel;
        let drawn = rng.pick(s.languages.iter().map(|l| l.share));
        let language = src.language.unwrap_or(drawn);
        let mut at = t;
        let mut returning = false;
        // The customer's chain of conversations: each may be followed by a
        // return (same customer, channel and language, a fresh topic).
        loop {
            let who = Who {
                customer,
                tier,
                channel,
                language,
                topic: src.topic,
            };
            out.push(conversation(s, ids, &mut rng, at, &who, returning));
            if !rng.chance(s.customers.return_share) {
                break;
            }
            at += rng.lognormal(s.customers.return_after_hours_median * HOUR_MS, 1.0);
            // Customers return while the centre is open (curve weight > 0).
            if at >= horizon || curve_at(src.curve, (at / HOUR_MS) % 24.0) <= 0.0 {
                break;
            }
            returning = true;
        }
    }
}

/// Poisson arrivals at the interval's constant rate; no bot, no returns.
fn classical(s: &Scenario, c: &Classical, ids: &SkillIds, seed: u64, out: &mut Vec<Arrival>) {
    let mut rng = SimRng::stream(seed, Stream::Arrivals, 0, 0);
    let horizon = s.horizon_ms() as f64;
    let step = c.interval_ms().max(1) as f64;
    let limit = c.customers.unwrap_or(u64::MAX);
    let mut t = 0.0;
    let mut interval = 0usize;
    let mut n = 0u64;
    while t < horizon && n < limit {
        let end = ((interval + 1) as f64 * step).min(horizon);
        let rate = c.rate_per_hour(interval) / HOUR_MS;
        if rate <= 0.0 {
            t = end;
            interval += 1;
            continue;
        }
        let next = t + rng.exp(1.0 / rate);
        if next >= end {
            // Memoryless: restart the clock at the interval's end.
            t = end;
            interval += 1;
            continue;
        }
        t = next;
        let tier = if rng.chance(s.customers.vip_share) {
            Tier::Vip
        } else {
            Tier::Standard
        };
        let channel = s.channels[rng.pick(s.channels.iter().map(|c| c.share))].channel;
        let language = rng.pick(s.languages.iter().map(|l| l.share));
        let who = Who {
            customer: CustomerId(n),
            tier,
            channel,
            language,
            topic: None,
        };
        let mut a = conversation(s, ids, &mut rng, t, &who, false);
        a.bot = false;
        out.push(a);
        n += 1;
    }
}

/// The customer side of one conversation, fixed before its topic is drawn.
struct Who {
    customer: CustomerId,
    tier: Tier,
    channel: Channel,
    language: usize,
    topic: Option<usize>,
}

/// Each topic's and each language's skill id ([`Scenario::skill_id`] of
/// its skill name), resolved once per scenario: asking per conversation
/// rebuilt the scenario's skill-name list every time (4.3% of the default
/// day's instructions).
struct SkillIds {
    topics: Vec<Option<u32>>,
    languages: Vec<Option<u32>>,
}

impl SkillIds {
    fn of(s: &Scenario) -> Self {
        let names = s.skill_names();
        let id = |name: &Option<String>| {
            let name = name.as_deref()?;
            names.iter().position(|n| *n == name).map(|i| i as u32)
        };
        Self {
            topics: s.topics.iter().map(|t| id(&t.skill)).collect(),
            languages: s.languages.iter().map(|l| id(&l.skill)).collect(),
        }
    }
}

fn conversation(
    s: &Scenario,
    ids: &SkillIds,
    rng: &mut SimRng,
    at: f64,
    who: &Who,
    returning: bool,
) -> Arrival {
    let drawn = rng.pick(s.topics.iter().map(|t| t.share));
    let topic = who.topic.unwrap_or(drawn);
    let mut skills = Vec::new();
    if let Some(id) = ids.topics[topic] {
        skills.push(SkillRequirement {
            skill: SkillId(id),
            min_level: Level::new(s.topics[topic].min_level).unwrap_or(Level::MIN),
        });
    }
    if let Some(id) = ids.languages[who.language] {
        if !skills.iter().any(|r| r.skill.0 == id) {
            skills.push(SkillRequirement {
                skill: SkillId(id),
                min_level: Level::MIN,
            });
        }
    }
    skills.sort();
    let x = rng.unit();
    let c = &s.customers;
    let priority = if x < c.urgent_share {
        Priority::Urgent
    } else if x < c.urgent_share + c.high_priority_share {
        Priority::High
    } else {
        Priority::Normal
    };
    Arrival {
        at: Timestamp(ms(at)),
        customer: who.customer,
        tier: who.tier,
        channel: who.channel,
        topic: topic as u16,
        language: Some(who.language as u16),
        skills,
        priority,
        bot: rng.chance(s.bot.share),
        returning,
    }
}
