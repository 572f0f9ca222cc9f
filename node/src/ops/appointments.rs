//! Booking appointments and registering patients.

use super::Node;
use crate::error::{Error, Result};
use crate::store::Writer;
use crate::store::query::{self, AppointmentRow};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use medicloud_core::domain::{Appointment, Patient, PatientInput, Service, ServiceCode};
use medicloud_core::error_code::ErrorCode;
use medicloud_core::event::{Actor, EventBody};
use medicloud_core::i18n::Text;
use medicloud_core::ids::{AppointmentId, PatientId, TicketId};
use medicloud_core::schedule::{
    self, Channel, DeskReserve, Held, Placement, Schedule, Slot, SlotFill, SlotRefusal,
};
use medicloud_core::validate::{self, Rule, ValidationError};
use rand::Rng;

pub use medicloud_core::requests::{
    DeskAnswer, DeskBooking, MoveAppointment, Named, NewAppointment,
};
use serde::Serialize;
use utoipa::ToSchema;

/// A booking code of the node's alphabet (core's rule, which the cloud's online
/// bookings share).
fn new_code() -> String {
    let mut rng = rand::thread_rng();
    medicloud_core::appointment::booking_code(|n| rng.gen_range(0..n))
}

/// Booking codes are typed by patients: accept lower case, spaces and dashes (core's
/// rule, which the cloud's online bookings share).
pub(crate) use medicloud_core::appointment::normalise_code;

/// Where an appointment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    /// Booked, not yet checked in.
    Booked,
    /// Checked in at the kiosk or desk.
    CheckedIn,
    /// Cancelled.
    Cancelled,
}

/// An appointment as the desk sees it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AppointmentView {
    /// The booking.
    #[serde(flatten)]
    pub appointment: Appointment,
    /// Where it stands.
    pub status: AppointmentStatus,
    /// The ticket it was checked in with.
    pub ticket: Option<TicketId>,
    /// The patient's name, for the desk's list.
    pub patient_name: Option<String>,
}

impl Node {
    /// Books an appointment into the desk's share and gives it a unique booking code.
    ///
    /// The desk's places are counted by the clinic's booking authority, the one that
    /// hands out its labels: this node (or alone), else the node that does, asked over
    /// the LAN link, or the cloud, asked with the device secret. Cut off from it, this
    /// one books only into a desk reserve of its own, or as a confirmed overbooking (409
    /// `booking_authority_unreachable` otherwise), so two nodes apart never both take a
    /// slot's last place. Where counted, the slot's
    /// places are counted in the same write transaction as the booking (one writer at a
    /// time), so two desks booking the last place together get one booking and one
    /// `slot_full`.
    pub fn book_appointment(&self, actor: Actor, req: NewAppointment) -> Result<AppointmentView> {
        // Its identity is chosen here, once: asked again, or booked here after an answer
        // that was lost, it stays one booking (the first of its events counts).
        let named = Named {
            id: AppointmentId::random(),
            code: new_code(),
        };
        if !self.replication.booking_authority_is_remote() {
            let appointment = self.book_here(actor, req, named, Counting::Here)?;
            return self.appointment_view(appointment.id);
        }
        let asked = DeskBooking::Book {
            actor,
            request: req.clone(),
            named: named.clone(),
        };
        let appointment = match self.ask_authority(&asked)? {
            Some(appointment) => appointment,
            None => self.book_here(actor, req, named, Counting::CutOff)?,
        };
        let patient_name = match appointment.patient {
            Some(p) => self
                .store
                .read(|conn| Ok(query::patient(conn, p)?.and_then(|p| p.name)))?,
            None => None,
        };
        Ok(AppointmentView {
            appointment,
            status: AppointmentStatus::Booked,
            ticket: None,
            patient_name,
        })
    }

