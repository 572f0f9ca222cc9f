//! The stable codes of every error answer, from the node and from the cloud, and the
//! one error body they travel in.
//!
//! A code is what a client switches on (the screens translate it; sync clients decide
//! on it); the message beside it is for people, in the language the request asked for
//! (Bahasa Indonesia unless `Accept-Language` asks for English; the texts are in
//! [`crate::i18n`]). The strings are
//! the wire format: never rename one. Each variant says when it is answered and with
//! which HTTP status.
//!
//! ```
//! use medicloud_core::error_code::{ErrorBody, ErrorCode};
//!
//! let body = ErrorBody::new(ErrorCode::QueueEmpty, "nobody is waiting for this counter");
//! let json = r#"{"code":"queue_empty","message":"nobody is waiting for this counter"}"#;
//! assert_eq!(serde_json::to_string(&body)?, json);
//! // A code this build does not know (a newer node or cloud) still reads.
//! let newer: ErrorBody = serde_json::from_str(r#"{"code":"from_the_future","message":"x"}"#)?;
//! assert_eq!(newer.code, ErrorCode::Unknown);
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// Why a request was refused: a stable, machine-readable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // The request itself.
    /// 422: a field of the body, a path parameter (an id that is not a UUID) or a query
    /// parameter (`limit=-1`) does not hold what it should, or the body has a field the
    /// request does not know (the message names the field and the rule, never the
    /// value); nothing was changed.
    ValidationFailed,
    /// 400: the body is not valid JSON (the cloud: not a body it can read at all).
    BadJson,
    /// 400: a request the node cannot read for another reason (a missing body, …).
    BadRequest,
    /// 405: the path exists but not with this method; the `Allow` header lists the
    /// methods it takes.
    MethodNotAllowed,
    /// 415: a body sent without `Content-Type: application/json`.
    UnsupportedMediaType,
    /// 413: the body is larger than the node or the cloud takes.
    PayloadTooLarge,
    /// 413: a sync request carries more events than one page.
    TooManyEvents,
    /// 429: too many requests from one machine in a short time.
    RateLimited,
    /// 404: a ticket action the node does not know (`/tickets/{id}/{action}`).
    UnknownAction,

    // Who is asking.
    /// 401: no valid staff session or device token (the cloud: no valid device secret or
    /// admin token).
    Unauthorized,
    /// 401: a login with a wrong username or password.
    InvalidCredentials,
    /// 429: a login for a username locked after five failed logins (for 15 minutes).
    AccountLocked,
    /// 403: the session or device may not do this.
    Forbidden,
    /// 401, between nodes: a sync request not sealed with the clinic's LAN key, or
    /// played again.
    Unauthenticated,
    /// 401, between nodes (sealed): the request's time is too far from the receiver's
    /// clock; the answer carries the receiver's time.
    StaleRequest,
    /// 401, from the cloud: this device was revoked.
    Revoked,
    /// 401, from the cloud: an enrolment code that is unknown, used or expired.
    BadCode,
    /// 401, from the cloud's `/hq`: the access token expired; refresh it.
    TokenExpired,
    /// 401, from the cloud's `/hq`: the login this token belongs to was logged out, or
    /// revoked because one of its refresh tokens was used twice; log in again.
    SessionRevoked,
    /// 403, from the cloud's `/hq`: a clinic that is not on the caller's account.
    ClinicNotOnAccount,
    /// 403, from the cloud's OpenID Connect login (its callback redirects to
    /// `/hq/#login_error=oidc_unknown_subject`): the provider vouched for someone who has
    /// no enabled cloud account; nothing was made.
    OidcUnknownSubject,
    /// 401, from the cloud's OpenID Connect login: a sign-in that is unknown, used
    /// already or too old (its `state` at the callback, ten minutes; its handoff code at
    /// `/hq/v1/auth/oidc/complete`, sixty seconds); start again.
    OidcLoginExpired,
    /// 401, from the cloud's OpenID Connect login: the provider refused the sign-in
    /// (the person cancelled, a code used twice) or gave an ID token that does not
    /// verify.
    OidcRefused,
    /// 502, from the cloud's OpenID Connect login: the provider cannot be reached or
    /// answers what it should not (its discovery document, keys or token endpoint).
    OidcProviderUnavailable,

    // What was asked for.
    /// 404: the thing asked for does not exist (or the caller may not know it does).
    NotFound,
    /// 404: `call-next` found nobody waiting in the counter's services.
    QueueEmpty,
    /// 409: a ticket step its lifecycle does not allow from the ticket's state.
    InvalidTransition,
    /// 409: a call at a counter that still holds a called or serving ticket; the desk
    /// says what becomes of it (complete, no-show, requeue) with the next call.
    CounterBusy,
    /// 409: a patient with this NIK is already registered.
    DuplicateNik,
    /// 409: that username is taken.
    UsernameTaken,
    /// 409: an admin tried to disable or demote their own account (another admin does
    /// that).
    OwnAccount,
    /// 409: the change would leave the clinic without an active admin.
    LastAdmin,
    /// 409: a new service with a code that exists.
    ServiceExists,
    /// 403: this session logged in with a temporary password and may do nothing until
    /// it chooses a new one (`POST /api/v1/auth/password`).
    PasswordChangeRequired,
    /// 403: a password change whose current password is wrong (the session stays).
    WrongPassword,
    /// 409: a ticket for a service that is closed today.
    ServiceClosed,
    /// 409: a check-in, a move or a cancellation of an appointment that was cancelled.
    AppointmentCancelled,
    /// 409: a check-in, a move or a cancellation of an appointment that is already
    /// checked in (its ticket is cancelled instead).
    AlreadyCheckedIn,
    /// 409: every place of the appointment slot asked for is booked (the answer of
    /// `GET /appointments/slots` says which slots still have room); nothing was booked.
    SlotFull,
    /// 409: a check-in for an appointment on another day.
    AppointmentNotToday,
    /// 409 (a reprint) or 404 (a test print): this node has no printer.
    NoPrinter,
    /// 503: the printer did not take the test page.
    PrinterFault,
    /// 409, from the cloud: a clinic with that id exists.
    ClinicExists,

    // Sync between nodes and with the cloud.
    /// 403: this node takes no sync requests (it has no LAN key).
    SyncOff,
    /// 403: the request (or its events) belongs to another clinic, or a device poses as
    /// another; nothing was stored.
    WrongClinic,
    /// 400: the exchange refused the request's events (a gap, a changed event…); nothing
    /// was stored.
    SyncRefused,
    /// 400: a sealed sync body that is not gzip-compressed JSON.
    BadBody,
    /// 409: a label block asked of a node that takes its own labels from another
    /// authority.
    NotAuthority,
    /// 409: a desk booking while the clinic's booking authority (the node that hands
    /// out its labels) cannot be reached: it counts the desk's places, so only a
    /// confirmed overbooking is taken meanwhile.
    BookingAuthorityUnreachable,

    // The machine.
    /// 503: the database could not save or answer; nothing was changed.
    StorageUnavailable,
    /// 507: the node's disk is full; nothing was changed.
    DiskFull,
    /// 500: a bug or damaged stored data; the details are in the node's log only.
    Internal,

    /// A code this build does not know, read from a newer node or cloud. Never sent.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The code as it is on the wire, e.g. `queue_empty`.
    pub fn as_str(self) -> &'static str {
        use ErrorCode as C;
        match self {
            C::ValidationFailed => "validation_failed",
            C::BadJson => "bad_json",
            C::BadRequest => "bad_request",
            C::MethodNotAllowed => "method_not_allowed",
            C::UnsupportedMediaType => "unsupported_media_type",
            C::PayloadTooLarge => "payload_too_large",
            C::TooManyEvents => "too_many_events",
            C::RateLimited => "rate_limited",
            C::UnknownAction => "unknown_action",
            C::Unauthorized => "unauthorized",
            C::InvalidCredentials => "invalid_credentials",
            C::AccountLocked => "account_locked",
            C::Forbidden => "forbidden",
            C::Unauthenticated => "unauthenticated",
            C::StaleRequest => "stale_request",
            C::Revoked => "revoked",
            C::BadCode => "bad_code",
            C::TokenExpired => "token_expired",
            C::SessionRevoked => "session_revoked",
            C::ClinicNotOnAccount => "clinic_not_on_account",
            C::OidcUnknownSubject => "oidc_unknown_subject",
            C::OidcLoginExpired => "oidc_login_expired",
            C::OidcRefused => "oidc_refused",
            C::OidcProviderUnavailable => "oidc_provider_unavailable",
            C::NotFound => "not_found",
            C::QueueEmpty => "queue_empty",
            C::InvalidTransition => "invalid_transition",
            C::CounterBusy => "counter_busy",
            C::DuplicateNik => "duplicate_nik",
            C::UsernameTaken => "username_taken",
            C::OwnAccount => "own_account",
            C::LastAdmin => "last_admin",
            C::ServiceExists => "service_exists",
            C::PasswordChangeRequired => "password_change_required",
            C::WrongPassword => "wrong_password",
            C::ServiceClosed => "service_closed",
            C::AppointmentCancelled => "appointment_cancelled",
            C::AlreadyCheckedIn => "already_checked_in",
            C::SlotFull => "slot_full",
            C::AppointmentNotToday => "appointment_not_today",
            C::NoPrinter => "no_printer",
            C::PrinterFault => "printer_fault",
            C::ClinicExists => "clinic_exists",
            C::SyncOff => "sync_off",
            C::WrongClinic => "wrong_clinic",
            C::SyncRefused => "sync_refused",
            C::BadBody => "bad_body",
            C::NotAuthority => "not_authority",
            C::BookingAuthorityUnreachable => "booking_authority_unreachable",
            C::StorageUnavailable => "storage_unavailable",
            C::DiskFull => "disk_full",
            C::Internal => "internal",
            C::Unknown => "unknown",
        }
    }
}

