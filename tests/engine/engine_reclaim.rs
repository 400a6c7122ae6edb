//! Skill groups are reclaimed (issue 21): a group with no member is freed
//! once no conversation points at it any more, its slot reused. Before, a
//! group made from any skill set a command named lived for ever, so a host
//! naming a new skill set per conversation grew the engine without bound
//! (only `Limits::skill_groups` stopped it, by refusing work).
//!
//! Reclaiming must change no decision: the same stream gives the same
//! decisions with purges (which reclaim) as without, and a snapshot taken
//! across reclamation restores to an engine that decides identically.

use switchboard::{
    AgentId, AgentSpec, AgentStatus, Capacity, Command, ConversationId, CustomerId, Decision,
    Engine, EngineConfig, Level, Limits, ResolveReason, SkillId, SkillRequirement, Snapshot,
    Timestamp, TransferTarget,
};

fn engine(limits: Limits) -> Engine {
    let config = EngineConfig::builder()
        .limits(limits)
        .build()
        .expect("valid limits");
    Engine::new(config, switchboard::policy::BuiltinPolicy::LeastLoaded).expect("engine")
}

fn open(id: u64, skills: &[u32]) -> Command {
    let mut open = Command::open(ConversationId(id), CustomerId(id));
    for &s in skills {
        open = open.skill(SkillId(s), Level::MIN);
    }
    open.into()
}

fn resolve(id: u64) -> Command {
    Command::Resolve {
        conversation: ConversationId(id),
        reason: ResolveReason::Solved,
    }
}

fn purge(before: u64) -> Command {
    Command::Purge {
        resolved_before: Timestamp(before),
    }
}

/// The defect: a host (or a host bug) naming a new skill set for every
/// conversation, over a long run with purges. Each set makes a group no
/// agent serves; once its conversation is resolved and purged, the group
/// goes. The group count stays bounded by what is live, far under the
/// limit, and no open is refused.
#[test]
fn regression_a_host_naming_a_new_skill_set_per_conversation_keeps_the_group_count_bounded() {
    let mut e = engine(Limits::default().skill_groups(64));
    let agent = AgentSpec::new(AgentId(1), Capacity::units(4)).skill(SkillId(1), Level::MIN);
    e.apply(Timestamp(0), Command::AddAgent(agent))
        .expect("agent");
    let mut most = 0;
    for id in 1..=20_000u64 {
        let at = id * 1_000;
        // Skill 1 is served; the second skill is new every time.
        e.apply(Timestamp(at), open(id, &[1, 1_000_000 + id as u32]))
            .expect("never refused for the group limit");
        if id % 3 == 0 {
            // Moved to yet another new set: its old group goes at once.
            let to = TransferTarget::Skills(vec![SkillRequirement::any_level(SkillId(
                2_000_000 + id as u32,
            ))]);
            e.apply(
                Timestamp(at + 1),
                Command::Transfer {
                    conversation: ConversationId(id),
                    to,
                },
            )
            .expect("transfer");
        }
        e.apply(Timestamp(at + 2), resolve(id)).expect("resolve");
        if id % 10 == 0 {
            e.apply(Timestamp(at + 3), purge(at + 3)).expect("purge");
            most = most.max(e.group_stats().len());
        }
        if id % 2_000 == 0 {
            e.audit().expect("audit");
        }
    }
    // At most the ten resolved since the last purge, and the ones they
    // were moved out of (reclaimed at once), plus the agent's groups.
    assert!(most <= 12, "groups stayed bounded: {most}");
    e.apply(Timestamp(30_000_000), purge(30_000_000))
        .expect("purge");
    assert_eq!(e.group_stats().len(), 0, "every member-less group went");
    assert_eq!(e.audit().expect("audit").queues, 0);
}

/// A small deterministic generator (xorshift), so the streams below are
/// the same on every run without a random-number crate.
struct Gen(u64);