    /// What the clinic's booking authority answered `asked`: the booking, its refusal,
    /// or `None` when it could not be reached (or is not known yet).
    fn ask_authority(&self, asked: &DeskBooking) -> Result<Option<Appointment>> {
        let route = medicloud_sync::wire::DESK_BOOKING;
        let answer = self
            .replication
            .ask_peer_authority::<_, DeskAnswer>(route, asked)
            .or_else(|| self.replication.ask_cloud_authority(route, asked));
        match answer {
            Some(Ok(DeskAnswer::Booked(appointment))) => Ok(Some(*appointment)),
            Some(Ok(DeskAnswer::Refused {
                status,
                code,
                message_id,
                message_en,
            })) => Err(Error::Forwarded {
                status,
                code,
                message: Text::new(message_id, message_en),
            }),
            Some(Err(err)) => {
                tracing::warn!(error = %err, "the clinic's booking authority did not answer");
                Ok(None)
            }
            None => Ok(None),
        }
    }

    /// As the clinic's booking authority: books or moves what another node's desk asked
    /// for, counting the desk's places here.
    pub fn desk_booking_for_peer(&self, asked: DeskBooking) -> Result<Appointment> {
        match asked {
            DeskBooking::Book {
                actor,
                request,
                named,
            } => self.book_here(actor, request, named, Counting::ForPeer),
            DeskBooking::Move { actor, id, to } => {
                self.move_here(actor, id, to, Counting::ForPeer)?;
                self.store.read(|conn| {
                    Ok(query::appointment(conn, id)?
                        .ok_or(Error::NotFound {
                            what: "appointment",
                        })?
                        .appointment)
                })
            }
        }
    }

    /// Books into the desk's share, counting as `counting` says.
    fn book_here(
        &self,
        actor: Actor,
        req: NewAppointment,
        named: Named,
        counting: Counting,
    ) -> Result<Appointment> {
        let (appointment, events) = self.store.write(|w| {
            let conn = w.conn();
            // Asked again (an answer lost on the way): the booking as it stands.
            if let Some(row) = query::appointment(conn, named.id)? {
                return Ok(row.appointment);
            }
            let service =
                query::service(conn, &req.service)?.ok_or(Error::NotFound { what: "service" })?;
            // A patient another node just registered may not have reached this one yet;
            // that node checked it.
            if let Some(p) = req.patient
                && counting != Counting::ForPeer
            {
                query::patient(conn, p)?.ok_or(Error::NotFound { what: "patient" })?;
            }
            let schedule = service.schedule();
            let asked = Asked {
                date: req.date,
                start: req.slot_start,
                moving: None,
                confirm_overbooking: req.confirm_overbooking,
                counting,
            };
            let (slot, placement, reserve) = self.check_slot(w, &service, asked)?;
            let slot_minutes = schedule.slot_minutes;
            if req.slot_minutes.is_some_and(|m| m != slot_minutes) {
                let (min, max) = (i64::from(slot_minutes), i64::from(slot_minutes));
                return Err(
                    ValidationError::new("slot_minutes", Rule::Between { min, max }).into(),
                );
            }
            let mut code = named.code;
            while query::appointment_by_code(conn, &code)?.is_some_and(|a| !a.cancelled) {
                code = new_code();
            }
            let appointment = Appointment {
                id: named.id,
                code,
                patient: req.patient,
                service: req.service,
                date: req.date,
                slot_start: slot.start,
                slot_minutes,
                channel: Channel::Desk,
                overbooked: placement == Placement::Overbooked,
                consent_messages: false,
            };
            w.append(actor, EventBody::AppointmentBooked(appointment.clone()))?;
            if let Some(reserve) = reserve {
                w.append(
                    actor,
                    EventBody::DeskReserveSet(DeskReserve {
                        used_by: Some(appointment.id),
                        ..reserve
                    }),
                )?;
            }
            Ok(appointment)
        })?;
        self.publish(&events);
        Ok(appointment)
    }

    /// Moves a booked appointment to another day or slot, by the same rules as a
    /// booking; the booking code stays.
    ///
    /// Like a booking, a move into the desk's share is counted by the clinic's booking
    /// authority; cut off from it, a move is refused (409
    /// `booking_authority_unreachable`): the desk books anew as an overbooking instead.
    pub fn move_appointment(
        &self,
        actor: Actor,
        id: AppointmentId,
        to: MoveAppointment,
    ) -> Result<AppointmentView> {
        if self.replication.booking_authority_is_remote() {
            let asked = DeskBooking::Move { actor, id, to };
            let Some(moved) = self.ask_authority(&asked)? else {
                return Err(Error::conflict_code(ErrorCode::BookingAuthorityUnreachable));
            };
            // Its move reaches this node with the next round; shown as it will stand.
            return Ok(match self.appointment_view(id) {
                Ok(view) => AppointmentView {
                    appointment: moved,
                    ..view
                },
                Err(_) => AppointmentView {
                    appointment: moved,
                    status: AppointmentStatus::Booked,
                    ticket: None,
                    patient_name: None,
                },
            });
        }
        self.move_here(actor, id, to, Counting::Here)?;
        self.appointment_view(id)
    }

