//! `GET /api/tenants/{tenant}/stream`: the tenant's decisions as
//! Server-Sent Events, in order, each with its sequence number as the event
//! id. A client that reconnects sends its last id (`Last-Event-ID`, which
//! browsers send by themselves, or `?after=RECORD.INDEX`) and resumes with
//! no gap and no repeat while the hub still holds the decisions after it;
//! otherwise it first gets a `lagged` event and should refresh its view
//! from the queries. A stream ends when the service stops, when its
//! tenant is deleted, and when the tenant key that opened it is revoked.

use super::app::lock;
use super::error::ApiError;
use super::hub::{HubEvent, Seq};
use super::keys::Caller;
use super::App;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Extension;
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;

/// Query parameters of the stream.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StreamParams {
    /// Resume after this sequence number (`RECORD.INDEX`); the
    /// `Last-Event-ID` header does the same and wins when both are given.
    pub after: Option<String>,
}

fn decision(seq: Seq, json: &str) -> Event {
    Event::default()
        .id(seq.to_string())
        .event("decision")
        .data(json)
}

fn lagged(missed: Option<u64>) -> Event {
    let data = match missed {
        Some(n) => format!("{{\"missed\":{n}}}"),
        None => "{\"missed\":null}".to_owned(),
    };
    Event::default().event("lagged").data(data)
}

/// The decision stream of one tenant.
#[utoipa::path(
    get,
    path = "/api/tenants/{tenant}/stream",
    params(("tenant" = String, Path, description = "Tenant id"), StreamParams),
    responses(
        (status = 200, description = "text/event-stream: `decision` events (id RECORD.INDEX, data {seq, record, index, at, decision}) and `lagged` events", content_type = "text/event-stream", body = String),
        super::error::Refusals,
    )
)]
pub async fn sse(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    Query(params): Query<StreamParams>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let tenant = app.tenant(&tenant)?;
    let header = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    let (field, raw) = match (header, params.after.as_deref()) {
        (Some(h), _) => ("Last-Event-ID", Some(h)),
        (None, a) => ("after", a),
    };
    let after = match raw {
        Some(raw) => Some(
            raw.parse::<Seq>()
                .map_err(|m| ApiError::invalid(field, m))?,
        ),
        None => None,
    };
    let resume = tenant.hub.resume(after);
    let mut first = Vec::with_capacity(resume.backlog.len() + 1);
    if resume.gap {
        first.push(lagged(None));
    }
    first.extend(
        resume
            .backlog
            .iter()
            .map(|(seq, json)| decision(*seq, json)),
    );
    let mut last = resume.last;
    let live = BroadcastStream::new(resume.live).filter_map(move |event| {
        let out = match event {
            Ok(HubEvent::Item(seq, json)) => {
                if last.is_some_and(|l| seq <= l) {
                    None
                } else {
                    last = Some(seq);
                    Some(decision(seq, &json))
                }
            }
            Ok(HubEvent::Lagged(missed)) => Some(lagged(Some(missed))),
            // This client fell behind the hub's fan-out buffer.
            Err(BroadcastStreamRecvError::Lagged(missed)) => Some(lagged(Some(missed))),
        };
        std::future::ready(out.map(Ok))
    });
    let mut closing = app.closing.subscribe();
    let mut revocations = app.revocations.subscribe();
    let key = match caller {
        Caller::Tenant { key, .. } => Some(key),
        Caller::Admin => None,
    };
    let keys = Arc::clone(&app);
    let closed = async move {
        let stopping = async {
            // Also when the sender is gone: the service is gone with it.
            let _ = closing.wait_for(|closed| *closed).await;
        };
        // A tenant key's stream ends when the key is revoked (or its
        // tenant deleted).
        let revoked = async {
            let Some(key) = key else {
                return std::future::pending().await;
            };
            while revocations.changed().await.is_ok() {
                if !lock(&keys.keys).contains(&key) {
                    return;
                }
            }
        };
        tokio::select! {
            _ = stopping => {}
            _ = revoked => {}
        }
    };
    let events = stream::iter(first.into_iter().map(Ok))
        .chain(live)
        .take_until(closed);
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
