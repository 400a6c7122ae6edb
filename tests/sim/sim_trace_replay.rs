//! The trace is complete: from the JSON Lines alone (no engine, no
//! simulator state) this test recomputes every agent's load after every
//! decision and checks it against the load the line reports and the cap,
//! recomputes every customer's last agent and checks every sticky decision,
//! and follows every conversation's life to its end.

use crate::sim_support;

use serde_json::Value;
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use switchboard::policy;
use switchboard::sim::Simulation;
use switchboard::Channel;

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn trace(policy_name: &str, offers: bool) -> String {
    let buf = Shared::default();
    let scenario = if offers {
        sim_support::small_scenario_with_offers()
    } else {
        sim_support::small_scenario()
    };
    Simulation::new(scenario, 21)
        .with_trace(Box::new(buf.clone()))
        .run(policy::BuiltinPolicy::from_name(policy_name).unwrap())
        .unwrap();
    let bytes = buf.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

#[derive(Default)]
struct Conv {
    customer: u64,
    weight: u64,
    /// (agent, capacity held in milli-units)
    held: Option<(u64, u64)>,
    resolved: bool,
    /// The agent this conversation should be sticky to, from the customer's
    /// history when it was routed to humans.
    expect_sticky: Option<u64>,
    sticky_outcomes: u32,
    assigned_once: bool,
    /// Parked, then released by an agent who logged off: the next customer
    /// message routes it afresh (sticky to that agent).
    released: bool,
}

struct Replay {
    weights: Vec<u64>,
    parked_permille: u64,
    affinity_ms: u64,
    loads: HashMap<u64, u64>,
    caps: HashMap<u64, u64>,
    convs: HashMap<u64, Conv>,
    last_agent: HashMap<u64, (u64, u64)>,
    cap_checks: u64,
    sticky_checked: u64,
    /// Last load reported per agent by the current command's decisions.
    reported: HashMap<u64, u64>,
}

fn u(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("expected a number, got {v}"))
}

impl Replay {
    fn new(header: &Value) -> Self {
        assert_eq!(header["type"], "header");
        assert_eq!(header["format"], "switchboard-trace/1");
        let engine = &header["engine"];
        Replay {
            // A map from channel name to weight, indexed here as
            // `Channel::index` orders the channels.
            weights: Channel::ALL
                .iter()
                .map(|c| {
                    let name = serde_json::to_value(c).unwrap();
                    u(&engine["channel_weights"][name.as_str().unwrap()])
                })
                .collect(),
            parked_permille: u(&engine["parked_weight_permille"]),
            affinity_ms: u(&engine["affinity_window"]),
            loads: HashMap::new(),
            caps: HashMap::new(),
            convs: HashMap::new(),
            last_agent: HashMap::new(),
            cap_checks: 0,
            sticky_checked: 0,
            reported: HashMap::new(),
        }
    }

    fn set_held(&mut self, conversation: u64, held: Option<(u64, u64)>) {
        let conv = self
            .convs
            .get_mut(&conversation)
            .expect("decision about an unknown conversation");
        if let Some((agent, amount)) = conv.held.take() {
            let load = self.loads.entry(agent).or_default();
            *load = load.checked_sub(amount).expect("released more than held");
        }
        if let Some((agent, amount)) = held {
            *self.loads.entry(agent).or_default() += amount;
        }
        conv.held = held;
    }

    /// Called when a conversation enters the human tier.
    fn routed(&mut self, t: u64, conversation: u64) {
        let customer = self.convs[&conversation].customer;
        let expect = self
            .last_agent
            .get(&customer)
            .filter(|(_, when)| t - when <= self.affinity_ms)
            .map(|(a, _)| *a);
        let conv = self.convs.get_mut(&conversation).unwrap();
        conv.expect_sticky = expect;
        conv.sticky_outcomes = 0;
        conv.assigned_once = false;
        conv.released = false;
    }

