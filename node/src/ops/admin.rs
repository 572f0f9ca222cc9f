//! Clinic configuration: the clinic, services, counters, staff accounts and devices.

use super::Node;
use crate::auth::{check_password_policy, hash_password, new_token, token_sha256};
use crate::error::{Error, Result};
use crate::store::query;
use crate::views::ServiceView;
use medicloud_core::domain::{
    Clinic, Counter, CounterId, Device, DeviceRole, Service, ServiceCode, StaffRole, StaffUser,
    StepId, VisitStep,
};
use medicloud_core::error_code::ErrorCode;
use medicloud_core::event::{Actor, EventBody};
use medicloud_core::i18n::Text;
use medicloud_core::ids::{DeviceId, UserId};
use medicloud_core::validate::{self, Rule, ValidationError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A device an admin registers.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    /// A name staff recognise, e.g. `Kiosk Lobi`.
    pub name: String,
    /// What it is for.
    pub role: DeviceRole,
}

/// A staff account an admin creates.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    /// Login name: 3–32 lowercase letters, digits, `.`, `_` or `-`.
    #[schema(pattern = "^[a-z0-9._-]{3,32}$")]
    pub username: String,
    /// Name shown on screens.
    pub display_name: String,
    /// Role.
    pub role: StaffRole,
    /// Initial password (at least 12 characters, following the password policy).
    #[schema(min_length = 12)]
    pub password: String,
}

/// A staff account without its password hash.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StaffView {
    /// Account id.
    pub id: UserId,
    /// Login name.
    pub username: String,
    /// Name shown on screens.
    pub display_name: String,
    /// Role.
    pub role: StaffRole,
    /// Whether the account may log in.
    pub active: bool,
}

/// A device without its token hash.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DeviceView {
    /// Device id.
    pub id: DeviceId,
    /// Name.
    pub name: String,
    /// Role.
    pub role: DeviceRole,
    /// Whether its token is refused.
    pub revoked: bool,
}

/// An id for a counter named `name` that none of `taken` has: the name's letters and
/// digits in lower case, words joined by `-` (`Ruang Gigi 2` → `ruang-gigi-2`), with
/// `-2`, `-3`… added when taken; `counter` when the name has no such characters.
fn counter_id(name: &str, taken: &[CounterId]) -> CounterId {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let mut slug: String = slug.trim_end_matches('-').chars().take(28).collect();
    slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() {
        slug = "counter".into();
    }
    let free = |id: &str| !taken.iter().any(|t| t.as_str() == id);
    let id = if free(&slug) {
        slug
    } else {
        (2..)
            .map(|n| format!("{slug}-{n}"))
            .find(|id| free(id))
            .unwrap_or_default()
    };
    CounterId::parse(&id).unwrap_or_else(|_| unreachable!("a slug of a-z, 0-9 and '-'"))
}

fn username(name: &str) -> Result<String> {
    let ok = (3..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(name.to_owned())
    } else {
        Err(ValidationError::new("username", Rule::Username).into())
    }
}

/// A service's names and whether the kiosk offers it.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSettings {
    /// Name in Bahasa Indonesia.
    pub name_id: String,
    /// Name in English.
    pub name_en: String,
    /// Whether the kiosk offers it.
    pub active: bool,
    /// Its appointment slots and places per slot; left out, they stay as they were (the
    /// defaults for a new service).
    pub slots: Option<medicloud_core::appointment::SlotRules>,
    /// The steps of a visit, in order (registration, then the room); left out, they stay
    /// as they were (none for a new service: a visit of one step).
    pub steps: Option<Vec<VisitStep>>,
    /// The wait it aims to call patients within, in minutes (1 to 1440); left out, it
    /// stays as it was (60 for a new service).
    #[schema(minimum = 1, maximum = 1440)]
    pub target_wait_minutes: Option<u16>,
}

/// A counter's name and the services it calls from.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CounterSettings {
    /// Name called out and shown on the display.
    pub name: String,
    /// Services it calls from, in the order it prefers them.
    #[schema(min_items = 1)]
    pub services: Vec<ServiceCode>,
    /// The steps of those services it serves (a loket `registration`, a room `room`);
    /// empty: every step. Left out: every step for a new counter, unchanged for one
    /// that exists.
    pub steps: Option<Vec<StepId>>,
}

