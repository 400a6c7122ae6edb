//! Bad input over HTTP (issue 21): hostile requests to the service, each
//! pinned to its status and error code (`error` in the JSON body; routes
//! the router itself refuses answer with a status alone), each answered
//! within a bound, none a 5xx, the tenant's state unchanged, and the
//! service healthy afterwards. RELIABILITY.md lists every row.

use crate::service_common;

use serde_json::{json, Value};
use service_common::start;
use std::time::Duration;

/// The most one request may take (debug build, shared machine).
const BOUND: Duration = Duration::from_secs(20);

/// One row: what, method, path, content type, body, expected status,
/// expected error code.
type Case<'a> = (
    &'a str,
    &'a str,
    String,
    &'a str,
    String,
    u16,
    Option<&'a str>,
);

/// The answer to one request. A body past the limit is refused (413)
/// before the service reads it all, and the service then closes the
/// connection: a client still writing the rest may see a broken pipe
/// instead of the 413 (a race of the socket, not the service). Such a send
/// is tried again, a bounded number of times, until the 413 is read.
async fn answer_of(
    s: &service_common::Harness,
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> service_common::Answer {
    const TRIES: usize = 8;
    let mut last = None;
    for _ in 0..TRIES {
        match s.try_raw(method, path, content_type, body).await {
            Ok(answer) => return answer,
            Err(e) if e.is_request() && body.len() > 1 << 20 => last = Some(e),
            Err(e) => panic!("the service answers: {e:?}"),
        }
    }
    panic!("no answer in {TRIES} tries, only cut connections: {last:?}")
}

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_a_typed_refusal_without_panic_or_hang() {
    let s = start().await;
    let t = s.tenant("acme", json!({})).await;
    let agent = json!({"id": 1, "skills": [{"skill": 7, "level": 5}], "cap": 2});
    assert_eq!(s.post(&format!("{t}/agents"), agent).await.status, 201);
    let agents = format!("{t}/agents");
    let conversations = format!("{t}/conversations");
    let huge = format!(
        "{{\"id\": 2, \"cap\": 2, \"pad\": \"{}\"}}",
        "x".repeat(3 << 20)
    );
    let long_tenant = format!("/api/tenants/{}/stats", "t".repeat(10_000));
    let json = "application/json";
    let cases: Vec<Case> = vec![
        ("empty body", "POST", agents.clone(), json, String::new(), 400, Some("malformed_json")),
        ("binary body", "POST", agents.clone(), json, "\u{0}\u{1}\u{fffd}".into(), 400, Some("malformed_json")),
        ("arrays nested 100,000 deep", "POST", agents.clone(), json, nested(100_000), 400, Some("invalid_field")),
        ("an id of 400 digits", "POST", agents.clone(), json, format!("{{\"id\": {}, \"cap\": 2}}", "9".repeat(400)), 400, Some("malformed_json")),
        ("a negative id", "POST", agents.clone(), json, "{\"id\": -1, \"cap\": 2}".into(), 400, Some("invalid_field")),
        ("NaN for a cap", "POST", agents.clone(), json, "{\"id\": 2, \"cap\": NaN}".into(), 400, Some("malformed_json")),
        ("null for the body", "POST", agents.clone(), json, "null".into(), 400, Some("invalid_field")),
        ("a body of 3 MiB", "POST", agents.clone(), json, huge, 413, None),
        ("XML", "POST", agents.clone(), "application/xml", "<agent id=\"2\"/>".into(), 400, None),
        ("10,000 skills", "POST", agents.clone(), json, json!({"id": 2, "cap": 2, "skills": (0..10_001).map(|i| json!({"skill": i, "level": 1})).collect::<Vec<_>>()}).to_string(), 409, Some("refused")),
        ("a conversation for an unknown channel", "POST", conversations.clone(), json, "{\"id\": 1, \"customer\": 1, \"channel\": \"pigeon\"}".into(), 400, Some("invalid_field")),
        ("an agent id that is not a number", "GET", format!("{t}/agents/abc"), json, String::new(), 400, None),
        ("an agent id past u64", "GET", format!("{t}/agents/{}", "9".repeat(30)), json, String::new(), 400, None),
        ("an unknown agent", "GET", format!("{t}/agents/999"), json, String::new(), 404, Some("unknown_agent")),
        ("an unknown tenant", "GET", "/api/tenants/nobody/stats".into(), json, String::new(), 404, None),
        ("a tenant id of 10,000 bytes", "GET", long_tenant, json, String::new(), 404, None),
        ("a tenant id with escapes", "GET", "/api/tenants/%2e%2e%2f%00/stats".into(), json, String::new(), 404, None),
        ("an agent as a JSON array", "POST", agents.clone(), json, "[2, [], 2]".into(), 400, Some("invalid_field")),
        ("an unknown route", "GET", "/api/nothing/here".into(), json, String::new(), 404, None),
        ("a wrong method", "DELETE", agents.clone(), json, String::new(), 405, None),
    ];
    let before = s.get(&format!("{t}/stats")).await.body["last_record"].clone();
    let mut failures = Vec::new();
    for (what, method, path, content_type, body, status, error) in cases {
        let answer = tokio::time::timeout(BOUND, answer_of(&s, method, &path, content_type, &body))
            .await
            .unwrap_or_else(|_| panic!("{what}: no answer within {BOUND:?}"));
        let code = answer.body["error"].as_str().map(str::to_owned);
        println!(
            "http | {what} | {} {}",
            answer.status,
            code.as_deref().unwrap_or("-")
        );
        assert!(answer.status < 500, "{what}: {answer:?}");
        if answer.status != status || (error.is_some() && code.as_deref() != error) {
            failures.push(format!(
                "{what}: expected {status} {error:?}, got {answer:?}"
            ));
        }
        if answer.body != Value::Null {
            let message = answer.body["message"].as_str().unwrap_or_default();
            assert!(
                !message.is_empty(),
                "{what}: a JSON refusal says why: {answer:?}"
            );
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    let after = s.get(&format!("{t}/stats")).await.body["last_record"].clone();
    assert_eq!(before, after, "no refused request wrote a record");
    assert_eq!(
        s.get("/healthz").await.status,
        200,
        "the service is still up"
    );
}
