//! The wallboard in real headless Chromium (Debian's `chromium` and
//! `chromium-driver`, installed by `.ci/run`), driven through WebDriver
//! with fantoccini: start the service, open the page and log in with a
//! tenant key, drive a scenario through the API (agents log in,
//! conversations arrive, one nears its target), and check that the page
//! shows the queue, the loads and the warning; that a reloaded page's
//! first frame agrees with itself; that a wait of hours reads as hours and
//! minutes; that an unknown tenant or another tenant's is told so; then
//! the same page at 1,000 agents. Screenshots go to
//! `target/service-wallboard*.png`.
//!
//! Without Chromium the test says so on stderr and stops, except in CI
//! (`CI` set), where it fails: CI installs Chromium, so it must run there.

use crate::browser_common;
use crate::service_common;

use browser_common::{browser, driver, screenshot};

use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use service_common::{start_with, Harness as Service, ADMIN};
use std::sync::Arc;
use std::time::Duration;
use switchboard::runtime::ManualClock;
use switchboard::{TimeSpan as Span, Timestamp};

/// What the page shows, read from its DOM.
const READ_PAGE: &str = r#"
const rows = [...document.querySelectorAll('#queues tbody tr')].map(r => ({
  group: r.dataset.group,
  waiting: r.querySelector('.waiting').textContent,
  oldest: r.querySelector('.oldest').textContent,
  warn: r.querySelector('.oldest').classList.contains('warn'),
  breach: r.querySelector('.oldest').classList.contains('breach'),
}));
const agents = [...document.querySelectorAll('#agents .agent')].map(a => ({
  id: a.dataset.agent, load: a.querySelector('.load').textContent, status: a.className,
  width: a.getBoundingClientRect().width,
}));
const alerts = [...document.querySelectorAll('#alerts li')].map(l => ({kind: l.className, conversation: l.dataset.conversation}));
const font = parseFloat(getComputedStyle(document.querySelector('#agents .agent') || document.body).fontSize);
const $ = id => document.getElementById(id);
return {rows, agents, alerts, font, status: $('status').textContent,
        waiting: $('waiting').textContent, warnings: $('warnings').textContent,
        board: !$('board').hidden, login: !$('login').hidden,
        message: $('message').hidden ? null : $('message').textContent};
"#;

async fn read(client: &Client) -> Value {
    client
        .execute(READ_PAGE, vec![])
        .await
        .expect("the script runs")
}