impl ErrorCode {
    /// The code and message for an error the HTTP framework answered on its own, as plain
    /// text or with no body (a method a path does not take, a body read past its limit,
    /// …), by its status: what the node and the cloud send instead, so every refusal
    /// carries `{code, message}`.
    pub fn for_framework_refusal(status: u16) -> (Self, &'static str) {
        use ErrorCode as C;
        match status {
            405 => (
                C::MethodNotAllowed,
                "this path does not take this method (the Allow header lists those it takes)",
            ),
            413 => (C::PayloadTooLarge, "the request body is too large"),
            415 => (C::UnsupportedMediaType, "send the body as application/json"),
            404 => (C::NotFound, "not found"),
            422 => (C::ValidationFailed, "the request is not valid"),
            500..=599 => (C::Internal, "internal error"),
            _ => (C::BadRequest, "the request could not be read"),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every error answer, from the node's API, between nodes and from the cloud.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `queue_empty`, `invalid_transition`.
    pub code: ErrorCode,
    /// What happened, for people.
    pub message: String,
}

impl ErrorBody {
    /// A body with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Every variant (a new one goes here and in `as_str`, whose match is exhaustive; its
    /// texts go into [`crate::i18n`], whose test reads this list).
    pub(crate) const ALL: [ErrorCode; 53] = {
        use ErrorCode as C;
        [
            C::ValidationFailed,
            C::BadJson,
            C::BadRequest,
            C::MethodNotAllowed,
            C::UnsupportedMediaType,
            C::PayloadTooLarge,
            C::TooManyEvents,
            C::RateLimited,
            C::UnknownAction,
            C::Unauthorized,
            C::InvalidCredentials,
            C::AccountLocked,
            C::Forbidden,
            C::Unauthenticated,
            C::StaleRequest,
            C::Revoked,
            C::BadCode,
            C::TokenExpired,
            C::SessionRevoked,
            C::ClinicNotOnAccount,
            C::OidcUnknownSubject,
            C::OidcLoginExpired,
            C::OidcRefused,
            C::OidcProviderUnavailable,
            C::NotFound,
            C::QueueEmpty,
            C::InvalidTransition,
            C::CounterBusy,
            C::DuplicateNik,
            C::UsernameTaken,
            C::OwnAccount,
            C::LastAdmin,
            C::ServiceExists,
            C::PasswordChangeRequired,
            C::WrongPassword,
            C::ServiceClosed,
            C::AppointmentCancelled,
            C::AlreadyCheckedIn,
            C::SlotFull,
            C::AppointmentNotToday,
            C::NoPrinter,
            C::PrinterFault,
            C::ClinicExists,
            C::SyncOff,
            C::WrongClinic,
            C::SyncRefused,
            C::BadBody,
            C::NotAuthority,
            C::BookingAuthorityUnreachable,
            C::StorageUnavailable,
            C::DiskFull,
            C::Internal,
            C::Unknown,
        ]
    };

    #[test]
    fn the_wire_string_is_the_serde_name_and_reads_back() {
        for code in ALL {
            let json = serde_json::to_string(&code).expect("a code serialises");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: ErrorCode = serde_json::from_str(&json).expect("a code reads back");
            assert_eq!(back, code);
        }
    }

    #[test]
    fn codes_keep_their_strings() {
        use ErrorCode as C;
        for (code, text) in [
            (C::ValidationFailed, "validation_failed"),
            (C::QueueEmpty, "queue_empty"),
            (C::StaleRequest, "stale_request"),
            (C::DiskFull, "disk_full"),
            (C::AppointmentNotToday, "appointment_not_today"),
            (C::UnsupportedMediaType, "unsupported_media_type"),
            (C::MethodNotAllowed, "method_not_allowed"),
        ] {
            assert_eq!(code.to_string(), text);
        }
    }
}
