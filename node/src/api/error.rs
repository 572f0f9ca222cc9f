//! The one mapping from failures to HTTP: a status and `{code, message}` with a stable
//! code the UI can switch on, the message in the language the request asks for
//! (`Accept-Language`: Bahasa Indonesia unless it asks for English; see [`in_language`]).

use crate::auth::Denied;
use crate::error::Error;
use axum::Json;
use axum::extract::Request;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
pub use medicloud_core::error_code::{ErrorBody, ErrorCode};
use medicloud_core::i18n::{self, Lang, Text};
use medicloud_core::ticket::TransitionError;
use medicloud_core::validate::Rule;

/// An error on its way to becoming a response.
#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    code: ErrorCode,
    message: Text,
    /// Seconds to send in a `Retry-After` header, if any.
    retry_after: Option<u64>,
}

/// An error answer's words in both languages, kept on the response for [`in_language`].
#[derive(Clone, Debug)]
struct Words {
    code: ErrorCode,
    message: Text,
}

impl AppError {
    /// An error with the given status, code and message (in both languages).
    pub fn new(status: StatusCode, code: ErrorCode, message: Text) -> Self {
        Self {
            status,
            code,
            message,
            retry_after: None,
        }
    }

    /// Its status, code and words: what a node answers another node's desk with.
    pub fn parts(&self) -> (StatusCode, ErrorCode, &Text) {
        (self.status, self.code, &self.message)
    }

    /// An error whose message is the code's own words ([`ErrorCode::text`]).
    pub fn code(status: StatusCode, code: ErrorCode) -> Self {
        Self::new(status, code, code.text())
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
        Self::code(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized)
    }

    /// 415: a body that is not sent as JSON.
    pub fn unsupported_media_type() -> Self {
        Self::code(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
        )
    }

    /// A body that could not be read: 413 when it passed the limit (reading stopped
    /// there), else 400.
    pub fn body_unread(status: StatusCode) -> Self {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Self::code(status, ErrorCode::PayloadTooLarge)
        } else {
            Self::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                Text::new(
                    "Isi permintaan tidak dapat dibaca.",
                    "the request body could not be read",
                ),
            )
        }
    }

    fn invalid(message: Text) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            message,
        )
    }

    /// 500: a bug; the details go to the log only.
    pub fn internal() -> Self {
        Self::code(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal)
    }
}

/// The response of an error, worded in `lang`.
fn response(status: StatusCode, words: Words, lang: Lang) -> Response {
    let body = ErrorBody::new(words.code, words.message.get(lang));
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.tag()),
    );
    response.extensions_mut().insert(words);
    response
}

/// The body is in Bahasa Indonesia (the default); [`in_language`] words it again when the
/// request asked for English.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let words = Words {
            code: self.code,
            message: self.message,
        };
        let mut response = response(self.status, words, Lang::default());
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.into());
        }
        response
    }
}

