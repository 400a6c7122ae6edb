//! Business hours: a calendar in a time zone (weekly opening hours,
//! dated closures such as holidays), and what a queue's waiting work does
//! when its calendar closes. Time zones come from jiff's bundled tz
//! database, so the same plan opens and closes at the same instants on
//! every machine (no system tz files read), daylight-saving gaps and folds
//! included.
//!
//! The engine asks a compiled calendar two things, both only when a
//! calendar's timer fires or a plan loads (never per decision): whether it
//! is open at an instant, and when that next changes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A calendar: a time zone, the weekly opening hours, and dated closures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarDef {
    /// The calendar's name, unique in the plan; queues name it.
    pub name: String,
    /// An IANA time zone name (`Europe/Berlin`, `America/New_York`,
    /// `UTC`); hours are local times there.
    pub time_zone: String,
    /// Opening hours by weekday; a day with no entry is closed.
    #[serde(default)]
    pub weekly: Vec<WeeklyHours>,
    /// Whole local days closed whatever `weekly` says (holidays,
    /// closures).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closures: Vec<Closure>,
}

/// Open from `open` to `close` (local `HH:MM`, `close` may be `24:00`) on
/// each of `days`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    /// The weekdays these hours apply to.
    pub days: Vec<Weekday>,
    /// Local opening time, `HH:MM`.
    pub open: String,
    /// Local closing time, `HH:MM`, after `open` (`24:00`: midnight at
    /// the end of the day).
    pub close: String,
}

/// A day of the week.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

/// Local days closed: `from` to `until` (inclusive; `until` absent: the
/// one day `from`), dates as `YYYY-MM-DD`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    /// The first closed day.
    pub from: String,
    /// The last closed day (inclusive); absent for one day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Why (shown to people; `Christmas Day`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// What a queue's waiting work does when the queue closes, and what a
/// conversation arriving while it is closed does.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum OnClose {
    /// Keep waiting, age kept; answered when the queue opens.
    #[default]
    KeepWaiting,
    /// Move to another queue (its own place there, age kept).
    MoveTo {
        /// The queue's name.
        queue: String,
    },
    /// Hand to the bot tier.
    ToBot,
    /// Resolve (as expired), with this reason in the decision.
    Resolve {
        /// Why, for the customer's record.
        reason: String,
    },
}

/// A calendar ready to ask: minutes of opening per weekday (Monday
/// first), closed date ranges sorted.
#[derive(Clone, Debug)]
pub(crate) struct CCalendar {
    pub name: String,
    tz: jiff::tz::TimeZone,
    /// Per weekday, open `[from, to)` minutes of the local day, sorted and
    /// merged (no two touch).
    week: [Vec<(u16, u16)>; 7],
    /// Closed local days, `(first, last)` inclusive, sorted by `first`.
    closures: Vec<(jiff::civil::Date, jiff::civil::Date)>,
}

/// Days searched ahead for the next change of a calendar: a calendar that
/// does not change within them is re-read at the horizon.
pub(crate) const HORIZON_DAYS: usize = 400;

/// Minutes of a day.
const DAY_MINUTES: u16 = 24 * 60;

/// Parses `HH:MM` (`24:00` allowed when `end`) into minutes of the day.
fn minutes(text: &str, end: bool) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let total = h.checked_mul(60)?.checked_add(m)?;
    let ok = m < 60 && (total < DAY_MINUTES || (end && total == DAY_MINUTES));
    ok.then_some(total)
}

/// Parses `YYYY-MM-DD`.
fn date(text: &str) -> Option<jiff::civil::Date> {
    (text.len() == 10).then_some(())?;
    text.parse().ok()
}

