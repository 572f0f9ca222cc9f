//! Tickets: take, read, list, call next, and the lifecycle steps.

use super::appointments::CancelBody;
use super::error::{AppError, ErrorBody, ErrorCode};
use super::extract::{Caller, Json, JsonOrEmpty, Path, Query};
use super::{AppState, blocking};
use crate::auth::{Permission, Principal};
use crate::ops::{NewTicket, TicketAction, TicketFilter};
use crate::views::{CallView, PublicTicketView, TicketView};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use medicloud_core::domain::{CounterId, DeviceRole, ServiceCode};
use medicloud_core::event::Actor;
use medicloud_core::i18n::{self, Text};
use medicloud_core::ids::TicketId;
use medicloud_core::requests::CallNext;
use serde::Deserialize;
use utoipa::ToSchema;

/// Take a ticket: a walk-in for a service, or an appointment check-in by booking code.
/// The ticket is stored durably before the response is sent.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])), request_body = NewTicket,
    responses((status = 201, body = TicketView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Json(req): Json<NewTicket>,
) -> Result<(StatusCode, Json<TicketView>), AppError> {
    p.require(Permission::TakeTicket)?;
    let ticket = blocking(move || s.node.issue_ticket(p.actor(), req)).await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

/// One ticket. A kiosk may read only the tickets it took.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = TicketId, Path, description = "ticket id")),
    responses((status = 200, body = TicketView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Path(id): Path<TicketId>,
) -> Result<Json<TicketView>, AppError> {
    let node = s.node.clone();
    let ticket = blocking(move || node.ticket(id)).await?;
    let own_kiosk_ticket = matches!(p, Principal::Device { id: device, role: DeviceRole::Kiosk }
        if ticket.issued_by == Actor::Device(device));
    if !own_kiosk_ticket {
        p.require(Permission::ReadTickets)?;
    }
    Ok(Json(blocking(move || s.node.ticket_view(id)).await?))
}

/// Today's tickets, optionally of one service and status.
#[utoipa::path(get, path = "/api/v1/tickets", operation_id = "list_tickets", tag = "tickets", security(("bearer" = [])), params(TicketFilter),
    responses((status = 200, body = [TicketView]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Query(filter): Query<TicketFilter>,
) -> Result<Json<Vec<TicketView>>, AppError> {
    p.require(Permission::ReadTickets)?;
    Ok(Json(blocking(move || s.node.tickets(&filter)).await?))
}

/// Call the next ticket, in calling order, from the services this counter serves. A
/// counter holds one ticket at a time: while it still holds one, say what becomes of it
/// (`{"current": "complete" | "no_show" | "requeue"}`), or the call is refused with
/// `counter_busy` and nothing changes.
#[utoipa::path(post, path = "/api/v1/counters/{counter_id}/call-next", tag = "tickets", security(("bearer" = [])),
    params(("counter_id" = CounterId, Path, description = "counter id, e.g. loket-1")),
    request_body(content = Option<CallNext>, description = "needed while the counter still holds a ticket"),
    responses((status = 200, body = TicketView), (status = 403, body = ErrorBody),
        (status = 404, description = "`queue_empty` when nobody waits, `not_found` for an unknown counter", body = ErrorBody),
        (status = 409, description = "`counter_busy`: the counter still holds a ticket and the body does not say what becomes of it; `invalid_transition`: that is not allowed from its state", body = ErrorBody),
        (status = 422, description = "`validation_failed`: not a counter id, or a body the node cannot read", body = ErrorBody)))]
pub async fn call_next(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Path(counter): Path<String>,
    JsonOrEmpty(CallNext { current }): JsonOrEmpty<CallNext>,
) -> Result<Json<TicketView>, AppError> {
    p.require(Permission::WorkTickets)?;
    let counter = CounterId::parse(&counter).map_err(crate::error::Error::from)?;
    Ok(Json(
        blocking(move || s.node.call_next(p.actor(), &counter, current)).await?,
    ))
}

/// The body some steps need.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// For `transfer`: the service to send the patient on to.
    pub service: Option<ServiceCode>,
    /// For `call`: the counter calling this ticket.
    pub counter: Option<CounterId>,
}

fn action(name: &str, body: ActionBody) -> Result<TicketAction, AppError> {
    let missing = |field: &str| {
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            Text::new(
                format!("{}: wajib untuk {name}", i18n::field(field).id),
                format!("{}: required for {name}", i18n::field(field).en),
            ),
        )
    };
    Ok(match name {
        "call" => TicketAction::Call(body.counter.ok_or_else(|| missing("counter"))?),
        "recall" => TicketAction::Recall,
        "serve" => TicketAction::Serve,
        "complete" => TicketAction::Complete,
        "no-show" => TicketAction::NoShow,
        "requeue" => TicketAction::Requeue,
        "transfer" => TicketAction::Transfer(body.service.ok_or_else(|| missing("service"))?),
        _ => {
            return Err(AppError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::UnknownAction,
                Text::new(
                    "Gunakan call, recall, serve, complete, no-show, requeue, transfer atau reprint (cancel memerlukan {reason}).",
                    "use call, recall, serve, complete, no-show, requeue, transfer or reprint (cancel takes {reason})",
                ),
            ));
        }
    })
}

