//! Validation of what people type: names and other texts, NIK, BPJS numbers, phone
//! numbers, dates.
//!
//! Every text a person types (the names of the clinic, its services, counters, devices,
//! staff and patients; ticket messages; reasons) passes [`line()`], one set of rules for
//! all of them. Errors name the field and say what is expected, never echo the value (it
//! may be patient data that must not reach a log).

use crate::i18n::{self, Lang, Text};
use chrono::{Datelike, NaiveDate};
use std::ops::RangeInclusive;

/// A field that does not hold what it should: the field and the rule it breaks, said in
/// either language by [`ValidationError::message`] (the texts are in [`crate::i18n`]).
/// Shown (`Display`), it is the API's field name and the rule in English, for logs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {}", .rule.text().en)]
pub struct ValidationError {
    /// The field's name in the API.
    pub field: &'static str,
    /// The rule the value breaks.
    pub rule: Rule,
}

impl ValidationError {
    /// Builds an error for `field`.
    pub fn new(field: &'static str, rule: Rule) -> Self {
        Self { field, rule }
    }

    /// The field and the rule in `lang`, e.g. `NIK: NIK terdiri dari tepat 16 angka`.
    pub fn message(&self, lang: Lang) -> String {
        self.text().get(lang).to_owned()
    }

    /// The field and the rule in both languages.
    pub fn text(&self) -> Text {
        let (field, rule) = (i18n::field(self.field), self.rule.text());
        Text::new(
            format!("{}: {}", field.id, rule.id),
            format!("{}: {}", field.en, rule.en),
        )
    }
}

/// The rules a value can break, with what each needs to be said; their words in both
/// languages are in [`crate::i18n`] ([`Rule::text`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A text's length: `min` to `max` characters (at most `max` when `min` is 0).
    Length {
        /// Fewest characters.
        min: usize,
        /// Most characters.
        max: usize,
    },
    /// One line, no control characters.
    OneLine,
    /// No text-direction controls.
    NoDirectionControls,
    /// Not only invisible characters.
    Visible,
    /// A NIK has 16 digits.
    NikDigits,
    /// A NIK's province or birth date part is wrong.
    NikParts,
    /// A BPJS card number has 13 digits.
    BpjsDigits,
    /// An Indonesian mobile number.
    MobileNumber,
    /// A plausible date of birth.
    BirthDate,
    /// A service code: one to three capital letters.
    ServiceCode,
    /// A counter id: 1–32 lowercase letters, digits or `-`.
    CounterId,
    /// A username: 3–32 lowercase letters, digits, `.`, `_` or `-`.
    Username,
    /// An IANA time zone.
    TimeZone,
    /// An appointment not in the past.
    NotInPast,
    /// A slot of 5 to 240 minutes.
    SlotMinutes,
    /// A slot takes 1 to 50 patients.
    PlacesPerSlot,
    /// A NIK's birth date part agrees with the date of birth.
    NikBirthDate,
    /// A patient record names the patient (name, NIK or BPJS number).
    PatientIdentified,
    /// A new password differs from the current one.
    PasswordUnchanged,
    /// A time already past today in the clinic.
    TimePassed,
    /// The day's last slot starts after its first.
    SlotsInOrder,
    /// An opening period closes after it opens.
    HoursInOrder,
    /// Opening periods of one day do not overlap.
    HoursOverlap,
    /// A time the service's schedule has a slot at.
    NotInSchedule,
    /// A day at most `max` days from today (an online booking).
    DaysAhead {
        /// Most days ahead.
        max: u32,
    },
    /// A number from `min` to `max`.
    Between {
        /// Smallest.
        min: i64,
        /// Largest.
        max: i64,
    },
    /// A check-in's service must be the appointment's.
    AppointmentService {
        /// The appointment's service code.
        service: String,
    },
    /// A ticket needs a service.
    ChooseService,
    /// A ticket status the API knows.
    TicketStatus,
    /// A step id: 1–32 lowercase letters, digits or `-`.
    StepId,
    /// A service's steps are each named once.
    StepRepeated {
        /// The step given twice.
        step: String,
    },
    /// A counter's step that none of its services has.
    StepUnknown {
        /// The step.
        step: String,
    },
    /// A counter that does not serve the step the ticket is at.
    CounterStep {
        /// The counter's name.
        counter: String,
        /// The step's name.
        step: String,
    },
    /// A counter that does not serve the ticket's service.
    CounterServes {
        /// The counter's name.
        counter: String,
        /// The service code.
        service: String,
    },
    /// A counter serves at least one service.
    CounterNeedsService,
    /// A range of dates whose start is not after its end.
    DateOrder,
    /// A range of at most `max` days.
    RangeDays {
        /// Most days.
        max: u32,
    },
    /// A password's least length.
    PasswordLength {
        /// Fewest characters.
        min: usize,
    },
    /// A password without the username.
    PasswordUsername,
    /// A password that is not one character repeated.
    PasswordRepeated,
    /// A password that is not a run of counting or a keyboard row.
    PasswordSequence,
    /// A password that is not one of the most common.
    PasswordCommon,
    /// A parameter of the wrong type (a path parameter that is not a UUID).
    Type {
        /// The type expected, e.g. `UUID`.
        expected: String,
    },
    /// A value serde could not read, in serde's (English) words.
    Unreadable {
        /// serde's words.
        detail: String,
    },
}

