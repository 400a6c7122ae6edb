//! A service is durable by default: its tenants, key digests, journals and
//! snapshots live in the data directory, and a service started again on
//! the same directory serves the same state. SIGTERM (what an orchestrator
//! sends) and SIGINT (Ctrl-C) both drain and sync. (This binary sends
//! itself signals, so it holds nothing else.)

mod service_common;

use serde_json::{json, Value};
use service_common::{config, start_config, Harness};
use std::path::Path;
use std::time::Duration;

fn agent(id: u64, cap: u32) -> Value {
    json!({"id": id, "skills": [{"skill": 7, "level": 5}], "cap": cap})
}

async fn durable(dir: &Path) -> Harness {
    let mut c = config();
    c.data_dir = Some(dir.to_owned());
    start_config(c).await
}

/// What a restart must keep of tenant `t`.
async fn view(s: &Harness, t: &str) -> Vec<Value> {
    let stats = s.get(&format!("/api/tenants/{t}/stats")).await.body;
    vec![
        stats["last_record"].clone(),
        stats["engine"].clone(),
        stats["groups"].clone(),
        s.get(&format!("/api/tenants/{t}/agents")).await.body,
        s.get(&format!("/api/tenants/{t}/conversations/10"))
            .await
            .body,
        s.get(&format!("/api/tenants/{t}/agents/1/inbox"))
            .await
            .body,
        s.get(&format!("/api/tenants/{t}/keys")).await.body,
    ]
}

/// Sends `signal` to this process, as an orchestrator or a terminal would.
fn raise(signal: &str) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(std::process::id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_on_its_data_directory_the_service_serves_the_same_state_and_signals_drain_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = durable(dir.path()).await;
    // Created with room reserved: recorded, and reserved again at restart.
    let created = s
        .post(
            "/api/tenants",
            json!({"id": "acme", "config": {"response_target": 300000},
                   "reserve": {"agents": 20, "open_conversations": 500}}),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let t = "/api/tenants/acme".to_owned();
    let gone = s.tenant("gone", json!({})).await;
    let (kept_id, kept) = s.issue("acme").await;
    let (revoked_id, revoked) = s.issue("acme").await;
    assert_eq!(
        s.delete(&format!("/api/keys/{revoked_id}")).await.status,
        204
    );
    let k = s.as_key(Some(&kept));
    for a in 1..=3 {
        assert_eq!(
            k.post(&format!("{t}/agents"), agent(a, 2)).await.status,
            201
        );
    }
    for c in 10..16u64 {
        let body = json!({"id": c, "customer": 100 + c, "channel": "sms", "skills": [{"skill": 7, "min_level": 1}]});
        assert_eq!(
            k.post(&format!("{t}/conversations"), body).await.status,
            201
        );
    }
    assert_eq!(
        k.post(
            &format!("{t}/conversations/10/agent_message"),
            json!({"agent": 1})
        )
        .await
        .status,
        200
    );
    assert_eq!(
        s.post(&format!("{gone}/agents"), agent(1, 1)).await.status,
        201
    );
    assert_eq!(s.delete(&gone).await.status, 204);
    assert!(
        !dir.path().join("tenants/gone").exists(),
        "a deleted tenant's journal is removed"
    );
    let before = view(&s, "acme").await;
    assert_eq!(before[0], 10, "{before:?}");

    // SIGTERM: the service drains and syncs, then starts again.
    let service = s.service.take().unwrap();
    let signal = switchboard::service::shutdown_signal();
    let stopped = tokio::spawn(async move {
        signal.await;
        service.shutdown().await
    });
    raise("TERM");
    let report = tokio::time::timeout(Duration::from_secs(30), stopped)
        .await
        .expect("it stops")
        .unwrap();
    assert!(report.all_synced(), "{report:?}");

    let registry = std::fs::read_to_string(dir.path().join("service.json")).unwrap();
    assert!(
        registry.contains("\"open_conversations\": 500"),
        "{registry}"
    );
    let mut s = durable(dir.path()).await;
    assert_eq!(
        view(&s, "acme").await,
        before,
        "the same state after a restart"
    );
    assert_eq!(
        s.get("/api/tenants").await.body,
        json!([{"id": "acme", "response_target_ms": 300000}])
    );
    let k = s.as_key(Some(&kept));
    assert_eq!(
        k.get(&format!("{t}/stats")).await.status,
        200,
        "its key still opens it"
    );
    assert_eq!(
        s.as_key(Some(&revoked))
            .get(&format!("{t}/stats"))
            .await
            .status,
        401,
        "a revoked key stays revoked"
    );
    assert_eq!(
        s.get(&format!("{gone}/stats")).await.status,
        404,
        "a deleted tenant stays deleted"
    );
    assert_eq!(
        s.get("/api/tenants/acme/keys").await.body,
        json!([{"id": kept_id, "tenant": "acme"}])
    );
    // It goes on from where it was.
    assert_eq!(
        k.post(&format!("{t}/conversations/10/resolve"), json!({}))
            .await
            .status,
        200
    );
    let after = s.get(&format!("{t}/stats")).await.body;
    assert_eq!(after["last_record"], 11);

    // SIGINT does the same.
    let service = s.service.take().unwrap();
    let signal = switchboard::service::shutdown_signal();
    let stopped = tokio::spawn(async move {
        signal.await;
        service.shutdown().await
    });
    raise("INT");
    let report = tokio::time::timeout(Duration::from_secs(30), stopped)
        .await
        .expect("it stops")
        .unwrap();
    assert!(report.all_synced(), "{report:?}");
    // A journal left by a creation that was never recorded (the process
    // died between the two) is not recovered by a new tenant of that id.
    let orphan = dir.path().join("tenants/orphan");
    std::fs::create_dir_all(&orphan).unwrap();
    for file in std::fs::read_dir(dir.path().join("tenants/acme")).unwrap() {
        let file = file.unwrap().path();
        if file.is_file() {
            std::fs::copy(&file, orphan.join(file.file_name().unwrap())).unwrap();
        }
    }
    let s = durable(dir.path()).await;
    assert_eq!(s.get(&format!("{t}/stats")).await.body["last_record"], 11);
    let o = s.tenant("orphan", json!({})).await;
    assert_eq!(s.get(&format!("{o}/stats")).await.body["last_record"], 0);
    s.stop().await;
}