impl Gen {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// A stream mixing served and new skill sets, agents registering later
/// with skills that earlier groups needed (a reclaimed group is then made
/// again with its members), transfers, status changes and resolves.
/// `purges` interleaves purges (which reclaim); without, nothing is
/// reclaimed except by transfers.
fn stream(seed: u64, purges: bool) -> Vec<(Timestamp, Command)> {
    let mut g = Gen(seed | 1);
    let mut out = Vec::new();
    let mut open_ids: Vec<u64> = Vec::new();
    let mut next_conv = 1u64;
    let mut next_agent = 1u64;
    for step in 0..3_000u64 {
        let at = Timestamp(step * 500);
        let skill = |g: &mut Gen| match g.next(3) {
            0 => g.next(4) as u32 + 1,
            _ => 100 + g.next(60) as u32,
        };
        let command = match g.next(12) {
            0 => {
                let mut spec = AgentSpec::new(AgentId(next_agent), Capacity::units(2));
                let (a, b) = (skill(&mut g), skill(&mut g));
                spec = spec.skill(SkillId(a), Level::MIN);
                if b != a {
                    spec = spec.skill(SkillId(b), Level::MIN);
                }
                next_agent += 1;
                Command::AddAgent(spec)
            }
            1 if next_agent > 1 => Command::SetAgentStatus {
                agent: AgentId(g.next(next_agent - 1) + 1),
                status: if g.next(2) == 0 {
                    AgentStatus::Offline
                } else {
                    AgentStatus::Online
                },
            },
            2..=5 => {
                let id = next_conv;
                next_conv += 1;
                open_ids.push(id);
                let (a, b) = (skill(&mut g), skill(&mut g));
                let skills = if a == b { vec![a] } else { vec![a, b] };
                open(id, &skills)
            }
            6 if !open_ids.is_empty() => {
                let id = open_ids[g.next(open_ids.len() as u64) as usize];
                Command::Transfer {
                    conversation: ConversationId(id),
                    to: TransferTarget::Skills(vec![SkillRequirement::any_level(SkillId(skill(
                        &mut g,
                    )))]),
                }
            }
            7..=9 if !open_ids.is_empty() => {
                let i = g.next(open_ids.len() as u64) as usize;
                resolve(open_ids.swap_remove(i))
            }
            10 if purges => purge(at.0),
            _ => Command::Tick,
        };
        out.push((at, command));
    }
    out
}

/// Applies `commands`, auditing as it goes; returns every decision (or
/// refusal, as text) in order.
fn run(e: &mut Engine, commands: &[(Timestamp, Command)]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, (at, command)) in commands.iter().enumerate() {
        match e.apply(*at, command.clone()) {
            Ok(decisions) => out.extend(
                decisions
                    .into_iter()
                    .filter(|d| !matches!(d, Decision::Purged { .. }))
                    .map(|d| format!("{d:?}")),
            ),
            Err(err) => out.push(format!("refused: {err}")),
        }
        if i % 97 == 0 {
            e.audit().expect("audit");
        }
    }
    e.audit().expect("audit");
    out
}

/// Asserts `a == b`, showing only where they first differ (snapshots and
/// decision lists are long).
fn same<T: PartialEq + std::fmt::Debug>(a: &[T], b: &[T], what: &str) {
    if let Some(i) = (0..a.len().min(b.len())).find(|&i| a[i] != b[i]) {
        let from = i.saturating_sub(2);
        let window = |v: &[T]| format!("{:?}", &v[i.saturating_sub(120)..(i + 40).min(v.len())]);
        eprintln!("{}\n{}", window(a), window(b));
        panic!(
            "{what}: first difference at {i}:\n{:?}\nvs\n{:?}",
            &a[from..(i + 3).min(a.len())],
            &b[from..(i + 3).min(b.len())]
        );
    }
    assert_eq!(a.len(), b.len(), "{what}: lengths");
}

#[test]
fn reclaiming_groups_changes_no_decision() {
    for seed in 1..=6 {
        let with = stream(seed, true);
        // The same stream without its purges (a purge fires no timer, so
        // dropping it moves nothing else).
        let without: Vec<_> = with
            .iter()
            .filter(|(_, c)| !matches!(c, Command::Purge { .. }))
            .cloned()
            .collect();
        let mut a = engine(Limits::default());
        let mut b = engine(Limits::default());
        let decided_with = run(&mut a, &with);
        let decided_without = run(&mut b, &without);
        same(&decided_with, &decided_without, &format!("seed {seed}"));
        assert!(
            a.group_stats().len() < b.group_stats().len(),
            "seed {seed}: purges reclaimed groups ({} vs {})",
            a.group_stats().len(),
            b.group_stats().len()
        );
    }
}

#[test]
fn a_snapshot_across_reclaimed_groups_restores_and_replays_identically() {
    for seed in 1..=6 {
        let commands = stream(seed, true);
        let (first, second) = commands.split_at(commands.len() / 2);
        let mut live = engine(Limits::default());
        run(&mut live, first);
        let json = live.snapshot().to_json().expect("json");
        assert!(json.contains("free_groups"), "seed {seed}: slots reclaimed");
        let restored = Snapshot::from_json(&json).expect("decodes");
        let mut restored =
            Engine::restore(restored, switchboard::policy::BuiltinPolicy::LeastLoaded)
                .expect("restores");
        same(
            restored.snapshot().to_json().expect("json").as_bytes(),
            json.as_bytes(),
            "restored",
        );
        let after_live = run(&mut live, second);
        let after_restored = run(&mut restored, second);
        same(&after_live, &after_restored, &format!("seed {seed}"));
        // A replay from scratch reaches the same state, slot for slot.
        let mut replayed = engine(Limits::default());
        run(&mut replayed, &commands);
        let end = live.snapshot().to_json().expect("json");
        let text = |e: &Engine| e.snapshot().to_json().expect("json").into_bytes();
        same(&text(&restored), end.as_bytes(), "restored at the end");
        same(&text(&replayed), end.as_bytes(), "replayed at the end");
    }
}