/// The clinic's settings as an admin changes them.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClinicSettings {
    /// Name printed on tickets and shown on screens.
    pub name: String,
    /// IANA time zone, e.g. `Asia/Jakarta`.
    pub time_zone: String,
    /// Ticket message in Bahasa Indonesia (default when absent or blank).
    #[serde(default)]
    #[schema(max_length = 120)]
    pub ticket_message_id: Option<String>,
    /// Ticket message in English (default when absent or blank).
    #[serde(default)]
    #[schema(max_length = 120)]
    pub ticket_message_en: Option<String>,
    /// Whether a transfer gives the patient a new number in the service they are sent
    /// to; left out, it stays as it was (one label for the whole visit at first).
    #[serde(default)]
    pub new_label_on_transfer: Option<bool>,
    /// Whether each step of a visit (registration, then the room) gives the patient a
    /// new number, printed where the step is finished; left out, it stays as it was
    /// (one number for every step at first).
    #[serde(default)]
    pub new_label_per_step: Option<bool>,
    /// The language of the kiosk and the waiting-room display; left out, it
    /// stays as it was (Bahasa Indonesia at first).
    #[serde(default)]
    pub language: Option<medicloud_core::i18n::Lang>,
}

impl Node {
    /// Sets the clinic's name and time zone.
    pub fn set_clinic(&self, actor: Actor, name: &str, time_zone: &str) -> Result<Clinic> {
        if time_zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(ValidationError::new("time_zone", Rule::TimeZone).into());
        }
        let previous = self.clinic()?;
        let settings = ClinicSettings {
            name: name.to_owned(),
            time_zone: time_zone.to_owned(),
            ticket_message_id: previous.as_ref().and_then(|c| c.ticket_message_id.clone()),
            ticket_message_en: previous.and_then(|c| c.ticket_message_en),
            new_label_on_transfer: None,
            new_label_per_step: None,
            language: None,
        };
        self.put_clinic(actor, settings)
    }

    /// Changes the clinic's settings; those `settings` leave out stay as they were.
    pub fn put_clinic(&self, actor: Actor, settings: ClinicSettings) -> Result<Clinic> {
        if settings.time_zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(ValidationError::new("time_zone", Rule::TimeZone).into());
        }
        let previous = self.clinic()?;
        let message = |field, text: Option<String>| {
            let text = text
                .map(|t| validate::line(field, &t, 0..=120))
                .transpose()?;
            Ok::<_, ValidationError>(text.filter(|t| !t.is_empty()))
        };
        let clinic = Clinic {
            id: self.store.identity().clinic,
            name: validate::line("name", &settings.name, 1..=100)?,
            time_zone: settings.time_zone,
            ticket_message_id: message("ticket_message_id", settings.ticket_message_id)?,
            ticket_message_en: message("ticket_message_en", settings.ticket_message_en)?,
            new_label_on_transfer: settings
                .new_label_on_transfer
                .unwrap_or_else(|| previous.as_ref().is_some_and(|c| c.new_label_on_transfer)),
            new_label_per_step: settings
                .new_label_per_step
                .unwrap_or_else(|| previous.as_ref().is_some_and(|c| c.new_label_per_step)),
            language: settings
                .language
                .unwrap_or_else(|| previous.map(|c| c.language).unwrap_or_default()),
        };
        let (_, events) = self
            .store
            .write(|w| w.append(actor, EventBody::ClinicSet(clinic.clone())))?;
        self.publish(&events);
        Ok(clinic)
    }

    /// The clinic, once configured.
    pub fn clinic(&self) -> Result<Option<Clinic>> {
        self.store.read(query::clinic)
    }

    /// A service as set up, if it is.
    pub fn service(&self, code: &ServiceCode) -> Result<Option<Service>> {
        self.store.read(|conn| query::service(conn, code))
    }

    /// A counter as set up, if it is.
    pub fn counter(&self, id: &CounterId) -> Result<Option<Counter>> {
        self.store.read(|conn| query::counter(conn, id))
    }

    /// Adds or changes a service; its names, slot rules and steps are checked (names
    /// trimmed).
    pub fn set_service(&self, actor: Actor, service: Service) -> Result<()> {
        let service = checked_service(service)?;
        let (_, events) = self
            .store
            .write(|w| w.append(actor, EventBody::ServiceSet(service)))?;
        self.publish(&events);
        Ok(())
    }

    /// Changes a service, or adds it, as an admin's form says: the slot rules and steps
    /// the form leaves out stay as they were (the defaults for a new service), read in
    /// the transaction that writes the change.
    pub fn put_service(
        &self,
        actor: Actor,
        code: ServiceCode,
        settings: ServiceSettings,
    ) -> Result<()> {
        let (_, events) = self.store.write(|w| {
            let previous = query::service(w.conn(), &code)?;
            let service = checked_service(Service {
                slots: settings
                    .slots
                    .unwrap_or_else(|| previous.as_ref().map(|p| p.slots).unwrap_or_default()),
                target_wait_minutes: settings.target_wait_minutes.unwrap_or_else(|| {
                    previous
                        .as_ref()
                        .map_or(Service::DEFAULT_TARGET_WAIT_MINUTES, |p| {
                            p.target_wait_minutes
                        })
                }),
                steps: settings.steps.unwrap_or_else(|| {
                    previous
                        .as_ref()
                        .map(|p| p.steps.clone())
                        .unwrap_or_default()
                }),
                // The schedule has its own route; a service's form keeps it.
                schedule: previous.and_then(|p| p.schedule),
                code,
                name_id: settings.name_id,
                name_en: settings.name_en,
                active: settings.active,
            })?;
            w.append(actor, EventBody::ServiceSet(service))
        })?;
        self.publish(&events);
        Ok(())
    }

    /// Changes a counter, or adds it, as an admin's form says: steps left out stay as
    /// they were (every step for a new counter).
    pub fn put_counter(
        &self,
        actor: Actor,
        id: CounterId,
        settings: CounterSettings,
    ) -> Result<()> {
        let steps = match settings.steps {
            Some(steps) => steps,
            None => self.counter(&id)?.map(|c| c.steps).unwrap_or_default(),
        };
        let counter = Counter {
            id,
            name: settings.name,
            services: settings.services,
            steps,
        };
        self.set_counter(actor, counter)
    }

    /// Adds or changes a counter; its name is checked (and trimmed), and every service it
    /// names must exist.
    pub fn set_counter(&self, actor: Actor, counter: Counter) -> Result<()> {
        let counter = Counter {
            name: validate::line("name", &counter.name, 1..=60)?,
            ..counter
        };
        let (_, events) = self.store.write(|w| {
            check_counter(w.conn(), &counter.services, &counter.steps)?;
            w.append(actor, EventBody::CounterSet(counter))
        })?;
        self.publish(&events);
        Ok(())
    }

    /// Adds a new service; refused (`service_exists`) when its code is taken.
    pub fn create_service(&self, actor: Actor, service: Service) -> Result<Service> {
        let service = checked_service(service)?;
        let (_, events) = self.store.write(|w| {
            if query::service(w.conn(), &service.code)?.is_some() {
                return Err(Error::conflict(
                    ErrorCode::ServiceExists,
                    Text::new(
                        format!("Sudah ada layanan dengan kode {}.", service.code),
                        format!("a service with the code {} exists", service.code),
                    ),
                ));
            }
            w.append(actor, EventBody::ServiceSet(service.clone()))
        })?;
        self.publish(&events);
        Ok(service)
    }

    /// Adds a new counter named `name`, serving `services` (at `steps` of them; none:
    /// every step); its id is made from the name (`Loket 3` → `loket-3`, with a number
    /// added when that is taken).
    pub fn create_counter(
        &self,
        actor: Actor,
        name: &str,
        services: Vec<ServiceCode>,
        steps: Vec<StepId>,
    ) -> Result<Counter> {
        let name = validate::line("name", name, 1..=60)?;
        let (counter, events) = self.store.write(|w| {
            check_counter(w.conn(), &services, &steps)?;
            let taken: Vec<CounterId> = query::counters(w.conn())?
                .into_iter()
                .map(|c| c.id)
                .collect();
            let counter = Counter {
                id: counter_id(&name, &taken),
                name: name.clone(),
                services,
                steps,
            };
            w.append(actor, EventBody::CounterSet(counter.clone()))?;
            Ok(counter)
        })?;
        self.publish(&events);
        Ok(counter)
    }

    /// Services with their live waiting counts and waits.
    pub fn services(&self) -> Result<Vec<ServiceView>> {
        self.store.read(|conn| {
            let queues = self.queues(conn, None)?;
            Ok(query::services(conn)?
                .iter()
                .map(|s| queues.service_view(s))
                .collect())
        })
    }

    /// Counters and rooms.
    pub fn counters(&self) -> Result<Vec<Counter>> {
        self.store.read(query::counters)
    }

    /// Creates a staff account.
    pub fn create_staff(&self, actor: Actor, req: NewStaff) -> Result<StaffView> {
        let username = username(&req.username)?;
        let display_name = validate::line("display_name", &req.display_name, 1..=100)?;
        check_password_policy(&username, &req.password)?;
        let user = StaffUser {
            id: UserId::random(),
            username,
            display_name,
            role: req.role,
            password_hash: hash_password(&req.password),
            active: true,
            must_change_password: false,
        };
        let (_, events) = self.store.write(|w| {
            if query::staff(w.conn())?
                .iter()
                .any(|u| u.username == user.username)
            {
                return Err(Error::conflict_code(ErrorCode::UsernameTaken));
            }
            w.append(actor, EventBody::StaffSet(user.clone()))
        })?;
        self.publish(&events);
        Ok(staff_view(user))
    }

    /// Staff accounts.
    pub fn staff(&self) -> Result<Vec<StaffView>> {
        Ok(self
            .store
            .read(query::staff)?
            .into_iter()
            .map(staff_view)
            .collect())
    }

    /// Registers a device and returns it with its token, shown this once.
    pub fn create_device(&self, actor: Actor, req: NewDevice) -> Result<(DeviceView, String)> {
        let name = validate::line("name", &req.name, 1..=60)?;
        let token = new_token("mcd");
        let device = Device {
            id: DeviceId::random(),
            name,
            role: req.role,
            token_sha256: token_sha256(&token),
            revoked: false,
        };
        let (_, events) = self
            .store
            .write(|w| w.append(actor, EventBody::DeviceSet(device.clone())))?;
        self.publish(&events);
        Ok((device_view(device), token))
    }

    /// Gives the device named `name` (created with `role` if missing) a new random token,
    /// which replaces the old one. Returns the device and the new token.
    pub fn rotate_device_token(
        &self,
        actor: Actor,
        name: &str,
        role: DeviceRole,
    ) -> Result<(DeviceView, String)> {
        let token = new_token("mcd");
        let device = self.pair_device(actor, name, role, &token)?;
        Ok((device, token))
    }

    /// Pairs the device named `name` (created with `role` if missing) with `token`: a
    /// device already holding that token, unrevoked and in that role, is left as it is
    /// (nothing is written); otherwise the token replaces its old one. Returns the device.
    pub fn pair_device(
        &self,
        actor: Actor,
        name: &str,
        role: DeviceRole,
        token: &str,
    ) -> Result<DeviceView> {
        let name = validate::line("name", name, 1..=60)?;
        let hash = token_sha256(token);
        let existing = self
            .store
            .read(query::devices)?
            .into_iter()
            .find(|d| d.name == name);
        let device = match existing {
            Some(d) if d.token_sha256 == hash && !d.revoked && d.role == role => {
                return Ok(device_view(d));
            }
            Some(d) => Device {
                token_sha256: hash,
                revoked: false,
                role,
                ..d
            },
            None => Device {
                id: DeviceId::random(),
                name,
                role,
                token_sha256: hash,
                revoked: false,
            },
        };
        let (_, events) = self
            .store
            .write(|w| w.append(actor, EventBody::DeviceSet(device.clone())))?;
        self.publish(&events);
        Ok(device_view(device))
    }

    /// Registered devices.
    pub fn devices(&self) -> Result<Vec<DeviceView>> {
        Ok(self
            .store
            .read(query::devices)?
            .into_iter()
            .map(device_view)
            .collect())
    }

    /// Revokes a device: its token is refused from now on.
    pub fn revoke_device(&self, actor: Actor, id: DeviceId) -> Result<DeviceView> {
        let (device, events) = self.store.write(|w| {
            let mut device = query::devices(w.conn())?
                .into_iter()
                .find(|d| d.id == id)
                .ok_or(Error::NotFound { what: "device" })?;
            device.revoked = true;
            w.append(actor, EventBody::DeviceSet(device.clone()))?;
            Ok(device)
        })?;
        self.publish(&events);
        Ok(device_view(device))
    }
}