    fn input(&mut self, t: u64, line: &Value) {
        let cmd = &line["command"];
        match cmd["type"].as_str().unwrap() {
            "add_agent" => {
                self.caps.insert(u(&cmd["id"]), u(&cmd["cap"]));
                self.loads.insert(u(&cmd["id"]), 0);
            }
            "open_conversation" => {
                let id = u(&cmd["conversation"]);
                let channel: Channel = serde_json::from_value(cmd["channel"].clone()).unwrap();
                assert!(!self.convs.contains_key(&id), "conversation opened twice");
                self.convs.insert(
                    id,
                    Conv {
                        customer: u(&cmd["customer"]),
                        weight: self.weights[channel.index()],
                        ..Conv::default()
                    },
                );
                assert_eq!(u(&line["customer"]), u(&cmd["customer"]));
                if !cmd["start_in_bot"].as_bool().unwrap() {
                    self.routed(t, id);
                }
            }
            "escalate" => self.routed(t, u(&cmd["conversation"])),
            "customer_message" => {
                let c = u(&cmd["conversation"]);
                if self.convs[&c].released {
                    self.routed(t, c);
                }
            }
            "agent_message" => {
                let c = u(&cmd["conversation"]);
                let agent = u(&cmd["agent"]);
                assert_eq!(
                    self.convs[&c].held.map(|h| h.0),
                    Some(agent),
                    "agent wrote into a thread they do not hold"
                );
                self.last_agent.insert(self.convs[&c].customer, (agent, t));
            }
            _ => {}
        }
        if let Some(c) = line["conversation"].as_u64() {
            assert_eq!(Some(self.convs[&c].customer), line["customer"].as_u64());
        }
    }

    fn decision(&mut self, t: u64, line: &Value) {
        let d = &line["decision"];
        let kind = d["kind"].as_str().unwrap();
        let conversation = d["conversation"].as_u64();
        if let Some(c) = conversation {
            let conv = &self.convs[&c];
            assert!(
                !conv.resolved,
                "decision {kind} after conversation#{c} was resolved"
            );
            assert_eq!(Some(conv.customer), line["customer"].as_u64());
        }
        match kind {
            "agent_added" => {}
            "capacity_changed" => {
                self.caps.insert(u(&d["agent"]), u(&d["cap"]));
            }
            "assigned" | "offered" => {
                let c = conversation.unwrap();
                let agent = u(&d["agent"]);
                let w = self.convs[&c].weight;
                self.set_held(c, Some((agent, w)));
                let conv = self.convs.get_mut(&c).unwrap();
                if !conv.assigned_once {
                    conv.assigned_once = true;
                    if conv.expect_sticky.is_some() {
                        assert_eq!(
                            conv.sticky_outcomes, 1,
                            "conversation#{c} assigned without a sticky decision"
                        );
                    }
                }
                self.last_agent.insert(conv.customer, (agent, t));
            }
            "parked" => {
                let c = conversation.unwrap();
                let w = self.convs[&c].weight * self.parked_permille / 1000;
                self.set_held(c, Some((u(&d["agent"]), w)));
            }
            "requeued" | "transferred" => self.set_held(conversation.unwrap(), None),
            // A parked thread whose customer writes while its agent cannot
            // take it back waits for that agent; the engine gives its parked
            // weight back meanwhile, and the decision carries the load after.
            "waiting_for_agent" => {
                self.set_held(conversation.unwrap(), None);
                self.reported.insert(u(&d["agent"]), u(&d["load"]));
            }
            "released" => {
                self.set_held(conversation.unwrap(), None);
                self.convs.get_mut(&conversation.unwrap()).unwrap().released = true;
            }
            "resolved" => {
                let c = conversation.unwrap();
                self.set_held(c, None);
                self.convs.get_mut(&c).unwrap().resolved = true;
            }
            "sticky_hit" | "sticky_miss" => {
                let c = conversation.unwrap();
                let conv = self.convs.get_mut(&c).unwrap();
                assert_eq!(
                    conv.expect_sticky,
                    Some(u(&d["agent"])),
                    "sticky decision for conversation#{c} names the wrong agent"
                );
                conv.sticky_outcomes += 1;
                assert_eq!(
                    conv.sticky_outcomes, 1,
                    "two sticky outcomes for conversation#{c}"
                );
                self.sticky_checked += 1;
            }
            _ => {}
        }
        // Every decision carrying a load: the load fits the cap. Within one
        // command the engine may reserve and release for several decisions
        // before it reports (two pulls for one agent, a parked thread's
        // weight swapped for a full one), so a decision's load can already
        // count its neighbours; after the command's last decision the last
        // load reported for each agent must equal the recomputed one.
        if let (Some(load), Some(cap)) = (d["load"].as_u64(), d["cap"].as_u64()) {
            if let Some(agent) = d["agent"].as_u64().or(d["from"].as_u64()) {
                self.reported.insert(agent, load);
                assert_eq!(self.caps[&agent], cap);
                assert!(load <= cap, "agent#{agent} over cap");
                self.cap_checks += 1;
            }
        }
    }