/// A one-line text (a name, a ticket message, a reason), trimmed, with `chars`
/// characters (after trimming). Refused, whatever the field:
///
/// - control characters: NUL, ESC (a printer command), tabs, line breaks (also U+2028
///   and U+2029), DEL and the C1 controls;
/// - the characters that change the direction text is shown in (embeddings, overrides,
///   isolates and marks: U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), which
///   can make a name read differently on a screen than it is stored;
/// - a text of only invisible characters (spaces, zero-width spaces and joiners, word
///   joiners, byte-order marks, Hangul fillers…), which would look empty. Such
///   characters inside a visible text (a joiner in an emoji, a non-joiner in a word)
///   are kept.
///
/// ```
/// use medicloud_core::validate::line;
///
/// assert_eq!(line("name", "  Poli Gigi ", 1..=60).unwrap(), "Poli Gigi");
/// let err = line("name", "Poli\nGigi", 1..=60).unwrap_err();
/// assert_eq!(err.to_string(), "name: must be one line, without control characters (line breaks, tabs, escapes)");
/// ```
pub fn line(
    field: &'static str,
    text: &str,
    chars: RangeInclusive<usize>,
) -> Result<String, ValidationError> {
    let text = text.trim();
    let length = || {
        let (min, max) = (*chars.start(), *chars.end());
        ValidationError::new(field, Rule::Length { min, max })
    };
    if text.is_empty() && !chars.contains(&0) {
        return Err(length());
    }
    if text.chars().any(is_control) {
        return Err(ValidationError::new(field, Rule::OneLine));
    }
    if text.chars().any(is_bidi_control) {
        return Err(ValidationError::new(field, Rule::NoDirectionControls));
    }
    if !text.is_empty() && text.chars().all(is_invisible) {
        return Err(ValidationError::new(field, Rule::Visible));
    }
    if !chars.contains(&text.chars().count()) {
        return Err(length());
    }
    Ok(text.to_owned())
}

/// What Rust's `str::trim` removes (Unicode `White_Space`), as a regular-expression class.
const SPACE: &str =
    "\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

/// What [`line()`] refuses anywhere in a text: C0, DEL and C1 controls, the line and
/// paragraph separators, and text-direction controls.
const REFUSED: &str =
    "\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069";

/// Characters that show nothing (beyond white space), which [`line()`] refuses as a
/// whole text; the pattern keeps them off a text's first and last place, so a text it
/// allows always shows something.
const INVISIBLE: &str = "\\u00ad\\u034f\\u115f\\u1160\\u17b4\\u17b5\\u180b-\\u180f\\u200b-\\u200d\\u2060-\\u2064\\u206a-\\u206f\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0";

/// What [`line()`] accepts, as a regular expression for an OpenAPI document: text of
/// `chars` characters once trimmed, no control or text-direction character, something
/// visible (for `chars` from at least 2 characters most).
pub fn line_pattern(chars: std::ops::RangeInclusive<usize>) -> String {
    let (fewest, most) = (*chars.start(), *chars.end());
    let space = format!("[{SPACE}]*");
    let solid = format!("[^{SPACE}{REFUSED}{INVISIBLE}]");
    let inner = format!("[^{REFUSED}]");
    if fewest <= 1 {
        format!("^{space}{solid}({inner}{{0,{}}}{solid})?{space}$", most - 2)
    } else {
        format!(
            "^{space}{solid}{inner}{{{},{}}}{solid}{space}$",
            fewest - 2,
            most - 2
        )
    }
}

