//! The harness's stream under a realistic routing plan (issue 19's speed
//! target): 20 routes chosen by topic, each a 3-step ladder (enter a
//! queue; raise the priority after a minute; overflow to the next queue
//! after three), 10 queues each on its own calendar (10 time zones, open
//! every day, so the flow of work is the same as without a plan and the
//! difference is the plan's own cost), and preferred agents (one, scored
//! 80, waited for up to 30 s) on every third conversation.

use switchboard::plan::{AttrValue, Attributes, Plan};
use switchboard::{AgentId, Command, PreferredAgent, TimeSpan};

/// Routes in the plan (the last is the default).
pub const ROUTES: u64 = 20;
const QUEUES: u64 = 10;
const ZONES: [&str; 10] = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Madrid",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Sydney",
];

/// The plan document.
pub fn realistic_plan() -> Plan {
    let calendars: Vec<String> = ZONES
        .iter()
        .enumerate()
        .map(|(i, zone)| {
            format!(
                r#"{{"name": "c{i}", "time_zone": "{zone}", "weekly": [{{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "open": "00:00", "close": "24:00"}}]}}"#
            )
        })
        .collect();
    let queues: Vec<String> = (0..QUEUES)
        .map(|q| format!(r#"{{"name": "q{q}", "calendar": "c{q}"}}"#))
        .collect();
    let routes: Vec<String> = (0..ROUTES)
        .map(|r| {
            let when = if r + 1 == ROUTES {
                String::new()
            } else {
                format!(r#""when": "topic == 't{r}'", "#)
            };
            let (q, next) = (r % QUEUES, (r + 1) % QUEUES);
            format!(
                r#"{{"name": "r{r}", {when}"steps": [
                    {{"after_ms": 0, "actions": [{{"do": "enter_queue", "queue": "q{q}"}}]}},
                    {{"after_ms": 60000, "actions": [{{"do": "raise_priority", "to": "high"}}]}},
                    {{"after_ms": 180000, "actions": [{{"do": "add_queue", "queue": "q{next}"}}]}}]}}"#
            )
        })
        .collect();
    let json = format!(
        r#"{{"calendars": [{}], "queues": [{}], "routes": [{}]}}"#,
        calendars.join(", "),
        queues.join(", "),
        routes.join(", ")
    );
    Plan::from_json(&json).expect("the realistic plan parses")
}

/// `command` as the plan's traffic sends it: an open gains a topic (one
/// per route, by conversation id) and, on every third conversation, a
/// preferred agent among `agents` agents from `agent_base`.
pub fn with_attributes(command: &mut Command, agent_base: u64, agents: u64) {
    let Command::OpenConversation(open) = command else {
        return;
    };
    let id = open.conversation.0;
    open.attributes = Attributes::new().with("topic", AttrValue::Text(format!("t{}", id % ROUTES)));
    if id % 3 == 0 {
        open.preferred = vec![PreferredAgent {
            agent: AgentId(agent_base + id.wrapping_mul(2_654_435_761) % agents),
            score: 80,
            wait: TimeSpan::from_secs(30),
        }];
    }
}
