//! `--simulate`: the simulated day's commands, played against the service
//! in accelerated real time, are routed live (the first two hours of the
//! default day at 10,000 times real speed here), on a tenant of their own
//! whose clock alone runs fast: a tenant created through the API beside it
//! keeps wall time.

use crate::service_common;

use serde_json::json;
use service_common::{config, start_config};
use std::time::{Duration, Instant};
use switchboard::runtime::Clock;
use switchboard::service::clock::MAX_SPEED;
use switchboard::service::Simulation;

const HOURS: u64 = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_day_plays_fast_on_its_own_tenant_and_api_tenants_keep_wall_time() {
    let mut c = config();
    c.simulate = Some(Simulation {
        tenant: "demo".into(),
        scenario: None,
        speed: MAX_SPEED,
        seed: 1,
    });
    let s = start_config(c).await;
    let sim = s.service().simulated().expect("a simulated tenant");
    let clock = sim.clock.clone();
    assert!(sim.commands > 500, "{} commands", sim.commands);
    let start = clock.now().0;
    let end = start + HOURS * 3_600_000;
    // The simulated tenant's key opens it, and only it.
    let demo = s.as_key(Some(&sim.key));
    let t = s.tenant("live", json!({})).await;
    assert_eq!(demo.get(&format!("{t}/stats")).await.status, 403);

    // Accelerated, not instant: two simulated hours take about 0.72 s.
    let real = Instant::now();
    while clock.now().0 < end {
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            real.elapsed() < Duration::from_secs(60),
            "the clock stalled"
        );
    }
    let floor = Duration::from_millis((end - start) / MAX_SPEED);
    assert!(
        real.elapsed() >= floor.mul_f64(0.9),
        "{:?} < {floor:?}",
        real.elapsed()
    );

    let stats = demo.get("/api/tenants/demo/stats").await.body;
    assert!(
        stats["agents"].as_array().is_some_and(|a| !a.is_empty()),
        "{stats}"
    );
    assert!(
        stats["engine"]["assignments"].as_u64().unwrap() > 50,
        "{stats}"
    );
    assert!(stats["now"].as_u64().unwrap() >= end);
    let audit = demo.get("/api/tenants/demo/audit").await.body;
    assert_eq!(audit["ok"], true, "{audit}");

    // Over the same real half second, the simulated tenant's clock moves
    // thousands of times further than the API tenant's, which reads the
    // wall clock.
    let now = |path: String| {
        let s = &s;
        async move { s.get(&path).await.body["now"].as_u64().unwrap() }
    };
    let (live0, demo0) = (
        now(format!("{t}/stats")).await,
        now("/api/tenants/demo/stats".into()).await,
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (live1, demo1) = (
        now(format!("{t}/stats")).await,
        now("/api/tenants/demo/stats".into()).await,
    );
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert!(
        live1.abs_diff(wall) < 5_000,
        "the API tenant reads wall time: {live1} vs {wall}"
    );
    assert!((400..5_000).contains(&(live1 - live0)), "{}", live1 - live0);
    assert!(demo1 - demo0 > 1_000_000, "{}", demo1 - demo0);
    println!(
        "simulate: {HOURS} simulated hours in {:?}; {} assignments",
        real.elapsed(),
        stats["engine"]["assignments"]
    );
}