/// As [`line_pattern`] with `1..=most`, or only white space (a field that may be left
/// blank: it counts as unset).
pub fn line_or_blank_pattern(most: usize) -> String {
    format!("^[{SPACE}]*$|{}", line_pattern(1..=most))
}

/// C0, DEL and C1 controls, and the line and paragraph separators.
fn is_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Embeddings, overrides, isolates and direction marks.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Characters that show nothing: white space, zero-width and other format characters,
/// fillers, variation selectors and tags.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200D}'
                | '\u{2060}'..='\u{2064}'
                | '\u{206A}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// A person's name (a patient's): [`line()`] with 1–100 characters.
pub fn person_name(name: &str) -> Result<String, ValidationError> {
    line("name", name, 1..=100)
}

/// NIK (Nomor Induk Kependudukan): 16 digits, a province code 11–94, and a birth date
/// part `DDMMYY` whose day may have 40 added (women).
pub fn nik(nik: &str) -> Result<String, ValidationError> {
    let digits: Vec<u32> = nik.chars().filter_map(|c| c.to_digit(10)).collect();
    if nik.len() != 16 || digits.len() != 16 {
        return Err(ValidationError::new("nik", Rule::NikDigits));
    }
    let two = |i: usize| digits[i] * 10 + digits[i + 1];
    let province = two(0);
    let day = two(6) % 40;
    let month = two(8);
    if !(11..=94).contains(&province) || !(1..=31).contains(&day) || !(1..=12).contains(&month) {
        return Err(ValidationError::new("nik", Rule::NikParts));
    }
    Ok(nik.to_owned())
}

/// A NIK's birth date part (`DDMMYY`, the day plus 40 for women) is the patient's date of
/// birth.
pub fn nik_matches_birth_date(nik: &str, born: NaiveDate) -> Result<(), ValidationError> {
    let part = |i: usize| nik.get(i..i + 2).and_then(|d| d.parse::<u32>().ok());
    let (Some(day), Some(month), Some(year)) = (part(6), part(8), part(10)) else {
        return Err(ValidationError::new("nik", Rule::NikDigits));
    };
    let same = day % 40 == born.day()
        && month == born.month()
        && i64::from(year) == i64::from(born.year()).rem_euclid(100);
    if same {
        Ok(())
    } else {
        Err(ValidationError::new("nik", Rule::NikBirthDate))
    }
}

/// BPJS Kesehatan card number: 13 digits.
pub fn bpjs_number(number: &str) -> Result<String, ValidationError> {
    if number.len() == 13 && number.bytes().all(|b| b.is_ascii_digit()) {
        Ok(number.to_owned())
    } else {
        Err(ValidationError::new("bpjs_number", Rule::BpjsDigits))
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
        _ => Err(ValidationError::new("phone", Rule::MobileNumber)),
    }
}

/// A date of birth: not in the future and not more than 130 years ago.
pub fn birth_date(born: NaiveDate, today: NaiveDate) -> Result<(), ValidationError> {
    if born > today || today.year() - born.year() > 130 {
        return Err(ValidationError::new("birth_date", Rule::BirthDate));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_niks_birth_date_part_must_be_the_date_of_birth() {
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // 45 06 90: a woman (day + 40) born on 5 June 1990.
        let nik = "3174054506900001";
        for (born, ok) in [
            ("1990-06-05", true),
            ("1990-06-06", false),
            ("1990-07-05", false),
            ("1991-06-05", false),
            ("1890-06-05", true), // the NIK holds two digits of the year
        ] {
            let got = nik_matches_birth_date(nik, date(born));
            assert_eq!(got.is_ok(), ok, "{born}: {got:?}");
            if let Err(e) = got {
                assert_eq!((e.field, e.rule), ("nik", Rule::NikBirthDate));
            }
        }
        // A man's day is the day itself.
        assert!(nik_matches_birth_date("3174050506900001", date("1990-06-05")).is_ok());
    }

    #[test]
    fn a_patient_record_must_say_who_it_is() {
        use crate::domain::PatientInput;
        use crate::ids::PatientId;
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let blank = PatientInput {
            name: Some("   ".into()),
            nik: None,
            bpjs_number: None,
            phone: None,
            birth_date: None,
        };
        assert!(blank.clone().validate(PatientId::random(), today).is_err());
        let empty = PatientInput {
            name: None,
            ..blank.clone()
        };
        let err = empty
            .clone()
            .validate(PatientId::random(), today)
            .unwrap_err();
        assert_eq!(err.rule, Rule::PatientIdentified);
        let phone_only = PatientInput {
            phone: Some("0812-3456-7890".into()),
            ..empty.clone()
        };
        assert_eq!(
            phone_only
                .validate(PatientId::random(), today)
                .unwrap_err()
                .rule,
            Rule::PatientIdentified
        );
        let by_bpjs = PatientInput {
            bpjs_number: Some("0001234567890".into()),
            ..empty
        };
        assert!(by_bpjs.validate(PatientId::random(), today).is_ok());
    }

    fn check<T: std::fmt::Debug>(got: Result<T, ValidationError>, expect: Result<&str, &str>) {
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

    /// `(text, Ok(stored) | Err(the rule's words))`, for a field of 1–10 characters.
    #[test]
    fn line_rules() {
        let rule = |expect: &'static str| -> Result<&'static str, &'static str> { Err(expect) };
        let (length, control, direction, invisible) = (
            rule("characters"),
            rule("one line"),
            rule("text-direction"),
            rule("visible"),
        );
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("Poli Gigi", Ok("Poli Gigi")),
            ("  Loket 1\u{3000}", Ok("Loket 1")), // trimmed, an ideographic space too
            ("Ani 👩\u{200D}⚕️", Ok("Ani 👩\u{200D}⚕️")), // a joiner inside an emoji
            ("علي", Ok("علي")),                   // right-to-left letters themselves are fine
            ("ÉÈ ñ", Ok("ÉÈ ñ")),
            ("", length),
            ("   ", length),
            ("12345678901", length),
            ("a\0b", control),        // NUL
            ("a\u{1B}[2Jb", control), // ESC: a terminal or printer command
            ("a\nb", control),
            ("a\r\nb", control),
            ("a\tb", control),
            ("a\u{7F}b", control),   // DEL
            ("a\u{85}b", control),   // NEL, a C1 control
            ("a\u{2028}b", control), // line separator
            ("a\u{2029}b", control), // paragraph separator
            ("a\u{202A}b", direction),
            ("a\u{202B}b", direction),
            ("a\u{202C}b", direction),
            ("a\u{202D}b", direction),
            ("abc\u{202E}fdp", direction), // the "Trojan Source" override
            ("a\u{2066}b", direction),
            ("a\u{2067}b", direction),
            ("a\u{2068}b", direction),
            ("a\u{2069}b", direction),
            ("a\u{200E}b", direction),
            ("a\u{200F}b", direction),
            ("a\u{061C}b", direction),
            ("\u{200B}", invisible), // zero-width space
            ("\u{200B}\u{200C}\u{200D}", invisible),
            ("\u{FEFF}", invisible),
            ("\u{2060}", invisible),
            ("\u{3164}", invisible),  // Hangul filler
            ("\u{00AD}", invisible),  // soft hyphen
            ("\u{E0041}", invisible), // a tag character
            (" \u{200B} ", invisible),
        ];
        for &(text, expect) in cases {
            match (line("name", text, 1..=10), expect) {
                (Ok(got), Ok(stored)) => assert_eq!(got, stored, "{text:?}"),
                (Err(err), Err(words)) => {
                    assert_eq!(err.field, "name", "{text:?}");
                    assert!(err.to_string().contains(words), "{text:?}: {err}");
                }
                (got, expect) => panic!("{text:?}: got {got:?}, expected {expect:?}"),
            }
        }
    }

    #[test]
    fn an_optional_line_may_be_empty_but_keeps_the_other_rules() {
        assert_eq!(line("ticket_message_en", "  ", 0..=120).unwrap(), "");
        let err = line("ticket_message_en", "x\u{1B}", 0..=120).unwrap_err();
        assert_eq!(err.field, "ticket_message_en");
        let long = line("ticket_message_en", &"x".repeat(121), 0..=120).unwrap_err();
        assert!(long.to_string().contains("at most 120"), "{long}");
    }

    #[test]
    fn text_errors_never_echo_the_value() {
        for text in ["Budi\u{202E}", "Budi\nSantoso", &"Budi".repeat(50)] {
            let err = line("name", text, 1..=100).unwrap_err();
            assert!(!err.to_string().contains("Budi"), "{err}");
        }
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
