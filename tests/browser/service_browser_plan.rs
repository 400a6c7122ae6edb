//! The wallboard of a tenant with a routing plan, in real headless
//! Chromium (as `service_browser`): the plan's queues by name, the steps
//! their waiting work entered, the expected wait, a capped queue's live
//! work against its cap, the agent in wrap-up and at their rate limit,
//! and the last hour's chart of waiting work and service level drawn as
//! inline SVG. The
//! screenshot goes to `target/service-wallboard-plan.png`.
//!
//! Without Chromium the test says so on stderr and stops, except in CI
//! (`CI` set), where it fails.

use crate::browser_common;
use crate::service_common;

use browser_common::{browser, driver, screenshot};
use fantoccini::Client;
use serde_json::{json, Value};
use service_common::{start_with, ADMIN};
use std::sync::Arc;
use std::time::Duration;
use switchboard::runtime::ManualClock;
use switchboard::{TimeSpan, Timestamp};

/// The plan's rows and the chart, read from the DOM.
const READ_PAGE: &str = r#"
const rows = [...document.querySelectorAll('#queues tbody tr')].map(r => ({
  queue: r.dataset.queue,
  waiting: r.querySelector('.waiting').textContent,
  steps: (r.querySelector('.steps') || {}).textContent,
  expected: (r.querySelector('.expected') || {}).textContent,
  cap: (r.querySelector('.cap') || {}).textContent,
}));
const marks = [...document.querySelectorAll('#agents .agent .mark')].map(m => m.textContent);
const kpi = id => document.getElementById(id).textContent;
const path = cls => document.querySelector('#chart svg path.' + cls);
const points = cls => path(cls) ? Number(path(cls).dataset.points) : -1;
const drawn = cls => path(cls) ? path(cls).getAttribute('d') : null;
const scripts = [...document.scripts].map(s => s.src).filter(s => s);
return {rows, board: !document.getElementById('board').hidden,
        title: document.getElementById('queuestitle').textContent,
        marks, wrapups: kpi('wrapups'), limited: kpi('limited'),
        waiting_points: points('waiting'), sl_points: points('sl'),
        waiting_path: drawn('waiting'), sl_path: drawn('sl'), scripts};
"#;