pub(super) fn staff_view(u: StaffUser) -> StaffView {
    StaffView {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        role: u.role,
        active: u.active,
    }
}

fn device_view(d: Device) -> DeviceView {
    DeviceView {
        id: d.id,
        name: d.name,
        role: d.role,
        revoked: d.revoked,
    }
}

/// A service as it may be stored: names trimmed and one line, slot rules in range, each
/// step named in both languages and given once.
fn checked_service(service: Service) -> Result<Service> {
    let mut steps = Vec::with_capacity(service.steps.len());
    for step in service.steps {
        if steps.iter().any(|s: &VisitStep| s.id == step.id) {
            let step = step.id.to_string();
            return Err(ValidationError::new("steps", Rule::StepRepeated { step }).into());
        }
        steps.push(VisitStep {
            name_id: validate::line("steps.name_id", &step.name_id, 1..=60)?,
            name_en: validate::line("steps.name_en", &step.name_en, 1..=60)?,
            id: step.id,
        });
    }
    if !(1..=1440).contains(&service.target_wait_minutes) {
        let rule = Rule::Between { min: 1, max: 1440 };
        return Err(ValidationError::new("target_wait_minutes", rule).into());
    }
    Ok(Service {
        name_id: validate::line("name_id", &service.name_id, 1..=60)?,
        name_en: validate::line("name_en", &service.name_en, 1..=60)?,
        slots: service.slots.validate()?,
        schedule: service.schedule.map(|s| s.validate()).transpose()?,
        steps,
        ..service
    })
}

