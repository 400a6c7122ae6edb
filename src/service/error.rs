//! The service's one error type: every refusal becomes a JSON body that
//! names the field and the problem, with the status code of its class
//! (400 malformed or invalid, 401 no valid key, 403 a key for another
//! tenant or not the admin's, 404 unknown id, 409 invalid transition or
//! duplicate, 413 body too large, 429 rate limited, 503 overloaded).

use crate::runtime::RuntimeError;
use crate::{EngineError, ReserveError};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code (`malformed_json`, `invalid_field`,
    /// `unknown_agent`, `invalid_transition`, `overloaded`, ...).
    pub error: &'static str,
    /// The field (JSON path, path parameter or header) that was wrong, when
    /// one was.
    pub field: Option<String>,
    /// What was wrong and how to fix it.
    pub message: String,
}

/// A refused request. Nothing changed on the engine.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body.
    pub body: ErrorBody,
}

impl ApiError {
    /// An error of `status` with `code`, naming `field`.
    pub fn new(
        status: StatusCode,
        error: &'static str,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            body: ErrorBody {
                error,
                field: field.map(str::to_owned),
                message: message.into(),
            },
        }
    }

    /// 400: the value of `field` is invalid.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_field",
            Some(field),
            message,
        )
    }

    /// 401: no key, or one that is unknown or revoked.
    pub fn unauthenticated(missing: bool) -> Self {
        let (code, message) = if missing {
            (
                "missing_key",
                "send an API key as `Authorization: Bearer <key>`",
            )
        } else {
            ("invalid_key", "the API key is unknown or revoked")
        };
        Self::new(
            StatusCode::UNAUTHORIZED,
            code,
            Some("authorization"),
            message,
        )
    }

    /// 403: the key is valid but may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            Some("authorization"),
            message,
        )
    }

    /// 413: the body is past the service's limit.
    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            Some("body"),
            "the body is larger than this service accepts",
        )
    }

    /// 500: the service failed (a registry write, say); nothing changed.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", None, message)
    }

    /// 404: no tenant `name` runs here.
    pub fn unknown_tenant(name: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown_tenant",
            Some("tenant"),
            format!("unknown tenant {name:?}: create it with POST /api/tenants first"),
        )
    }

    /// The body read from a JSON parse failure: a syntax error is
    /// `malformed_json`, a value of the wrong shape `invalid_field` naming
    /// its path.
    pub fn from_json(err: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = err.path().to_string();
        let inner = err.inner();
        let message = inner.to_string();
        if inner.is_syntax() || inner.is_eof() {
            return Self::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                None,
                format!("the body is not valid JSON: {message}"),
            );
        }
        // A missing field is reported at its parent; name the field itself.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let field = match (path.as_str(), missing) {
            (".", Some(name)) => name.to_owned(),
            (_, Some(name)) => format!("{path}.{name}"),
            (".", None) => "body".to_owned(),
            (_, None) => path,
        };
        Self::invalid(&field, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut response = (status, Json(self.body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The status, code and field of an engine refusal.
fn engine_class(e: &EngineError) -> (StatusCode, &'static str, Option<&'static str>) {
    use EngineError as E;
    use StatusCode as S;
    match e {
        E::UnknownAgent(_) => (S::NOT_FOUND, "unknown_agent", Some("agent")),
        E::UnknownConversation(_) => (S::NOT_FOUND, "unknown_conversation", Some("conversation")),
        E::DuplicateAgent(_) => (S::CONFLICT, "duplicate_agent", Some("id")),
        E::DuplicateConversation(_) => {
            (S::CONFLICT, "duplicate_conversation", Some("conversation"))
        }
        E::CustomerHasOpenConversation { .. } => (
            S::CONFLICT,
            "customer_has_open_conversation",
            Some("customer"),
        ),
        E::InvalidCapacity { .. } => (S::BAD_REQUEST, "invalid_field", Some("cap")),
        E::DuplicateSkill(_) => (S::BAD_REQUEST, "invalid_field", Some("skills")),
        E::InvalidTransition { .. } => (S::CONFLICT, "invalid_transition", Some("conversation")),
        E::NotOwner { .. } => (S::CONFLICT, "not_owner", Some("agent")),
        E::AlreadyWithAgent { .. } => (S::CONFLICT, "already_with_agent", Some("to")),
        E::OfferExpired { .. } => (S::CONFLICT, "offer_expired", Some("conversation")),
        E::AgentUnavailable { .. } => (S::CONFLICT, "agent_unavailable", Some("agent")),
        E::NotEligible { .. } => (S::CONFLICT, "not_eligible", Some("agent")),
        E::NeverFits { .. } => (S::CONFLICT, "never_fits", Some("agent")),
        E::Full(_) => (S::SERVICE_UNAVAILABLE, "engine_full", None),
        E::SkillWindow(_) => (S::BAD_REQUEST, "invalid_field", Some("skill_windows")),
        E::InvalidChannelWeight { .. } => (S::BAD_REQUEST, "invalid_field", Some("weight")),
        E::Attributes(_) => (S::BAD_REQUEST, "invalid_field", Some("attributes")),
        E::Preferred { .. } => (S::BAD_REQUEST, "invalid_field", Some("preferred")),
        // Refusals other work adds to the engine: a conflict until classed.
        #[allow(unreachable_patterns)]
        _ => (S::CONFLICT, "refused", None),
    }
}

impl From<EngineError> for ApiError {
    /// An engine refusal outside a command (a query's answer).
    fn from(e: EngineError) -> Self {
        let (status, code, field) = engine_class(&e);
        Self::new(status, code, field, e.to_string())
    }
}

impl From<RuntimeError> for ApiError {
    fn from(e: RuntimeError) -> Self {
        use StatusCode as S;
        let message = e.to_string();
        let (status, code, field) = match &e {
            RuntimeError::Rejected(inner) => engine_class(&inner.error),
            RuntimeError::Overloaded { .. } | RuntimeError::Busy { .. } => {
                (S::SERVICE_UNAVAILABLE, "overloaded", None)
            }
            RuntimeError::ShuttingDown => (S::SERVICE_UNAVAILABLE, "shutting_down", None),
            RuntimeError::UnknownTenant(_) => (S::NOT_FOUND, "unknown_tenant", Some("tenant")),
            RuntimeError::DuplicateTenant(_) => (S::CONFLICT, "duplicate_tenant", Some("id")),
            RuntimeError::InvalidTenantId { .. } => (S::BAD_REQUEST, "invalid_field", Some("id")),
            RuntimeError::Config { .. } => (S::BAD_REQUEST, "invalid_field", Some("config")),
            RuntimeError::Reserve {
                source: ReserveError::OverLimit { .. },
                ..
            } => (S::BAD_REQUEST, "invalid_field", Some("reserve")),
            RuntimeError::Reserve { .. } => (S::SERVICE_UNAVAILABLE, "out_of_memory", None),
            RuntimeError::Unencodable(_) => (S::BAD_REQUEST, "invalid_field", Some("body")),
            _ => (S::INTERNAL_SERVER_ERROR, "internal", None),
        };
        Self::new(status, code, field, message)
    }
}

/// The refusals a keyed endpoint may answer, for the OpenAPI document:
/// each is an [`ErrorBody`].
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Read by utoipa only.
pub enum Refusals {
    /// Malformed JSON, or a field that is invalid (named in `field`).
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// No API key, or one that is unknown or revoked.
    #[response(status = 401)]
    Unauthenticated(ErrorBody),
    /// The key may not do this: another tenant's, or not the admin's.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// An unknown tenant, agent, conversation or key.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// A duplicate, or a transition the engine refuses.
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// The body is larger than the service accepts.
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// This key sent too many requests: retry after `Retry-After` seconds.
    #[response(status = 429, headers(("Retry-After" = u64, description = "Seconds to wait")))]
    RateLimited(ErrorBody),
    /// Overloaded, too many tenants, or stopping: retry after `Retry-After`.
    #[response(status = 503, headers(("Retry-After" = u64, description = "Seconds to wait")))]
    Unavailable(ErrorBody),
}