    /// Moves a booking, counting as `counting` says.
    fn move_here(
        &self,
        actor: Actor,
        id: AppointmentId,
        to: MoveAppointment,
        counting: Counting,
    ) -> Result<()> {
        let (_, events) = self.store.write(|w| {
            let row = changeable(w.conn(), id, "move")?;
            let service = query::service(w.conn(), &row.appointment.service)?
                .ok_or(Error::NotFound { what: "service" })?;
            // A move that needs an overbooking is a new decision: the desk books anew.
            let asked = Asked {
                date: to.date,
                start: to.slot_start,
                moving: Some(id),
                confirm_overbooking: false,
                counting,
            };
            self.check_slot(w, &service, asked)?;
            w.append(
                actor,
                EventBody::AppointmentMoved {
                    id,
                    date: to.date,
                    slot_start: to.slot_start,
                },
            )
        })?;
        self.publish(&events);
        Ok(())
    }

    /// Cancels a booked appointment, freeing its place; the reason goes on the audit
    /// trail with it.
    pub fn cancel_appointment(
        &self,
        actor: Actor,
        id: AppointmentId,
        reason: &str,
    ) -> Result<AppointmentView> {
        let reason = cancel_reason(reason)?;
        let (_, events) = self.store.write(|w| {
            changeable(w.conn(), id, "cancel")?;
            w.append(
                actor,
                EventBody::AppointmentCancelled {
                    id,
                    reason: Some(reason),
                },
            )
        })?;
        self.publish(&events);
        self.appointment_view(id)
    }

    /// The slots of `service` on `date` (today when `None`) with their places, online
    /// and at the desk, and the live bookings in them.
    pub fn slots(&self, service: &ServiceCode, date: Option<NaiveDate>) -> Result<Vec<SlotFill>> {
        self.store.read(|conn| {
            let service =
                query::service(conn, service)?.ok_or(Error::NotFound { what: "service" })?;
            let date = match date {
                Some(d) => d,
                None => self.today(conn)?,
            };
            let held = held(conn, &service.code, date, None)?;
            Ok(schedule::fill(
                &service.schedule(),
                date,
                self.local_now(conn)?,
                &held,
            ))
        })
    }

    /// Sets when `code` takes appointments and how many, in the transaction that reads
    /// the service it changes; bookings already made keep their times.
    pub fn put_schedule(
        &self,
        actor: Actor,
        code: &ServiceCode,
        schedule: Schedule,
    ) -> Result<Service> {
        let schedule = schedule.validate()?;
        let (service, events) = self.store.write(|w| {
            let mut service =
                query::service(w.conn(), code)?.ok_or(Error::NotFound { what: "service" })?;
            service.schedule = Some(schedule);
            w.append(actor, EventBody::ServiceSet(service.clone()))?;
            Ok(service)
        })?;
        self.publish(&events);
        Ok(service)
    }

    /// The clinic-local wall-clock time now.
    pub(super) fn local_now(&self, conn: &rusqlite::Connection) -> Result<NaiveDateTime> {
        let tz = query::time_zone(conn)?;
        Ok(chrono::DateTime::from_timestamp_millis(self.now_ms())
            .unwrap_or_default()
            .with_timezone(&tz)
            .naive_local())
    }