/// A counter serves at least one service, each of them set up, and only steps that one
/// of them has.
fn check_counter(
    conn: &rusqlite::Connection,
    services: &[ServiceCode],
    steps: &[StepId],
) -> Result<()> {
    if services.is_empty() {
        return Err(ValidationError::new("services", Rule::CounterNeedsService).into());
    }
    let mut known = Vec::new();
    for code in services {
        let service = query::service(conn, code)?.ok_or(Error::NotFound { what: "service" })?;
        known.extend(service.steps.into_iter().map(|s| s.id));
    }
    if let Some(step) = steps.iter().find(|s| !known.contains(s)) {
        let step = step.to_string();
        return Err(ValidationError::new("steps", Rule::StepUnknown { step }).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counter_id_is_made_from_its_name_and_never_taken() {
        let taken = |ids: &[&str]| -> Vec<CounterId> {
            ids.iter().map(|id| CounterId::parse(id).unwrap()).collect()
        };
        for (name, existing, expect) in [
            ("Loket 3", &[][..], "loket-3"),
            ("Ruang Gigi  2", &[], "ruang-gigi-2"),
            ("  Lab — Darah!  ", &[], "lab-darah"),
            ("Loket 1", &["loket-1"], "loket-1-2"),
            ("Loket 1", &["loket-1", "loket-1-2"], "loket-1-3"),
            (
                "Ruangan yang sangat panjang sekali namanya",
                &[],
                "ruangan-yang-sangat-panjang",
            ),
            ("—", &[], "counter"),
            ("Émergence", &[], "mergence"),
        ] {
            assert_eq!(
                counter_id(name, &taken(existing)).as_str(),
                expect,
                "{name}"
            );
        }
    }
}