    /// At the end of a command: every agent's last reported load is exact.
    fn end_of_command(&mut self) {
        for (agent, load) in self.reported.drain() {
            assert_eq!(
                self.loads[&agent], load,
                "agent#{agent}: recomputed load differs after the command"
            );
        }
    }

    /// Every line naming an agent reports that agent's load and cap: exact
    /// for input lines (after all of the command's decisions), at least the
    /// recomputed load and at most the cap for decision lines.
    fn check_line_load(&self, line: &Value, exact: bool) {
        if let Some(agent) = line["agent"].as_u64() {
            let reported = line["load"]
                .as_u64()
                .expect("a line naming an agent has a load");
            let cap = self.caps[&agent];
            assert_eq!(line["cap"].as_u64(), Some(cap));
            assert!(reported <= cap, "over cap: {line}");
            if exact {
                assert_eq!(
                    reported, self.loads[&agent],
                    "input line load differs from the recomputed load: {line}"
                );
            }
        }
    }
}

fn replay(text: &str) -> Replay {
    let mut lines = text.lines();
    let header: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let mut r = Replay::new(&header);
    let mut last_t = 0;
    // An input line is written after its decisions are known, so its load
    // is the load after all of them: check it after replaying them.
    let mut pending: Option<Value> = None;
    for text in lines {
        let line: Value = serde_json::from_str(text).unwrap();
        let t = u(&line["t"]);
        assert!(t >= last_t, "time went backwards");
        last_t = t;
        match line["type"].as_str().unwrap() {
            "input" => {
                r.end_of_command();
                if let Some(p) = pending.take() {
                    r.check_line_load(&p, true);
                }
                r.input(t, &line);
                pending = Some(line);
            }
            "decision" => {
                r.decision(t, &line);
                r.check_line_load(&line, false);
            }
            other => panic!("unknown line type {other}"),
        }
    }
    r.end_of_command();
    if let Some(p) = pending {
        r.check_line_load(&p, true);
    }
    r
}

#[test]
fn loads_caps_and_stickiness_recompute_from_the_trace_alone() {
    for name in policy::BuiltinPolicy::names() {
        println!("policy {name}");
        let r = replay(&trace(name, false));
        assert!(
            r.cap_checks > 500,
            "{name}: too few cap checks ({})",
            r.cap_checks
        );
        assert!(
            r.sticky_checked > 20,
            "{name}: too few sticky decisions ({})",
            r.sticky_checked
        );
        assert!(r.convs.values().any(|c| c.resolved));
    }
}

#[test]
fn offers_replay_too() {
    let r = replay(&trace("least_loaded", true));
    assert!(r.cap_checks > 500);
}