    /// The desk's share of the slot asked for by [`schedule::may_book`], counted in the
    /// write transaction: refused when the day has passed or the schedule has no such
    /// slot (422) or it is full (409 `slot_full`, unless the desk confirms an
    /// overbooking).
    fn check_slot(
        &self,
        w: &Writer<'_>,
        service: &Service,
        asked: Asked,
    ) -> Result<(Slot, Placement, Option<DeskReserve>)> {
        let Asked {
            date,
            start,
            moving,
            confirm_overbooking,
            counting,
        } = asked;
        let conn = w.conn();
        if date < self.today(conn)? {
            return Err(ValidationError::new("date", Rule::NotInPast).into());
        }
        let held = held(conn, &service.code, date, moving)?;
        let now = self.local_now(conn)?;
        let schedule = service.schedule();
        let refused = |refusal| match refusal {
            SlotRefusal::NotInSchedule => {
                Error::from(ValidationError::new("slot_start", Rule::NotInSchedule))
            }
            SlotRefusal::Past => ValidationError::new("slot_start", Rule::TimePassed).into(),
            SlotRefusal::Full { places } => Error::conflict(
                ErrorCode::SlotFull,
                Text::new(
                    format!("Ke-{places} tempat loket pada slot ini sudah terisi; pilih jam lain."),
                    format!("all {places} desk places in this slot are taken; choose another slot"),
                ),
            ),
        };
        let mut fill = schedule::slot_fill(&schedule, date, start, now, &held).map_err(refused)?;
        let reserve = if counting == Counting::CutOff {
            // The desk's places are the authority's to count: none is free here but
            // those it escrowed to this node (taken places for everyone else).
            let me = self.store.identity().device;
            let mine = query::desk_reserves(conn, &service.code, date)?
                .into_iter()
                .find(|r| r.holder == me && r.used_by.is_none() && r.slot_start == fill.start);
            fill.free_desk = u16::from(mine.is_some());
            mine
        } else {
            None
        };
        let placement = schedule::may_book(&fill, Channel::Desk, confirm_overbooking).map_err(
            |refusal| match (refusal, counting) {
                (SlotRefusal::Full { .. }, Counting::CutOff) => {
                    Error::conflict_code(ErrorCode::BookingAuthorityUnreachable)
                }
                (refusal, _) => refused(refusal),
            },
        )?;
        let slot = Slot {
            start: fill.start,
            end: fill.end,
            places: fill.places,
            online_places: fill.online_places,
        };
        // Booked within capacity cut off: into this node's reserve, which it uses up.
        let reserve = reserve.filter(|_| placement == Placement::Within);
        Ok((slot, placement, reserve))
    }

    fn appointment_view(&self, id: AppointmentId) -> Result<AppointmentView> {
        self.store.read(|conn| {
            let row = query::appointment(conn, id)?.ok_or(Error::NotFound {
                what: "appointment",
            })?;
            appointment_view(conn, row)
        })
    }

    /// The appointments of a day (today when `None`).
    pub fn appointments(&self, date: Option<NaiveDate>) -> Result<Vec<AppointmentView>> {
        self.store.read(|conn| {
            let day = match date {
                Some(d) => d,
                None => self.today(conn)?,
            };
            query::appointments(conn, day)?
                .into_iter()
                .map(|row| appointment_view(conn, row))
                .collect()
        })
    }

    /// Registers a patient after validating every field.
    pub fn register_patient(&self, actor: Actor, input: PatientInput) -> Result<Patient> {
        let (patient, events) = self.store.write(|w| {
            let patient = input.validate(PatientId::random(), self.today(w.conn())?)?;
            if let Some(nik) = &patient.nik
                && query::patients(w.conn())?
                    .iter()
                    .any(|p| p.nik.as_ref() == Some(nik))
            {
                return Err(Error::conflict_code(ErrorCode::DuplicateNik));
            }
            w.append(actor, EventBody::PatientSet(patient.clone()))?;
            Ok(patient)
        })?;
        self.publish(&events);
        Ok(patient)
    }

    /// Patients whose name contains `q` (any case) or whose NIK, BPJS or phone number is `q`.
    pub fn search_patients(&self, q: &str) -> Result<Vec<Patient>> {
        let needle = q.trim().to_lowercase();
        self.store.read(|conn| {
            let mut found: Vec<Patient> = query::patients(conn)?
                .into_iter()
                .filter(|p| {
                    needle.is_empty()
                        || p.name
                            .as_ref()
                            .is_some_and(|n| n.to_lowercase().contains(&needle))
                        || [&p.nik, &p.bpjs_number, &p.phone]
                            .iter()
                            .any(|f| f.as_deref() == Some(q.trim()))
                })
                .collect();
            found.sort_by(|a, b| a.name.cmp(&b.name));
            found.truncate(50);
            Ok(found)
        })
    }
}