/// Polls the page until `ok` holds (at most 15 s); returns the last view.
async fn until(client: &Client, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..150 {
        last = client
            .execute(READ_PAGE, vec![])
            .await
            .expect("the script runs");
        if ok(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never showed {what}; last view: {last:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wallboard_shows_the_plans_queues_steps_expected_waits_and_the_last_hours_chart() {
    let Some((chromium, chromedriver)) = browser_common::tools() else {
        if std::env::var_os("CI").is_some() {
            panic!("CI must run the browser test: .ci/run installs chromium and chromium-driver");
        }
        eprintln!("\n*** SKIPPED the_wallboard_shows_the_plans_queues_...: no chromium or chromedriver on PATH ***\n");
        return;
    };
    let clock = ManualClock::new(Timestamp(1_700_000_000_000));
    let s = start_with(Arc::new(clock.clone()), 4096).await;
    // Wrap-ups that hold no weight (the hand-overs go on as without) and
    // last ten minutes, so every resolved one is still in wrap-up.
    let config = json!({"response_target": 240000, "workload": {"wrap_up": {"whats_app":
        {"mode": "optional", "time": 600000, "hold_permille": 0}}}});
    let t = s.tenant("plans", config).await;
    let plan = json!({
        "skills": {"support": 7},
        "queues": [{"name": "support", "hard": [{"skill": "support", "min_level": 1}], "max_live": 1},
                   {"name": "billing", "hard": [{"skill": "support", "min_level": 9}]}],
        "routes": [{"name": "default",
                    "steps": [{"after_ms": 0, "actions": [{"do": "enter_queue", "queue": "support"}]},
                              {"after_ms": 150000, "actions": [{"do": "raise_priority", "to": "high"}]}]}]
    });
    assert_eq!(s.put(&format!("{t}/plan"), plan).await.status, 200);
    let agent = json!({"id": 1, "skills": [{"skill": 7, "level": 5}], "cap": 1});
    assert_eq!(s.post(&format!("{t}/agents"), agent).await.status, 201);
    // Seven assignments an hour: the seventh (conversation 7) is the last.
    let limit = json!({"limit": {"max": 7, "window": 3600000}});
    let rate = s.put(&format!("{t}/agents/1/rate_limit"), limit).await;
    assert_eq!(rate.status, 200, "{rate:?}");
    for c in 1..=10 {
        let body = json!({"id": c, "customer": 100 + c, "channel": "whats_app",
                          "skills": [{"skill": 7, "min_level": 3}]});
        assert_eq!(
            s.post(&format!("{t}/conversations"), body).await.status,
            201
        );
    }
    // A minute per conversation: answered (a first response), resolved,
    // the next handed over. The first three answers are in the 4-minute
    // target, the later ones late.
    for c in 1..=6 {
        clock.advance(TimeSpan(60_000));
        let reply = s
            .post(
                &format!("{t}/conversations/{c}/agent_message"),
                json!({"agent": 1}),
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
        let done = s
            .post(&format!("{t}/conversations/{c}/resolve"), json!({}))
            .await;
        assert_eq!(done.status, 200, "{done:?}");
        // Let the sampler (once a second) read this minute's waiting work.
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }

    let driver = driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let client = browser(&driver, &chromium, profile.path()).await;
    client
        .goto(&format!("{}/?tenant=plans#key={ADMIN}", s.base))
        .await
        .unwrap();
    let view = until(&client, "the plan's queues and the chart", |v| {
        v["board"] == true
            && v["rows"].as_array().is_some_and(|r| r.len() == 2)
            && v["waiting_points"].as_i64() >= Some(6)
    })
    .await;
    assert_eq!(view["title"], "Queues of the routing plan", "{view:#}");
    // Most urgent first: support has work waiting, billing none.
    let support = &view["rows"][0];
    assert_eq!(support["queue"], "support", "{view:#}");
    assert_eq!(support["waiting"], "3", "{view:#}");
    assert_eq!(support["steps"], "default 1: 3", "{view:#}");
    assert_eq!(
        support["expected"], "3:00",
        "third in line, one hand-over a minute: {view:#}"
    );
    // Conversation 7 is live against the cap of one; billing has no cap.
    assert_eq!(support["cap"], "live 1/1", "{view:#}");
    assert_eq!(view["rows"][1]["queue"], "billing", "{view:#}");
    assert_eq!(view["rows"][1]["cap"], Value::Null, "{view:#}");
    // The agent: six resolved conversations in wrap-up, at the limit.
    assert_eq!(
        (view["wrapups"].as_str(), view["limited"].as_str()),
        (Some("1"), Some("1")),
        "{view:#}"
    );
    let marks = view["marks"].as_array().unwrap();
    assert!(marks.contains(&json!("wrap-up 6")), "{view:#}");
    assert!(marks.contains(&json!("rate limit")), "{view:#}");
    assert_eq!(view["rows"][1]["expected"], "–", "{view:#}");
    // The chart: a line per sampled minute for the waiting work, and the
    // service level of each minute that had a first response.
    assert!(
        view["sl_points"].as_i64() >= Some(6),
        "six minutes with an answer: {view:#}"
    );
    assert!(
        view["waiting_path"]
            .as_str()
            .is_some_and(|d| d.starts_with('M') && d.contains('L')),
        "{view:#}"
    );
    // Nothing is fetched from another origin.
    let base = s.base.clone();
    assert!(
        view["scripts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|src| src.as_str().is_some_and(|u| u.starts_with(&base))),
        "{view:#}"
    );
    screenshot(&client, "service-wallboard-plan.png").await;
    client.close().await.unwrap();
}
