//! The node API's main request bodies: a ticket request, a patient registration (NIK 16
//! digits, BPJS 13 digits, an Indonesian mobile number), an appointment booking.
//! Decoding never panics; what decodes re-encodes to the same value; a patient that
//! validates holds only well-formed numbers, and validating it again changes nothing.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use medicloud_core::domain::PatientInput;
use medicloud_core::ids::PatientId;
use medicloud_core::requests::{NewAppointment, NewTicket};
use medicloud_core::validate;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
    json: &[u8],
) -> Option<T> {
    let value = serde_json::from_slice::<T>(json).ok()?;
    let again = serde_json::to_vec(&value).expect("a decoded value encodes");
    let back: T = serde_json::from_slice(&again).expect("its encoding decodes");
    assert_eq!(back, value);
    Some(value)
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// Every field check on one string: what passes is well-formed and passes again as is.
fn fields(text: &str) {
    if let Ok(nik) = validate::nik(text) {
        assert!(digits(&nik, 16), "{nik:?}");
        assert_eq!(validate::nik(&nik).as_ref(), Ok(&nik));
    }
    if let Ok(bpjs) = validate::bpjs_number(text) {
        assert!(digits(&bpjs, 13), "{bpjs:?}");
    }
    if let Ok(phone) = validate::phone(text) {
        let national = phone.strip_prefix("+628").expect("normalised to +628…");
        assert!((8..=11).contains(&national.len()) && national.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(validate::phone(&phone).as_ref(), Ok(&phone));
    }
    if let Ok(name) = validate::person_name(text) {
        assert_eq!(name.trim(), name);
        assert!((1..=100).contains(&name.chars().count()));
        let direction = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        assert!(
            !name.chars().any(|c| c.is_control() || direction(c)),
            "{name:?}"
        );
        assert_eq!(validate::person_name(&name).as_ref(), Ok(&name));
    }
}

fuzz_target!(|data: &[u8]| {
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date");
    let id = PatientId(uuid::Uuid::nil());
    round_trip::<NewTicket>(data);
    round_trip::<NewAppointment>(data);
    if let Some(input) = round_trip::<PatientInput>(data) {
        if let Ok(patient) = input.validate(id, today) {
            if let Some(nik) = &patient.nik {
                assert!(digits(nik, 16), "{nik:?}");
            }
            if let Some(bpjs) = &patient.bpjs_number {
                assert!(digits(bpjs, 13), "{bpjs:?}");
            }
            if let Some(phone) = &patient.phone {
                assert!(phone.starts_with("+628"), "{phone:?}");
            }
            let again = PatientInput {
                name: patient.name.clone(),
                nik: patient.nik.clone(),
                bpjs_number: patient.bpjs_number.clone(),
                phone: patient.phone.clone(),
                birth_date: patient.birth_date,
            }
            .validate(id, today);
            assert_eq!(
                again.as_ref(),
                Ok(&patient),
                "validating twice changes nothing"
            );
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        fields(text);
    }
});