/// Cancel a ticket (desk), for a reason: it leaves the queue and the display. Audited
/// with the reason. A ticket being served, finished or already cancelled cannot be.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/cancel", operation_id = "cancel_ticket", tag = "tickets", security(("bearer" = [])),
    params(("id" = TicketId, Path, description = "ticket id")), request_body = CancelBody,
    responses((status = 200, body = TicketView), (status = 403, body = ErrorBody),
        (status = 404, description = "`not_found`: no such ticket", body = ErrorBody),
        (status = 409, description = "`invalid_transition`: already cancelled, being served or finished", body = ErrorBody),
        (status = 422, description = "`validation_failed`: the reason is empty, too long or not one line", body = ErrorBody)))]
pub async fn cancel(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Path(id): Path<TicketId>,
    Json(body): Json<CancelBody>,
) -> Result<Json<TicketView>, AppError> {
    p.require(Permission::FrontDesk)?;
    let action = TicketAction::Cancel(body.reason);
    Ok(Json(
        blocking(move || s.node.act(p.actor(), id, action)).await?,
    ))
}

/// A lifecycle step: `call` (`{counter}`), `recall`, `serve`, `complete`, `no-show`,
/// `requeue`, `transfer` (`{service}`; answers with the new ticket); or `reprint` (409
/// `no_printer` when this node has none). Cancelling has its own operation, with a reason.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/{action}", tag = "tickets", security(("bearer" = [])),
    params(("id" = TicketId, Path, description = "ticket id"),
        ("action" = String, Path, pattern = "^(call|recall|serve|complete|no-show|requeue|transfer|reprint)$")),
    request_body(content = Option<ActionBody>, description = "needed by call and transfer"),
    responses((status = 200, body = TicketView), (status = 403, body = ErrorBody),
        (status = 404, description = "`not_found`: no such ticket (or counter); `unknown_action`", body = ErrorBody),
        (status = 409, description = "`invalid_transition`: not allowed from the ticket's state; `no_printer`", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn act(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Path((id, name)): Path<(TicketId, String)>,
    JsonOrEmpty(body): JsonOrEmpty<ActionBody>,
) -> Result<Json<TicketView>, AppError> {
    p.require(Permission::WorkTickets)?;
    if name == "reprint" {
        return Ok(Json(blocking(move || s.node.reprint(id)).await?));
    }
    let action = action(&name, body)?;
    Ok(Json(
        blocking(move || s.node.act(p.actor(), id, action)).await?,
    ))
}

/// The ticket printer of this node: configured or not, its current fault, jobs waiting.
#[utoipa::path(get, path = "/api/v1/printer", tag = "clinic", security(("bearer" = [])),
    responses((status = 200, body = crate::print::PrinterHealth)))]
