//! The decision stream (server-sent events): every decision in order,
//! resumed without gaps, a client past what the hub holds told it lagged,
//! and every stream ended when the service stops.

use crate::service_common;

use super::service_http::*;
use serde_json::{json, Value};
use service_common::{start, start_with, Sse};
use std::sync::Arc;
use std::time::Duration;
use switchboard::runtime::ManualClock;
use switchboard::{TimeSpan as Span, Timestamp};

fn seq(id: &Option<String>) -> (u64, u32) {
    let (r, i) = id.as_deref().unwrap().split_once('.').unwrap();
    (r.parse().unwrap(), i.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_service_ends_every_open_stream() {
    let s = start().await;
    let t = s.tenant("acme", json!({})).await;
    let stream = format!("{t}/stream");
    let mut open = Sse::open(&s, &stream, None).await;
    assert_eq!(
        s.post(&format!("{t}/agents"), agent(1, 10)).await.status,
        201
    );
    let (event, _, _) = open.next(Duration::from_secs(10)).await.expect("live");
    assert_eq!(event, "decision");
    // Until the service stops, the stream stays open.
    assert!(!open.ends(Duration::from_millis(300)).await);
    s.service().app().close_streams();
    assert!(open.ends(Duration::from_secs(10)).await, "still open");
    // A stream opened while stopping ends at once, after its backlog.
    let mut late = Sse::open(&s, &stream, Some("0.0")).await;
    assert!(late.ends(Duration::from_secs(10)).await, "still open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_sends_every_decision_in_order_and_resumes_without_gaps() {
    let s = start().await;
    let t = s.tenant("acme", json!({})).await;
    let stream = format!("{t}/stream");
    let mut first = Sse::open(&s, &stream, None).await;
    assert_eq!(
        s.post(&format!("{t}/agents"), agent(1, 10)).await.status,
        201
    );
    let mut expected = 1; // agent_added
    for c in 0..5u64 {
        let a = s
            .post(&format!("{t}/conversations"), conversation(c, c))
            .await;
        expected += a.body["decisions"].as_array().unwrap().len();
    }
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let (event, id, data) = first
            .next(Duration::from_secs(10))
            .await
            .expect("a decision");
        assert_eq!(event, "decision");
        let body: Value = serde_json::from_str(&data).unwrap();
        assert_eq!(body["seq"].as_str(), id.as_deref());
        seen.push(seq(&id));
    }
    drop(first); // the client goes away after three decisions

    // More decisions while it is away.
    for c in 5..8u64 {
        let a = s
            .post(&format!("{t}/conversations"), conversation(c, c))
            .await;
        expected += a.body["decisions"].as_array().unwrap().len();
    }
    let last = format!("{}.{}", seen[2].0, seen[2].1);
    let mut again = Sse::open(&s, &stream, Some(&last)).await;
    while seen.len() < expected {
        let (event, id, _) = again.next(Duration::from_secs(10)).await.expect("the rest");
        assert_eq!(event, "decision");
        seen.push(seq(&id));
    }
    assert!(
        again.next(Duration::from_millis(300)).await.is_none(),
        "nothing repeated"
    );
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "in order, no repeat: {seen:?}"
    );
    // Records are contiguous: each command made at least one decision here.
    let records: std::collections::BTreeSet<u64> = seen.iter().map(|s| s.0).collect();
    assert_eq!(records, (1..=9).collect(), "no gap");

    // `?after=` does the same; a malformed one is refused.
    let mut after = Sse::open(&s, &format!("{stream}?after={last}"), None).await;
    let (_, id, _) = after.next(Duration::from_secs(10)).await.unwrap();
    assert_eq!(seq(&id), seen[3]);
    let a = s.get(&format!("{stream}?after=yesterday")).await;
    assert_eq!((a.status, a.body["field"].as_str()), (400, Some("after")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_resuming_past_what_the_hub_holds_is_told_it_lagged() {
    let clock = ManualClock::new(Timestamp(1_700_000_000_000));
    let s = start_with(Arc::new(clock.clone()), 4).await;
    let t = s.tenant("acme", json!({})).await;
    assert_eq!(
        s.post(&format!("{t}/agents"), agent(1, 10)).await.status,
        201
    );
    for c in 0..6u64 {
        assert_eq!(
            s.post(&format!("{t}/conversations"), conversation(c, c))
                .await
                .status,
            201
        );
    }
    // The hub's pump runs on its own: wait until it holds the last command's
    // decisions (record 7), so what follows is all in its ring.
    let hub = s.service().app().tenant("acme").unwrap().hub.clone();
    for _ in 0..1000 {
        if hub
            .resume(None)
            .backlog
            .last()
            .is_some_and(|(seq, _)| seq.record == 7)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut sse = Sse::open(&s, &format!("{t}/stream"), Some("1.0")).await;
    let (event, _, _) = sse.next(Duration::from_secs(10)).await.unwrap();
    assert_eq!(event, "lagged");
    let mut n = 0;
    while let Some((event, _, _)) = sse.next(Duration::from_millis(300)).await {
        assert_eq!(event, "decision");
        n += 1;
    }
    assert_eq!(n, 4, "then the four decisions the hub holds");
    // The clock moves: the SLA warning arrives live on the stream.
    clock.advance(Span::from_mins(9));
    let mut warned = false;
    for _ in 0..50 {
        match sse.next(Duration::from_secs(2)).await {
            Some((_, _, data)) if data.contains("sla_warning") => {
                warned = true;
                break;
            }
            Some(_) => {}
            None => break,
        }
    }
    assert!(warned, "an SLA warning on the stream");
}
