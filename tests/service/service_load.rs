//! A bounded load test on loopback: N concurrent HTTP clients send M
//! requests in all (open a conversation, answer it as its agent, resolve
//! it), then an audit through the API: every request answered, no cap
//! exceeded, every conversation accounted for. Prints the latency
//! percentiles recorded in BENCHMARKS.md.

use crate::service_common;

use hdrhistogram::Histogram;
use serde_json::json;
use service_common::start;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: u64 = 16;
const ROUNDS: u64 = 400; // per client; about 3 requests each
const AGENTS: u64 = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_are_all_answered_and_no_cap_is_exceeded() {
    let s = Arc::new(start().await);
    let t = s.tenant("load", json!({})).await;
    for a in 0..AGENTS {
        let body = json!({"id": a, "skills": [{"skill": 1, "level": 5}], "cap": 3});
        assert_eq!(s.post(&format!("{t}/agents"), body).await.status, 201);
    }
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let s = Arc::clone(&s);
            let t = t.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(3 * ROUNDS as usize);
                let mut statuses = Vec::with_capacity(3 * ROUNDS as usize);
                let mut timed = |status: u16, at: Instant| {
                    latencies.push(at.elapsed().as_micros() as u64);
                    statuses.push(status);
                };
                for round in 0..ROUNDS {
                    let id = client * 1_000_000 + round;
                    let body = json!({"id": id, "customer": id, "channel": "web",
                        "skills": [{"skill": 1, "min_level": 1}]});
                    let at = Instant::now();
                    let a = s.post(&format!("{t}/conversations"), body).await;
                    timed(a.status, at);
                    let owner = a.body["decisions"]
                        .as_array()
                        .and_then(|d| d.iter().find(|d| d["kind"] == "assigned"))
                        .and_then(|d| d["agent"].as_u64());
                    if let Some(agent) = owner {
                        let at = Instant::now();
                        let path = format!("{t}/conversations/{id}/agent_message");
                        let a = s.post(&path, json!({"agent": agent})).await;
                        timed(a.status, at);
                    }
                    // Leave one conversation in ten open, so loads stay up.
                    if round % 10 != 9 {
                        let at = Instant::now();
                        let path = format!("{t}/conversations/{id}/resolve");
                        let a = s.post(&path, json!({})).await;
                        timed(a.status, at);
                    }
                }
                (latencies, statuses)
            })
        })
        .collect();
    let mut histogram = Histogram::<u64>::new(3).unwrap();
    let mut answered = 0u64;
    let mut overloaded = 0u64;
    for client in clients {
        let (latencies, statuses) = tokio::time::timeout(Duration::from_secs(120), client)
            .await
            .expect("the load finishes in time")
            .unwrap();
        for l in latencies {
            histogram.record(l.max(1)).unwrap();
        }
        for status in statuses {
            answered += 1;
            match status {
                200 | 201 => {}
                503 => overloaded += 1,
                other => panic!("a request answered {other}"),
            }
        }
    }
    let elapsed = started.elapsed();
    let min_requests = CLIENTS * ROUNDS * 2;
    assert!(answered >= min_requests, "{answered} answered");
    println!(
        "service load: {CLIENTS} clients, {answered} requests in {:.2} s ({:.0} req/s), {overloaded} overloaded; latency us p50 {} p90 {} p99 {} p99.9 {} max {}",
        elapsed.as_secs_f64(),
        answered as f64 / elapsed.as_secs_f64(),
        histogram.value_at_quantile(0.50),
        histogram.value_at_quantile(0.90),
        histogram.value_at_quantile(0.99),
        histogram.value_at_quantile(0.999),
        histogram.max(),
    );

    // The audit, through the API.
    let a = s.get(&format!("{t}/audit")).await;
    assert_eq!(a.body["ok"], true, "{a:?}");
    let report = &a.body["report"];
    let conversations = report["queued"].as_u64().unwrap()
        + report["assigned"].as_u64().unwrap()
        + report["offered"].as_u64().unwrap()
        + report["parked"].as_u64().unwrap()
        + report["resolved"].as_u64().unwrap()
        + report["bot"].as_u64().unwrap();
    assert_eq!(
        conversations,
        CLIENTS * ROUNDS,
        "every conversation in one state"
    );
    let open = CLIENTS * ROUNDS / 10;
    assert_eq!(conversations - report["resolved"].as_u64().unwrap(), open);
    let agents = s.get(&format!("{t}/agents")).await.body;
    let agents = agents.as_array().unwrap();
    assert_eq!(agents.len() as u64, AGENTS);
    for a in agents {
        assert!(a["load"].as_u64() <= a["cap"].as_u64(), "cap exceeded: {a}");
    }
    let stats = s.get(&format!("{t}/stats")).await.body;
    assert_eq!(stats["conversations"], CLIENTS * ROUNDS);
    assert!(stats["engine"]["assignments"].as_u64().unwrap() >= open);
}
