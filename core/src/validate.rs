//! Validation of what people type: names, NIK, BPJS numbers, phone numbers, dates.
//!
//! Errors name the field and say what is expected, never echo the value (it may be
//! patient data that must not reach a log).

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// A field that does not hold what it should.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    /// The field's name in the API.
    pub field: &'static str,
    /// What is expected, in words a receptionist understands.
    pub message: String,
}

impl ValidationError {
    /// Builds an error for `field`.
    pub fn new(field: &'static str, message: impl fmt::Display) -> Self {
        Self {
            field,
            message: message.to_string(),
        }
    }
}

/// A person's name: 1–100 characters after trimming, no control characters.
pub fn person_name(name: &str) -> Result<String, ValidationError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > 100 {
        return Err(ValidationError::new(
            "name",
            "a name has 1 to 100 characters",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(ValidationError::new(
            "name",
            "a name cannot contain control characters",
        ));
    }
    Ok(name.to_owned())
}

/// NIK (Nomor Induk Kependudukan): 16 digits, a province code 11–94, and a birth date
/// part `DDMMYY` whose day may have 40 added (women).
pub fn nik(nik: &str) -> Result<String, ValidationError> {
    let digits: Vec<u32> = nik.chars().filter_map(|c| c.to_digit(10)).collect();
    if nik.len() != 16 || digits.len() != 16 {
        return Err(ValidationError::new("nik", "a NIK has exactly 16 digits"));
    }
    let two = |i: usize| digits[i] * 10 + digits[i + 1];
    let province = two(0);
    let day = two(6) % 40;
    let month = two(8);
    if !(11..=94).contains(&province) || !(1..=31).contains(&day) || !(1..=12).contains(&month) {
        return Err(ValidationError::new(
            "nik",
            "this is not a valid NIK (province or birth date part is wrong)",
        ));
    }
    Ok(nik.to_owned())
}

/// BPJS Kesehatan card number: 13 digits.
pub fn bpjs_number(number: &str) -> Result<String, ValidationError> {
    if number.len() == 13 && number.bytes().all(|b| b.is_ascii_digit()) {
        Ok(number.to_owned())
    } else {
        Err(ValidationError::new(
            "bpjs_number",
            "a BPJS card number has exactly 13 digits",
        ))
    }
}

/// An Indonesian mobile number in `08…`, `628…` or `+628…` form (spaces and dashes
/// allowed), normalised to `+628…` with 9–12 digits after the country code.
pub fn phone(phone: &str) -> Result<String, ValidationError> {
    let compact: String = phone.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let national = compact
        .strip_prefix("+62")
        .or_else(|| compact.strip_prefix("62"))
        .or_else(|| compact.strip_prefix('0'));
    match national {
        Some(rest)
            if rest.starts_with('8')
                && (9..=12).contains(&rest.len())
                && rest.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Ok(format!("+62{rest}"))
        }
        _ => Err(ValidationError::new(
            "phone",
            "a mobile number looks like 0812-3456-7890 or +62 812 3456 7890",
        )),
    }
}

/// A date of birth: not in the future and not more than 130 years ago.
pub fn birth_date(born: NaiveDate, today: NaiveDate) -> Result<(), ValidationError> {
    if born > today || today.year() - born.year() > 130 {
        return Err(ValidationError::new(
            "birth_date",
            "the date of birth is not plausible",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T: fmt::Debug>(got: Result<T, ValidationError>, expect: Result<&str, &str>) {
        match (got, expect) {
            (Ok(v), Ok(e)) => assert_eq!(format!("{v:?}").trim_matches('"'), e),
            (Err(err), Err(field)) => assert_eq!(err.field, field, "{err}"),
            (got, expect) => panic!("got {got:?}, expected {expect:?}"),
        }
    }

    #[test]
    fn nik_cases() {
        check(nik("3174054506900001"), Ok("3174054506900001")); // woman: day 45 -> 5
        check(nik("3174051506900001"), Ok("3174051506900001"));
        check(nik("317405150690000"), Err("nik")); // 15 digits
        check(nik("31740515069000011"), Err("nik")); // 17 digits
        check(nik("31740515O6900001"), Err("nik")); // letter O
        check(nik("0174051506900001"), Err("nik")); // province 01
        check(nik("3174053206900001"), Err("nik")); // day 32
        check(nik("3174051513900001"), Err("nik")); // month 13
        check(nik("३१७४०५१५०६९००००१"), Err("nik")); // non-ASCII digits
    }

    #[test]
    fn bpjs_cases() {
        check(bpjs_number("0001234567890"), Ok("0001234567890"));
        check(bpjs_number("000123456789"), Err("bpjs_number"));
        check(bpjs_number("00012345678901"), Err("bpjs_number"));
        check(bpjs_number("000123456789a"), Err("bpjs_number"));
    }

    #[test]
    fn phone_cases() {
        check(phone("0812-3456-7890"), Ok("+6281234567890"));
        check(phone("+62 812 3456 7890"), Ok("+6281234567890"));
        check(phone("628123456789"), Ok("+628123456789"));
        check(phone("6281234567"), Err("phone")); // 8 digits after 62: too short
        check(phone("021-555-1234"), Err("phone")); // landline
        check(phone("08123"), Err("phone"));
        check(phone("+1 415 555 0100"), Err("phone"));
    }

    #[test]
    fn name_cases() {
        check(person_name("  Siti Nurhaliza "), Ok("Siti Nurhaliza"));
        check(person_name(""), Err("name"));
        check(person_name("a\u{0007}b"), Err("name"));
        check(person_name(&"x".repeat(101)), Err("name"));
    }

    #[test]
    fn birth_date_cases() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        check(
            birth_date(NaiveDate::from_ymd_opt(1950, 1, 1).unwrap(), today),
            Ok("()"),
        );
        check(
            birth_date(NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(), today),
            Err("birth_date"),
        );
        check(
            birth_date(NaiveDate::from_ymd_opt(1890, 1, 1).unwrap(), today),
            Err("birth_date"),
        );
    }

    #[test]
    fn errors_never_echo_the_value() {
        let err = nik("3174059999990001").unwrap_err();
        assert!(!err.to_string().contains("3174059999990001"));
    }
}