/// A middleware around the whole router: an error answer's message in the language of
/// the request's `Accept-Language` (Bahasa Indonesia unless it asks for English; the
/// code stays the same), with `Content-Language` saying which and `Vary:
/// Accept-Language` on every answer.
pub async fn in_language(request: Request, next: Next) -> Response {
    let lang = Lang::from_accept_language(
        request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let mut answer = next.run(request).await;
    answer
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept-language"));
    if lang == Lang::default() {
        return answer;
    }
    let Some(words) = answer.extensions_mut().remove::<Words>() else {
        return answer;
    };
    let (mut parts, _) = answer.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let mut worded = response(parts.status, words, lang);
    parts.headers.remove(header::CONTENT_LANGUAGE);
    worded.headers_mut().extend(parts.headers);
    worded
}

impl From<Error> for AppError {
    fn from(err: Error) -> Self {
        use StatusCode as S;
        match err {
            Error::Invalid(e) => Self::invalid(e.text()),
            Error::NotFound { what } => {
                Self::new(S::NOT_FOUND, ErrorCode::NotFound, i18n::not_found(what))
            }
            Error::QueueEmpty => Self::code(S::NOT_FOUND, ErrorCode::QueueEmpty),
            Error::Transition(TransitionError::UnknownTicket) => {
                Self::new(S::NOT_FOUND, ErrorCode::NotFound, i18n::not_found("ticket"))
            }
            Error::Transition(e) => Self::new(S::CONFLICT, ErrorCode::InvalidTransition, e.text()),
            // Refusals of who is asking rather than of the state: 403.
            Error::Conflict {
                code: code @ (ErrorCode::WrongPassword | ErrorCode::PasswordChangeRequired),
                message,
            } => Self::new(S::FORBIDDEN, code, message),
            Error::Conflict { code, message } => Self::new(S::CONFLICT, code, message),
            Error::Forwarded {
                status,
                code,
                message,
            } => Self::new(S::from_u16(status).unwrap_or(S::CONFLICT), code, message),
            Error::Storage(e) => {
                tracing::error!(error = %e, "storage failure");
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
                    Self::code(S::INSUFFICIENT_STORAGE, ErrorCode::DiskFull)
                } else {
                    Self::code(S::SERVICE_UNAVAILABLE, ErrorCode::StorageUnavailable)
                }
            }
            Error::Corrupt(e) => {
                tracing::error!(error = %e, "unreadable stored data");
                Self::internal()
            }
            Error::AuditChainBroken { .. } | Error::Layout(_) | Error::Thread(_) => {
                tracing::error!(error = %err, "internal failure");
                Self::internal()
            }
            // Raised only while a database is opened, never by a request; mapped for
            // completeness.
            Error::WrongKey | Error::Key(_) | Error::Busy(_) => {
                tracing::error!(error = %err, "database unavailable");
                Self::new(
                    S::SERVICE_UNAVAILABLE,
                    ErrorCode::StorageUnavailable,
                    Text::new(
                        "Basis data lokal tidak tersedia.",
                        "the local database is not available",
                    ),
                )
            }
        }
    }
}

impl From<Denied> for AppError {
    fn from(_: Denied) -> Self {
        Self::code(StatusCode::FORBIDDEN, ErrorCode::Forbidden)
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
                Self::invalid(i18n::request_shape(detail))
            }
            JsonRejection::JsonSyntaxError(_) => Self::code(S::BAD_REQUEST, ErrorCode::BadJson),
            JsonRejection::MissingJsonContentType(_) => Self::unsupported_media_type(),
            JsonRejection::BytesRejection(e) => Self::body_unread(e.status()),
            other => Self::new(
                S::BAD_REQUEST,
                ErrorCode::BadRequest,
                i18n::request_shape(&other.body_text()),
            ),
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
        // The field and the rule, as a validation error says them.
        let named = |key: &str, rule: Rule| {
            let (field, rule) = (i18n::field(key), rule.text());
            Self::invalid(Text::new(
                format!("{}: {}", field.id, rule.id),
                format!("{}: {}", field.en, rule.en),
            ))
        };
        match e.into_kind() {
            ErrorKind::ParseErrorAtKey {
                key, expected_type, ..
            } => named(
                &key,
                Rule::Type {
                    expected: expected_type.to_owned(),
                },
            ),
            ErrorKind::DeserializeError { key, message, .. } => {
                named(&key, Rule::Unreadable { detail: message })
            }
            ErrorKind::InvalidUtf8InPathParam { key } => named(
                &key,
                Rule::Unreadable {
                    detail: "not valid UTF-8".to_owned(),
                },
            ),
            ErrorKind::ParseErrorAtIndex { expected_type, .. }
            | ErrorKind::ParseError { expected_type, .. } => named(
                "path",
                Rule::Type {
                    expected: expected_type.to_owned(),
                },
            ),
            ErrorKind::Message(message) => named("path", Rule::Unreadable { detail: message }),
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
        Self::invalid(i18n::request_shape(detail))
    }
}

/// The `{code, message}` body of an error the framework answered on its own with
/// `status` (see [`medicloud_edge::typed_refusals`]).
pub fn refusal(status: StatusCode) -> Response {
    let (code, _) = ErrorCode::for_framework_refusal(status.as_u16());
    AppError::code(status, code).into_response()
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