/// Polls the page until `ok` holds (at most 15 s); returns the last view.
async fn until(client: &Client, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..150 {
        last = read(client).await;
        if ok(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never showed {what}; last view: {last:#}");
}

async fn post_ok(s: &Service, path: &str, body: Value) -> Value {
    let a = s.post(path, body).await;
    assert!(a.status == 200 || a.status == 201, "{path}: {a:?}");
    a.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wallboard_shows_the_queue_the_loads_and_the_warning_live() {
    let Some((chromium, chromedriver)) = browser_common::tools() else {
        if std::env::var_os("CI").is_some() {
            panic!("CI must run the browser test: .ci/run installs chromium and chromium-driver");
        }
        eprintln!("\n*** SKIPPED the_wallboard_shows_the_queue_the_loads_and_the_warning_live: no chromium or chromedriver on PATH (apt-get install chromium chromium-driver) ***\n");
        return;
    };
    let clock = ManualClock::new(Timestamp(1_700_000_000_000));
    let s = start_with(Arc::new(clock.clone()), 4096).await;
    let t = s.tenant("demo", json!({})).await;
    let big = s.tenant("big", json!({})).await;
    let (_, key) = s.issue("demo").await;

    let driver = driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let client = browser(&driver, &chromium, profile.path()).await;
    // The page asks for a key; a tenant key opens its own tenant.
    client.goto(&s.base).await.unwrap();
    until(&client, "the login form", |v| {
        v["login"] == true && v["board"] == false
    })
    .await;
    client
        .find(Locator::Id("key"))
        .await
        .unwrap()
        .send_keys(&key)
        .await
        .unwrap();
    client
        .find(Locator::Id("open"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(&client, "the live stream", |v| {
        v["status"] == "live" && v["board"] == true
    })
    .await;

    // Three agents log in with room for two conversations each.
    for a in 1..=3u64 {
        let spec =
            json!({"id": a, "skills": [{"skill": 7, "level": 5}], "cap": 2, "status": "offline"});
        post_ok(&s, &format!("{t}/agents"), spec).await;
        let a = s
            .put(
                &format!("{t}/agents/{a}/status"),
                json!({"status": "online"}),
            )
            .await;
        assert_eq!(a.status, 200);
    }
    // Eight conversations arrive: six are assigned, two wait.
    for c in 1..=8u64 {
        let body = json!({"id": c, "customer": 100 + c, "channel": "whats_app", "skills": [{"skill": 7, "min_level": 3}]});
        post_ok(&s, &format!("{t}/conversations"), body).await;
    }
    // The agents answer what they hold, so only the waiting two near
    // their target.
    for c in 1..=8u64 {
        let info = s.get(&format!("{t}/conversations/{c}")).await.body;
        if let Some(agent) = info["state"]["agent"].as_u64() {
            post_ok(
                &s,
                &format!("{t}/conversations/{c}/agent_message"),
                json!({"agent": agent}),
            )
            .await;
        }
    }
    let view = until(&client, "two waiting and full agents", |v| {
        v["waiting"] == "2"
            && v["agents"]
                .as_array()
                .is_some_and(|a| a.len() == 3 && a.iter().all(|a| a["load"] == "2/2"))
    })
    .await;
    assert_eq!(view["rows"][0]["waiting"], "2", "{view:#}");
    assert_eq!(view["rows"][0]["warn"], false, "{view:#}");

    // Eight and a half minutes pass with nobody free: the shard's timer
    // raises the SLA warnings (at 80% of the 10-minute target), and the
    // page shows them as they happen.
    clock.advance(Span::from_secs(8 * 60 + 30));
    let view = until(&client, "the SLA warning", |v| {
        let alerts = v["alerts"].as_array().map_or(0, |a| {
            a.iter().filter(|a| a["kind"] == "sla_warning").count()
        });
        alerts == 2 && v["rows"][0]["warn"] == true
    })
    .await;
    assert!(
        view["rows"][0]["oldest"]
            .as_str()
            .unwrap()
            .starts_with("8:3"),
        "{view:#}"
    );
    let warned: Vec<&str> = view["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["conversation"].as_str())
        .collect();
    assert!(warned.contains(&"7") && warned.contains(&"8"), "{view:#}");
    let shot = screenshot(&client, "service-wallboard.png").await;
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);

    // Reloaded, the page draws nothing until its first statistics: from
    // the first frame on, the count of SLA warnings agrees with the
    // warning rows and alerts beside it (never "0" beside warnings).
    client.refresh().await.unwrap();
    let mut frames = 0;
    for _ in 0..500 {
        let v = read(&client).await;
        if v["board"] == true {
            frames += 1;
            let alerts = v["alerts"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["kind"] == "sla_warning")
                .count();
            assert_eq!(v["warnings"], "2", "first frames agree: {v:#}");
            assert_eq!(v["rows"][0]["warn"], true, "{v:#}");
            assert!(alerts <= 2, "{v:#}");
            if alerts == 2 && frames > 3 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(frames > 3, "the board was drawn");

    // A wait of eleven hours reads as hours and minutes, not "676:40":
    // a tenant with nobody to answer, opened with the admin key.
    let night = s.tenant("night", json!({})).await;
    post_ok(
        &s,
        &format!("{night}/conversations"),
        json!({"id": 1, "customer": 1, "channel": "sms"}),
    )
    .await;
    client
        .goto(&format!("{}/?tenant=night#key={ADMIN}", s.base))
        .await
        .unwrap();
    until(&client, "the night's queue", |v| {
        v["board"] == true && v["waiting"] == "1"
    })
    .await;
    clock.advance(Span::from_secs(11 * 3600 + 16 * 60 + 40));
    let view = until(&client, "a wait of hours", |v| {
        v["rows"][0]["oldest"]
            .as_str()
            .is_some_and(|o| o.starts_with("11 h 16 min"))
    })
    .await;
    assert_eq!(view["rows"][0]["breach"], true, "{view:#}");

    // Another tenant's wallboard with this key: told so, not "reconnecting".
    client
        .goto(&format!("{}/?tenant=big#key={key}", s.base))
        .await
        .unwrap();
    let view = until(&client, "the refusal", |v| v["message"].is_string()).await;
    assert!(
        view["message"]
            .as_str()
            .unwrap()
            .contains("does not open tenant \"big\""),
        "{view:#}"
    );
    assert_eq!(view["login"], true, "{view:#}");
    // An unknown tenant (with the admin key, which may open any): told so.
    client
        .goto(&format!("{}/?tenant=nobody#key={ADMIN}", s.base))
        .await
        .unwrap();
    let view = until(&client, "the unknown tenant", |v| v["message"].is_string()).await;
    assert!(
        view["message"]
            .as_str()
            .unwrap()
            .starts_with("Unknown tenant \"nobody\""),
        "{view:#}"
    );
    assert_eq!(view["board"], false, "{view:#}");
    assert_ne!(view["status"], "reconnecting", "{view:#}");

    // 1,000 agents stay readable: every tile is drawn, no narrower than
    // its minimum, the text no smaller than 12 px.
    let s = Arc::new(s);
    let mut tasks = Vec::new();
    for chunk in 0..10u64 {
        let (s, big) = (Arc::clone(&s), big.clone());
        tasks.push(tokio::spawn(async move {
            for a in chunk * 100..(chunk + 1) * 100 {
                let spec = json!({"id": a, "skills": [{"skill": (a % 5) as u32, "level": 5}], "cap": 4,
                    "status": if a.is_multiple_of(7) { "away" } else { "online" }});
                post_ok(&s, &format!("{big}/agents"), spec).await;
            }
            for c in chunk * 300..(chunk + 1) * 300 {
                let body = json!({"id": c, "customer": c, "channel": "web", "skills": [{"skill": (c % 5) as u32, "min_level": 1}]});
                post_ok(&s, &format!("{big}/conversations"), body).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    client
        .goto(&format!("{}/?tenant=big#key={ADMIN}", s.base))
        .await
        .unwrap();
    let view = until(&client, "1,000 agents", |v| {
        v["agents"].as_array().is_some_and(|a| a.len() == 1000)
    })
    .await;
    assert!(view["font"].as_f64().unwrap() >= 12.0, "{}", view["font"]);
    assert!(view["agents"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["width"].as_f64().unwrap() >= 78.0));
    assert_eq!(
        view["rows"].as_array().unwrap().len(),
        5,
        "one row per skill group"
    );
    screenshot(&client, "service-wallboard-1000.png").await;
    client.close().await.unwrap();
}
