//! The one mapping from failures to HTTP: a status and `{code, message}` with a stable
//! code the UI can switch on.

use crate::auth::Denied;
use crate::error::Error;
use axum::Json;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
pub use medicloud_core::error_code::{ErrorBody, ErrorCode};
use medicloud_core::ticket::TransitionError;

/// An error on its way to becoming a response.
#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    /// Seconds to send in a `Retry-After` header, if any.
    retry_after: Option<u64>,
}

impl AppError {
    /// An error with the given status, code and message.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The same error with a `Retry-After` header: try again after `wait` (rounded up
    /// to whole seconds, at least one).
    pub fn retry_after(self, wait: std::time::Duration) -> Self {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Self {
            retry_after: Some(secs.max(1)),
            ..self
        }
    }

    /// 401: no valid token.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "log in or use a device token",
        )
    }

    /// 415: a body that is not sent as JSON.
    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "send the body as application/json",
        )
    }

    /// A body that could not be read: 413 when it passed the limit (reading stopped
    /// there), else 400.
    pub fn body_unread(status: StatusCode) -> Self {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Self::new(
                status,
                ErrorCode::PayloadTooLarge,
                "the request body is too large",
            )
        } else {
            Self::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                "the request body could not be read",
            )
        }
    }

    fn invalid(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            message,
        )
    }

    fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "internal error",
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, Json(ErrorBody::new(self.code, self.message))).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

impl From<Error> for AppError {
    fn from(err: Error) -> Self {
        use StatusCode as S;
        match err {
            Error::Invalid(e) => Self::new(
                S::UNPROCESSABLE_ENTITY,
                ErrorCode::ValidationFailed,
                e.to_string(),
            ),
            Error::NotFound { what } => Self::new(
                S::NOT_FOUND,
                ErrorCode::NotFound,
                format!("{what} not found"),
            ),
            Error::QueueEmpty => Self::new(S::NOT_FOUND, ErrorCode::QueueEmpty, err.to_string()),
            Error::Transition(TransitionError::UnknownTicket) => {
                Self::new(S::NOT_FOUND, ErrorCode::NotFound, "ticket not found")
            }
            Error::Transition(e) => {
                Self::new(S::CONFLICT, ErrorCode::InvalidTransition, e.to_string())
            }
            // Refusals of who is asking rather than of the state: 403.
            Error::Conflict {
                code: code @ (ErrorCode::WrongPassword | ErrorCode::PasswordChangeRequired),
                message,
            } => Self::new(S::FORBIDDEN, code, message),
            Error::Conflict { code, message } => Self::new(S::CONFLICT, code, message),
            Error::Storage(e) => {
                tracing::error!(error = %e, "storage failure");
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
                    Self::new(
                        S::INSUFFICIENT_STORAGE,
                        ErrorCode::DiskFull,
                        "this node's disk is full; nothing was changed (free some space on it)",
                    )
                } else {
                    Self::new(
                        S::SERVICE_UNAVAILABLE,
                        ErrorCode::StorageUnavailable,
                        "the local database could not save; nothing was changed",
                    )
                }
            }
            Error::Corrupt(e) => {
                tracing::error!(error = %e, "unreadable stored data");
                Self::new(
                    S::INTERNAL_SERVER_ERROR,
                    ErrorCode::Internal,
                    "internal error",
                )
            }
            Error::AuditChainBroken { .. } | Error::Layout(_) | Error::Thread(_) => {
                tracing::error!(error = %err, "internal failure");
                Self::new(
                    S::INTERNAL_SERVER_ERROR,
                    ErrorCode::Internal,
                    "internal error",
                )
            }
            // Raised only while a database is opened, never by a request; mapped for
            // completeness.
            Error::WrongKey | Error::Key(_) | Error::Busy(_) => {
                tracing::error!(error = %err, "database unavailable");
                Self::new(
                    S::SERVICE_UNAVAILABLE,
                    ErrorCode::StorageUnavailable,
                    "the local database is not available",
                )
            }
        }
    }
}

impl From<Denied> for AppError {
    fn from(err: Denied) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, err.to_string())
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
                Self::new(S::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed, detail)
            }
            JsonRejection::JsonSyntaxError(_) => Self::new(
                S::BAD_REQUEST,
                ErrorCode::BadJson,
                "the request body is not valid JSON",
            ),
            JsonRejection::MissingJsonContentType(_) => Self::unsupported_media_type(),
            JsonRejection::BytesRejection(e) => Self::body_unread(e.status()),
            other => Self::new(S::BAD_REQUEST, ErrorCode::BadRequest, other.body_text()),
        }
    }
}

/// A path parameter that does not parse: 422 naming it. (The other rejections are a
/// route declared with the wrong parameters: a bug.)
impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> Self {
        let PathRejection::FailedToDeserializePathParams(e) = rejection else {
            tracing::error!(error = %rejection, "path parameters missing");
            return Self::internal();
        };
        match e.into_kind() {
            ErrorKind::ParseErrorAtKey {
                key, expected_type, ..
            } => Self::invalid(format!("{key}: expected a {expected_type}")),
            ErrorKind::DeserializeError { key, message, .. } => {
                Self::invalid(format!("{key}: {message}"))
            }
            ErrorKind::InvalidUtf8InPathParam { key } => {
                Self::invalid(format!("{key}: not valid UTF-8"))
            }
            ErrorKind::ParseErrorAtIndex { expected_type, .. }
            | ErrorKind::ParseError { expected_type, .. } => {
                Self::invalid(format!("a path parameter is not a {expected_type}"))
            }
            ErrorKind::Message(message) => Self::invalid(format!("path: {message}")),
            kind => {
                tracing::error!(error = %kind, "path parameters of the wrong shape");
                Self::internal()
            }
        }
    }
}

/// A query string that does not parse: 422, with serde's words (they name the
/// parameter: `limit: invalid digit found in string`).
impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        let text = rejection.body_text();
        let detail = text
            .strip_prefix("Failed to deserialize query string: ")
            .unwrap_or(&text);
        Self::invalid(detail)
    }
}

/// The `{code, message}` body of an error the framework answered on its own with
/// `status` (see [`medicloud_edge::typed_refusals`]).
pub fn refusal(status: StatusCode) -> Response {
    let (code, message) = ErrorCode::for_framework_refusal(status.as_u16());
    AppError::new(status, code, message).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::ffi;

    fn check(err: Error, status: u16, code: &str) {
        let app = AppError::from(err);
        assert_eq!((app.status.as_u16(), app.code.as_str()), (status, code));
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
        let broken = Error::AuditChainBroken {
            origin: "d".into(),
            seq: 2,
        };
        check(broken, 500, "internal");
    }
}