/// Checks and compiles `def`; `Err` holds `(field suffix, message)` for
/// every problem.
pub(crate) fn compile(def: &CalendarDef) -> Result<CCalendar, Vec<(String, String)>> {
    use super::limits::{MAX_CLOSURES, MAX_WEEKLY};
    let mut problems = Vec::new();
    let tz = match jiff::tz::TimeZone::get(&def.time_zone) {
        Ok(tz) => Some(tz),
        Err(_) => {
            problems.push((
                "time_zone".to_owned(),
                format!(
                    "unknown time zone {:?} (an IANA name such as Europe/Berlin)",
                    def.time_zone
                ),
            ));
            None
        }
    };
    if def.weekly.len() > MAX_WEEKLY {
        problems.push(("weekly".to_owned(), format!("at most {MAX_WEEKLY} entries")));
    }
    if def.closures.len() > MAX_CLOSURES {
        problems.push((
            "closures".to_owned(),
            format!("at most {MAX_CLOSURES} entries"),
        ));
    }
    let mut week: [Vec<(u16, u16)>; 7] = Default::default();
    for (i, w) in def.weekly.iter().take(MAX_WEEKLY).enumerate() {
        let open = minutes(&w.open, false);
        let close = minutes(&w.close, true);
        match (open, close) {
            (Some(o), Some(c)) if o < c => {
                let mut days = w.days.clone();
                days.sort_unstable();
                days.dedup();
                for d in days {
                    week[d as usize].push((o, c));
                }
            }
            (Some(_), Some(_)) => problems.push((
                format!("weekly[{i}]"),
                "close must be after open (split hours over midnight in two entries)".to_owned(),
            )),
            _ => problems.push((
                format!("weekly[{i}]"),
                "times are HH:MM, 00:00 to 23:59 (close may be 24:00)".to_owned(),
            )),
        }
        if w.days.is_empty() {
            problems.push((format!("weekly[{i}].days"), "names no day".to_owned()));
        }
    }
    for day in &mut week {
        day.sort_unstable();
        let mut merged: Vec<(u16, u16)> = Vec::with_capacity(day.len());
        for &(o, c) in day.iter() {
            match merged.last_mut() {
                Some(last) if o <= last.1 => last.1 = last.1.max(c),
                _ => merged.push((o, c)),
            }
        }
        *day = merged;
    }
    let mut closures = Vec::with_capacity(def.closures.len().min(MAX_CLOSURES));
    for (i, c) in def.closures.iter().take(MAX_CLOSURES).enumerate() {
        let from = date(&c.from);
        let until = c.until.as_deref().map_or(from, date);
        match (from, until) {
            (Some(f), Some(u)) if f <= u => closures.push((f, u)),
            (Some(_), Some(_)) => {
                problems.push((format!("closures[{i}].until"), "is before from".to_owned()))
            }
            _ => problems.push((format!("closures[{i}]"), "dates are YYYY-MM-DD".to_owned())),
        }
    }
    closures.sort_unstable();
    match tz {
        Some(tz) if problems.is_empty() => Ok(CCalendar {
            name: def.name.clone(),
            tz,
            week,
            closures,
        }),
        _ => Err(problems),
    }
}

impl CCalendar {
    fn closed_day(&self, day: jiff::civil::Date) -> bool {
        // Ranges sorted by first day: the last one starting on or before
        // `day` is not enough (ranges may nest), so look at every range
        // starting on or before it; bounded by MAX_CLOSURES.
        let end = self.closures.partition_point(|r| r.0 <= day);
        self.closures[..end].iter().any(|r| r.1 >= day)
    }

    /// Whether the calendar is open at Unix millisecond `ms`.
    pub(crate) fn is_open(&self, ms: u64) -> bool {
        let Ok(ts) = jiff::Timestamp::from_millisecond(ms.min(i64::MAX as u64) as i64) else {
            return false;
        };
        let local = self.tz.to_datetime(ts);
        let day = local.date();
        if self.closed_day(day) {
            return false;
        }
        let minute = local.hour() as u16 * 60 + local.minute() as u16;
        self.week[day.weekday().to_monday_zero_offset() as usize]
            .iter()
            .any(|&(o, c)| o <= minute && minute < c)
    }

    /// The instant of a local `day` at `minute` (a time in a
    /// daylight-saving gap is taken as the same wall time after the gap,
    /// jiff's `compatible`; `minute` 1440 is the next day's midnight).
    fn instant(&self, day: jiff::civil::Date, minute: u16) -> Option<u64> {
        let (day, minute) = if minute >= DAY_MINUTES {
            (day.tomorrow().ok()?, 0)
        } else {
            (day, minute)
        };
        let dt = day.at((minute / 60) as i8, (minute % 60) as i8, 0, 0);
        let ts = self.tz.to_ambiguous_timestamp(dt).compatible().ok()?;
        u64::try_from(ts.as_millisecond()).ok()
    }

    /// The first instant after `ms` at which the calendar's state differs
    /// from its state at `ms`, or the horizon ([`HORIZON_DAYS`] ahead) if
    /// it does not change before it. Candidates are the local midnights
    /// and the opening and closing times of each day in order; each is
    /// checked with [`CCalendar::is_open`], so closures, gaps and folds
    /// are all read one way.
    pub(crate) fn next_change(&self, ms: u64) -> u64 {
        let now = self.is_open(ms);
        let horizon = ms.saturating_add(HORIZON_DAYS as u64 * 86_400_000);
        let Ok(ts) = jiff::Timestamp::from_millisecond(ms.min(i64::MAX as u64) as i64) else {
            return horizon;
        };
        let mut day = self.tz.to_datetime(ts).date();
        for _ in 0..=HORIZON_DAYS {
            let hours = &self.week[day.weekday().to_monday_zero_offset() as usize];
            let marks = std::iter::once(0).chain(hours.iter().flat_map(|&(o, c)| [o, c]));
            for minute in marks {
                let Some(at) = self.instant(day, minute) else {
                    continue;
                };
                if at > ms && self.is_open(at) != now {
                    return at;
                }
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        horizon
    }
}

#[cfg(test)]
mod tests;
