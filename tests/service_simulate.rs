//! `--simulate`: the simulated day's commands, played against the service's
//! runtime in accelerated real time, are routed live (the first two hours
//! of the default day at 10,000 times real speed here), and the page's
//! statistics show the contact centre at work.

mod service_common;

use service_common::app::clock::{ScaledClock, MAX_SPEED};
use service_common::app::simulate;
use service_common::start_with;
use std::sync::Arc;
use std::time::Instant;
use switchboard::runtime::{Clock, RuntimeConfig, TenantId};
use switchboard::sim::Scenario;
use switchboard::Timestamp;

const HOURS: u64 = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_day_plays_in_accelerated_real_time() {
    let replay = tokio::task::spawn_blocking(|| simulate::prepare(Scenario::default(), 1))
        .await
        .unwrap()
        .expect("the default day simulates");
    let start = simulate::start_time(&replay.commands);
    let end = start + HOURS * 3_600_000;
    let commands: Vec<_> = replay
        .commands
        .into_iter()
        .take_while(|(t, _)| *t <= end)
        .collect();
    assert!(commands.len() > 500, "{} commands", commands.len());

    let clock = Arc::new(ScaledClock::new(Timestamp(start), MAX_SPEED));
    let s = start_with(RuntimeConfig::volatile().shards(2), clock.clone(), 1024).await;
    let id = TenantId::new("demo").unwrap();
    let tenant = s
        .app
        .add_tenant(id, replay.config, &replay.policy)
        .await
        .unwrap();
    let real = Instant::now();
    let n = commands.len() as u64;
    let played = simulate::play(s.app.handle.clone(), tenant, clock.clone(), commands).await;
    let real = real.elapsed();

    // Accelerated, not instant: the commands waited for their simulated
    // times on the scaled clock.
    assert!(clock.now().0 >= end, "the clock reached the end");
    let floor = std::time::Duration::from_millis((end - start) / MAX_SPEED);
    assert!(real >= floor.mul_f64(0.9), "{real:?} < {floor:?}");
    assert_eq!(played.accepted + played.refused, n);
    assert!(
        played.refused * 10 < n,
        "the runtime refused {} of {n}: it should route the day much as the simulator did",
        played.refused
    );

    let stats = s.get("/api/tenants/demo/stats").await.body;
    assert!(
        stats["agents"].as_array().is_some_and(|a| !a.is_empty()),
        "{stats}"
    );
    assert!(
        stats["engine"]["assignments"].as_u64().unwrap() > 50,
        "{stats}"
    );
    assert!(stats["now"].as_u64().unwrap() >= end);
    let audit = s.get("/api/tenants/demo/audit").await.body;
    assert_eq!(audit["ok"], true, "{audit}");
    println!(
        "simulate: {n} commands over {HOURS} simulated hours in {real:?}: {} accepted, {} refused; {} assignments",
        played.accepted, played.refused, stats["engine"]["assignments"]
    );
}