/// Who counts the desk's places of a booking or a move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Counting {
    /// This node: it hands out the clinic's labels, or is alone.
    Here,
    /// This node, as the clinic's booking authority, for another node's desk.
    ForPeer,
    /// Nobody: the authority cannot be reached, so only a confirmed overbooking.
    CutOff,
}

/// The slot a booking or a move asks for.
struct Asked {
    /// The clinic-local day.
    date: NaiveDate,
    /// The slot's start.
    start: NaiveTime,
    /// The appointment being moved, whose own place does not count.
    moving: Option<AppointmentId>,
    /// Whether the desk confirms an overbooking of a full desk share.
    confirm_overbooking: bool,
    /// Who counts the places.
    counting: Counting,
}

/// Why a ticket or an appointment is cancelled: one line of 1 to 200 characters.
pub(crate) fn cancel_reason(reason: &str) -> Result<String> {
    Ok(validate::line("reason", reason, 1..=200)?)
}

/// The booking `id`, if it may still be moved or cancelled (`what`).
fn changeable(
    conn: &rusqlite::Connection,
    id: AppointmentId,
    what: &str,
) -> Result<AppointmentRow> {
    let row = query::appointment(conn, id)?.ok_or(Error::NotFound {
        what: "appointment",
    })?;
    let what_id = match what {
        "cancel" => "dibatalkan",
        "move" => "dipindahkan",
        other => other,
    };
    if row.cancelled {
        return Err(Error::conflict(
            ErrorCode::AppointmentCancelled,
            Text::new(
                format!("Janji temu ini sudah dibatalkan; tidak ada yang dapat {what_id}."),
                format!("this appointment was already cancelled; there is nothing to {what}"),
            ),
        ));
    }
    if row.ticket.is_some() {
        let ticket_id = match what {
            "cancel" => "batalkan",
            "move" => "pindahkan",
            other => other,
        };
        return Err(Error::conflict(
            ErrorCode::AlreadyCheckedIn,
            Text::new(
                format!("Janji temu ini sudah check-in; {ticket_id} tiketnya saja."),
                format!("this appointment is already checked in; {what} its ticket instead"),
            ),
        ));
    }
    Ok(row)
}

/// The live (not cancelled) bookings of `service` on `date`, but `except`.
/// What takes places of `service` on `date`: its live bookings (but `except`) and the
/// desk places escrowed to nodes and not used yet.
pub(super) fn held(
    conn: &rusqlite::Connection,
    service: &ServiceCode,
    date: NaiveDate,
    except: Option<AppointmentId>,
) -> Result<Vec<Held>> {
    let mut held: Vec<Held> = live_bookings(conn, service, date, except)?
        .map(|a| Held::of(&a))
        .collect();
    held.extend(
        query::desk_reserves(conn, service, date)?
            .iter()
            .filter(|r| r.used_by.is_none())
            .map(Held::reserve),
    );
    Ok(held)
}

fn live_bookings(
    conn: &rusqlite::Connection,
    service: &ServiceCode,
    date: NaiveDate,
    except: Option<AppointmentId>,
) -> Result<impl Iterator<Item = Appointment>> {
    let service = service.clone();
    Ok(query::appointments(conn, date)?
        .into_iter()
        .filter(move |r| {
            !r.cancelled && r.appointment.service == service && Some(r.appointment.id) != except
        })
        .map(|r| r.appointment))
}

fn appointment_view(conn: &rusqlite::Connection, row: AppointmentRow) -> Result<AppointmentView> {
    let status = match (row.cancelled, row.ticket) {
        (true, _) => AppointmentStatus::Cancelled,
        (false, Some(_)) => AppointmentStatus::CheckedIn,
        (false, None) => AppointmentStatus::Booked,
    };
    let patient_name = match row.appointment.patient {
        Some(p) => query::patient(conn, p)?.and_then(|p| p.name),
        None => None,
    };
    Ok(AppointmentView {
        appointment: row.appointment,
        status,
        ticket: row.ticket,
        patient_name,
    })
}
