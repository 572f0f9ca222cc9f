//! The one mapping from failures to HTTP: a status and `{code, message}` with a stable
//! code the UI can switch on.

use crate::auth::Denied;
use crate::error::Error;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use medicloud_core::ticket::TransitionError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `queue_empty`, `invalid_transition`.
    pub code: String,
    /// What happened, for people.
    pub message: String,
}

/// An error on its way to becoming a response.
#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl AppError {
    /// An error with the given status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 401: no valid token.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "log in or use a device token",
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code.to_owned(),
            message: self.message,
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<Error> for AppError {
    fn from(err: Error) -> Self {
        use StatusCode as S;
        match err {
            Error::Invalid(e) => {
                Self::new(S::UNPROCESSABLE_ENTITY, "validation_failed", e.to_string())
            }
            Error::NotFound { what } => {
                Self::new(S::NOT_FOUND, "not_found", format!("{what} not found"))
            }
            Error::QueueEmpty => Self::new(S::NOT_FOUND, "queue_empty", err.to_string()),
            Error::Transition(TransitionError::UnknownTicket) => {
                Self::new(S::NOT_FOUND, "not_found", "ticket not found")
            }
            Error::Transition(e) => Self::new(S::CONFLICT, "invalid_transition", e.to_string()),
            Error::Conflict { code, message } => Self::new(S::CONFLICT, code, message),
            Error::Storage(e) => {
                tracing::error!(error = %e, "storage failure");
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
                    Self::new(
                        S::INSUFFICIENT_STORAGE,
                        "disk_full",
                        "this node's disk is full; nothing was changed (free some space on it)",
                    )
                } else {
                    Self::new(
                        S::SERVICE_UNAVAILABLE,
                        "storage_unavailable",
                        "the local database could not save; nothing was changed",
                    )
                }
            }
            Error::Corrupt(e) => {
                tracing::error!(error = %e, "unreadable stored data");
                Self::new(S::INTERNAL_SERVER_ERROR, "internal", "internal error")
            }
            // Raised only while a database is opened, never by a request; mapped for
            // completeness.
            Error::WrongKey | Error::Key(_) | Error::Busy(_) => {
                tracing::error!(error = %err, "database unavailable");
                Self::new(
                    S::SERVICE_UNAVAILABLE,
                    "storage_unavailable",
                    "the local database is not available",
                )
            }
        }
    }
}

impl From<Denied> for AppError {
    fn from(err: Denied) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", err.to_string())
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        use StatusCode as S;
        match rejection {
            JsonRejection::JsonDataError(e) => {
                let text = e.body_text();
                let detail = text
                    .strip_prefix("Failed to deserialize the JSON body into the target type: ")
                    .unwrap_or(&text);
                Self::new(S::UNPROCESSABLE_ENTITY, "validation_failed", detail)
            }
            JsonRejection::JsonSyntaxError(_) => Self::new(
                S::BAD_REQUEST,
                "bad_json",
                "the request body is not valid JSON",
            ),
            JsonRejection::MissingJsonContentType(_) => Self::new(
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            ),
            JsonRejection::BytesRejection(_) => Self::new(
                S::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is too large",
            ),
            other => Self::new(S::BAD_REQUEST, "bad_request", other.body_text()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::ffi;

    fn check(err: Error, status: u16, code: &str) {
        let app = AppError::from(err);
        assert_eq!((app.status.as_u16(), app.code), (status, code));
    }

    fn sqlite(code: std::ffi::c_int) -> Error {
        Error::Storage(rusqlite::Error::SqliteFailure(ffi::Error::new(code), None))
    }

    #[test]
    fn storage_failures_say_whether_the_disk_is_full() {
        check(sqlite(ffi::SQLITE_FULL), 507, "disk_full");
        check(sqlite(ffi::SQLITE_IOERR), 503, "storage_unavailable");
        check(sqlite(ffi::SQLITE_BUSY), 503, "storage_unavailable");
        check(Error::QueueEmpty, 404, "queue_empty");
        check(Error::Corrupt("x".into()), 500, "internal");
    }
}