pub async fn printer(
    State(s): State<AppState>,
    Caller(p, _): Caller,
) -> Result<Json<crate::print::PrinterHealth>, AppError> {
    p.require(Permission::SeeQueues)?;
    Ok(Json(s.node.printer_health()))
}

/// A ticket's public status, for the page its QR code opens. No token needed: the
/// ticket's random id is the key, and the answer holds no patient data.
#[utoipa::path(get, path = "/api/v1/public/tickets/{id}", tag = "tickets",
    params(("id" = TicketId, Path, description = "ticket id")),
    responses((status = 200, body = PublicTicketView), (status = 404, body = ErrorBody)))]
pub async fn public(
    State(s): State<AppState>,
    Path(id): Path<TicketId>,
) -> Result<Json<PublicTicketView>, AppError> {
    Ok(Json(blocking(move || s.node.public_ticket_view(id)).await?))
}

/// How many recent calls to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallsQuery {
    /// At most this many (default 10; more than 50 is taken as 50).
    #[param(minimum = 0, maximum = 65535)]
    pub limit: Option<u16>,
}

/// Today's most recent calls, newest first, for the waiting-room display.
#[utoipa::path(get, path = "/api/v1/calls", tag = "tickets", security(("bearer" = [])), params(CallsQuery),
    responses((status = 200, body = [CallView])))]
pub async fn calls(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Query(q): Query<CallsQuery>,
) -> Result<Json<Vec<CallView>>, AppError> {
    p.require(Permission::SeeQueues)?;
    let limit = usize::from(q.limit.unwrap_or(10).min(50));
    Ok(Json(blocking(move || s.node.recent_calls(limit)).await?))
}

/// Print a test page on this node's printer now (admin).
#[utoipa::path(post, path = "/api/v1/printer/test", tag = "admin", security(("bearer" = [])),
    responses((status = 202), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn printer_test(
    State(s): State<AppState>,
    Caller(p, _): Caller,
) -> Result<StatusCode, AppError> {
    p.require(Permission::Administer)?;
    let node = s.node.clone();
    let result = tokio::task::spawn_blocking(move || node.print_test_page())
        .await
        .map_err(|_| AppError::internal())?;
    // On the audit trail whatever came of it: a test page is paper the clinic pays for.
    let outcome = match &result {
        Some(Ok(())) => "ok",
        _ => "failed",
    };
    let entry = medicloud_core::event::AuditEntry {
        action: "printer_test".into(),
        patient: None,
        subject: None,
        outcome: outcome.into(),
    };
    let (node, actor) = (s.node.clone(), p.actor());
    blocking(move || node.audit(actor, entry)).await?;
    match result {
        None => Err(AppError::code(StatusCode::NOT_FOUND, ErrorCode::NoPrinter)),
        Some(Ok(())) => Ok(StatusCode::ACCEPTED),
        Some(Err(fault)) => Err(AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::PrinterFault,
            Text::new(
                format!("Printer tidak menerima halaman uji: {fault}"),
                format!("the printer did not take the test page: {fault}"),
            ),
        )),
    }
}

/// The ticket as it was printed (its newest print job), rendered as a PNG.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/print.png", tag = "tickets", security(("bearer" = [])),
    params(("id" = TicketId, Path, description = "Ticket id")),
    responses((status = 200, content_type = "image/png", body = Vec<u8>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn print_png(
    State(s): State<AppState>,
    Caller(p, _): Caller,
    Path(id): Path<TicketId>,
) -> Result<impl IntoResponse, AppError> {
    p.require(Permission::ReadTickets)?;
    let node = s.node.clone();
    let png = blocking(move || node.printed_ticket_png(id)).await?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png))
}
