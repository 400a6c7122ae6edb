//! The default scenario, calibrated to the field figures in DOMAIN.md:
//!
//! - a **10-minute first-response target** (the engine's default), warned at
//!   80% of it;
//! - **caps of 4 to 10** concurrent conversations per agent, most agents
//!   around 4 to 6;
//! - a workload sized so that agents close **about 7 resolutions per
//!   logged-in hour** (the messaging median is 7.2, range 5.7 to 14.5): an
//!   average conversation needs about four customer messages, each answered
//!   in about 1 to 2 minutes of writing;
//! - asynchronous customers: most answer within a minute or two, about one
//!   turn in eight goes quiet for tens of minutes to hours, and a few never
//!   come back (the thread expires after four hours);
//! - a bot tier that meets 40% of conversations and contains a third of
//!   them;
//! - 30% of conversations are followed by the same customer coming back
//!   (median after three hours), which exercises sticky routing;
//! - one day, customers writing 07:00 to 21:30, with a morning ramp, a lunch peak and an
//!   evening tail; agents on staggered 8-hour shifts with two 15-minute
//!   breaks, and a few mid-shift log-offs.

use super::scenario::*;
use crate::engine::EngineConfig;
use crate::model::Channel;

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            name: "default messaging day".into(),
            days: 1,
            policy: crate::policy::BuiltinPolicy::LeastLoaded,
            engine: EngineConfig::default(),
            arrivals: Arrivals::default(),
            customers: Customers::default(),
            conversations: Conversations::default(),
            bot: Bot::default(),
            channels: default_channels(),
            topics: default_topics(),
            languages: default_languages(),
            agents: default_agents(),
            segments: Vec::new(),
            surges: Vec::new(),
            classical: None,
            staffing: None,
            plan: None,
            agent_rules: Default::default(),
            unanswered: None,
        }
    }
}

impl Default for Arrivals {
    fn default() -> Self {
        let curve = [
            (0.0, 0.0),
            (6.99, 0.0),
            (7.0, 0.3),
            (9.0, 1.0),
            (11.0, 1.2),
            (12.5, 1.7),
            (14.0, 1.2),
            (17.0, 1.0),
            (19.0, 0.7),
            (21.0, 0.3),
            (21.5, 0.0),
            (24.0, 0.0),
        ];
        Arrivals {
            conversations_per_day: 4_000.0,
            curve: curve
                .iter()
                .map(|&(hour, weight)| CurvePoint { hour, weight })
                .collect(),
        }
    }
}

impl Default for Customers {
    fn default() -> Self {
        Customers {
            return_share: 0.3,
            return_after_hours_median: 3.0,
            vip_share: 0.05,
            high_priority_share: 0.1,
            urgent_share: 0.02,
        }
    }
}

impl Default for Conversations {
    fn default() -> Self {
        Conversations {
            turns_mean: 4.0,
            turns_max: 30,
            think_secs_median: 60.0,
            quiet_share: 0.12,
            quiet_minutes_median: 40.0,
            vanish_share: 0.03,
            expire_after_minutes: 240.0,
            patience_minutes_median: 45.0,
        }
    }
}

impl Default for Bot {
    fn default() -> Self {
        Bot {
            share: 0.4,
            containment: 0.33,
            minutes_median: 3.0,
        }
    }
}

fn default_channels() -> Vec<ChannelShare> {
    [
        (Channel::WhatsApp, 0.35),
        (Channel::Web, 0.20),
        (Channel::InApp, 0.15),
        (Channel::Messenger, 0.10),
        (Channel::Sms, 0.08),
        (Channel::AppleMessages, 0.05),
        (Channel::Instagram, 0.04),
        (Channel::Email, 0.03),
    ]
    .iter()
    .map(|&(channel, share)| ChannelShare { channel, share })
    .collect()
}

fn topic(name: &str, skill: Option<&str>, min_level: u8, share: f64, reply_secs: f64) -> Topic {
    Topic {
        name: name.into(),
        skill: skill.map(Into::into),
        min_level,
        share,
        reply_secs_median: reply_secs,
    }
}

fn default_topics() -> Vec<Topic> {
    vec![
        topic("billing", Some("billing"), 1, 0.40, 80.0),
        topic("technical", Some("technical"), 3, 0.30, 110.0),
        topic("sales", Some("sales"), 1, 0.20, 60.0),
        topic("general", None, 1, 0.10, 45.0),
    ]
}

fn default_languages() -> Vec<Language> {
    vec![
        Language {
            name: "english".into(),
            skill: None,
            share: 0.85,
        },
        Language {
            name: "spanish".into(),
            skill: Some("spanish".into()),
            share: 0.15,
        },
    ]
}

fn skill(name: &str, level_min: u8, level_max: u8) -> AgentSkill {
    AgentSkill {
        skill: name.into(),
        level_min,
        level_max,
        hours: None,
    }
}

/// A group on 8-hour shifts whose starts are spread from `start` over
/// `stagger` hours.
fn group(
    name: &str,
    count: u32,
    caps: (u32, u32),
    skills: &[AgentSkill],
    start: f64,
    stagger: f64,
) -> AgentGroup {
    AgentGroup {
        name: name.into(),
        count,
        cap_min: caps.0,
        cap_max: caps.1,
        skills: skills.to_vec(),
        channels: None,
        shift_start_hour: start,
        shift_stagger_hours: stagger,
        shift_hours: 8.0,
        breaks: 2,
        break_minutes: 15.0,
        logoff_share: 0.1,
        logoff_minutes: 30.0,
        drain_minutes: 15.0,
        speed_min: 0.7,
        speed_max: 1.4,
    }
}

/// Each team in an early wave (starts 07:00 to 09:00) and a late wave
/// (starts 11:00 to 14:00, so the last agents drain out at 22:00).
fn default_agents() -> Vec<AgentGroup> {
    let teams: [Team; 4] = [
        (
            "generalists",
            (4, 6),
            EARLY_GENERALISTS,
            LATE_GENERALISTS,
            vec![
                skill("billing", 3, 7),
                skill("sales", 3, 7),
                skill("technical", 1, 4),
            ],
        ),
        (
            "technical",
            (4, 6),
            6,
            7,
            vec![skill("technical", 5, 9), skill("billing", 1, 4)],
        ),
        (
            "bilingual",
            (5, 8),
            3,
            5,
            vec![
                skill("spanish", 6, 10),
                skill("billing", 3, 6),
                skill("sales", 3, 6),
                skill("technical", 3, 6),
            ],
        ),
        (
            "senior",
            (6, 10),
            2,
            2,
            vec![
                skill("billing", 7, 10),
                skill("sales", 7, 10),
                skill("technical", 7, 10),
                skill("spanish", 1, 5),
            ],
        ),
    ];
    let mut out = Vec::new();
    for (name, caps, early, late, skills) in teams {
        out.push(group(
            &format!("{name} early"),
            early,
            caps,
            &skills,
            7.0,
            2.0,
        ));
        out.push(group(
            &format!("{name} late"),
            late,
            caps,
            &skills,
            11.0,
            3.0,
        ));
    }
    out
}

/// A team: name, cap range, agents in the early and the late wave, skills.
type Team = (&'static str, (u32, u32), u32, u32, Vec<AgentSkill>);

const EARLY_GENERALISTS: u32 = 11;
const LATE_GENERALISTS: u32 = 14;
