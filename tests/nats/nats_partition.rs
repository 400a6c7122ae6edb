//! Partitions, not only pauses: the primary runs in a network namespace of
//! its own, joined to the NATS cluster by a veth pair, and the test cuts
//! the link (the process keeps running, its clock keeps going, its TCP
//! connections just stop getting through) instead of SIGSTOPping it. The
//! standby takes over; a command sent to the cut-off primary is never
//! acknowledged unless journaled; once the link is back the old primary
//! steps down; and the stream holds every acknowledged command exactly
//! once, with the decisions a replay makes (`nats_support::audit`).
//!
//! Needs root (or CAP_NET_ADMIN) and `ip` (iproute2): without them the
//! test says why and passes without running (RELIABILITY.md, "Partitions").

use crate::nats_support;

use nats_support::{audit, one_cluster, push, workload, Cluster, NodeProc, Outcome};
use std::process::Command as Proc;
use std::time::Duration;

const TENANT: &str = "parted";
const LEASE_MS: u64 = 1000;
const LIMIT: Duration = Duration::from_secs(60);

/// A network namespace joined to this one by a veth pair; removed on drop.
struct Netns {
    name: String,
    host_end: String,
    /// This namespace's address, as the namespace reaches it.
    host_ip: String,
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Proc::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl Netns {
    fn create() -> Result<Netns, String> {
        // Names and a /30 of their own per process, so parallel runs
        // never share one.
        let n = std::process::id() % 16_000;
        let name = format!("sbpart{n}");
        let (host_end, ns_end) = (format!("sbh{n}"), format!("sbn{n}"));
        let (a, b) = (n / 64, (n % 64) * 4);
        let host_ip = format!("10.{}.{a}.{}", 200 + a / 256, b + 1);
        let ns_ip = format!("10.{}.{a}.{}", 200 + a / 256, b + 2);
        ip(&["netns", "add", &name])?;
        let made = Netns {
            name,
            host_end,
            host_ip,
        };
        let ns = made.name.as_str();
        ip(&[
            "link",
            "add",
            &made.host_end,
            "type",
            "veth",
            "peer",
            "name",
            &ns_end,
        ])?;
        ip(&["link", "set", &ns_end, "netns", ns])?;
        ip(&[
            "addr",
            "add",
            &format!("{}/30", made.host_ip),
            "dev",
            &made.host_end,
        ])?;
        ip(&["link", "set", &made.host_end, "up"])?;
        ip(&[
            "-n",
            ns,
            "addr",
            "add",
            &format!("{ns_ip}/30"),
            "dev",
            &ns_end,
        ])?;
        ip(&["-n", ns, "link", "set", &ns_end, "up"])?;
        ip(&["-n", ns, "link", "set", "lo", "up"])?;
        Ok(made)
    }

    /// Cuts (`false`) or restores (`true`) the link.
    fn link(&self, up: bool) {
        let state = if up { "up" } else { "down" };
        ip(&["link", "set", &self.host_end, state]).expect("set the link");
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = ip(&["link", "del", &self.host_end]);
        let _ = ip(&["netns", "del", &self.name]);
    }
}

#[test]
fn a_primary_cut_off_by_the_network_is_replaced_and_fenced() {
    let _one = one_cluster();
    let netns = match Netns::create() {
        Ok(netns) => netns,
        Err(why) => {
            eprintln!("SKIPPED: no network namespace here ({why}); see RELIABILITY.md");
            return;
        }
    };
    let cluster = Cluster::start_listening("0.0.0.0");
    let url = cluster.url();
    let inside = ["ip", "netns", "exec", netns.name.as_str()];
    let mut a = NodeProc::start_under(
        &inside,
        &cluster.url_via(&netns.host_ip),
        "a",
        TENANT,
        LEASE_MS,
        &[],
    );
    a.wait_event("primary", Some(TENANT), Duration::from_secs(30))
        .expect("a takes the lease through the veth");
    let mut b = NodeProc::start(&url, "b", TENANT, LEASE_MS);
    let mut acks = Vec::new();
    let mut id = 0;
    for _ in 0..30 {
        if let Outcome::Acked(ack) = push(&mut [&mut a], TENANT, id, LIMIT) {
            acks.push(ack);
        }
        id += 1;
    }
    netns.link(false);
    // Sent to the cut-off primary, which still believes it leads: its
    // append cannot get through.
    let cut_off = id;
    a.send(cut_off, TENANT, &workload(cut_off));
    id += 1;
    b.wait_event("primary", Some(TENANT), Duration::from_secs(30))
        .expect("b takes over once a's lease lapses");
    // The engine refuses one of these if the cut-off command was refused:
    // the resolve of the conversation it opened.
    let mut refused_on_b = 0;
    for _ in 0..30 {
        match push(&mut [&mut b], TENANT, id, LIMIT) {
            Outcome::Acked(ack) => {
                assert_eq!(ack.node, "b");
                acks.push(ack);
            }
            Outcome::Rejected => refused_on_b += 1,
        }
        id += 1;
    }
    netns.link(true);
    // The command sent during the cut: refused (its append timed out or
    // was fenced), or, had it got through before b's fence, acknowledged
    // and then journaled (the audit checks it).
    let answer = a
        .answer(cut_off, Duration::from_secs(90))
        .expect("a answers the command it got while cut off");
    if answer["ok"].as_bool() == Some(true) {
        acks.push(nats_support::Ack {
            id: cut_off,
            record: answer["record"].as_u64().expect("record"),
            decisions: answer["decisions"].clone(),
            node: "a".into(),
        });
    }
    a.wait_event("standby", Some(TENANT), Duration::from_secs(30))
        .expect("a steps down once it hears of b");
    // The client finds the new primary.
    match push(&mut [&mut a, &mut b], TENANT, id, LIMIT) {
        Outcome::Acked(ack) => {
            assert_eq!(ack.node, "b");
            acks.push(ack);
        }
        Outcome::Rejected => panic!("a fresh command was refused"),
    }
    let records = audit(&url, TENANT, &acks);
    eprintln!(
        "partition: {} acknowledged, {records} records; the cut-off command: {answer}",
        acks.len()
    );
    let cut_off_acked = usize::from(answer["ok"].as_bool() == Some(true));
    assert!(
        refused_on_b <= 1 - cut_off_acked,
        "only the cut-off conversation's resolve"
    );
    assert_eq!(acks.len() + refused_on_b, 61 + cut_off_acked);
    drop(cluster);
}
