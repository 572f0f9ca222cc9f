//! What Medicloud says to people, in Bahasa Indonesia and English: the one catalogue of
//! the texts of every error code, every validation rule, the fields they name and the
//! things that may be missing.
//!
//! An answer's language comes from the request's `Accept-Language` header
//! ([`Lang::from_accept_language`]); without one (or with only languages Medicloud does
//! not speak) it is Bahasa Indonesia, the language of the clinics Medicloud is made for.
//! The code beside a message stays the same in every language: screens switch on it.
//!
//! ```
//! use medicloud_core::i18n::Lang;
//! use medicloud_core::validate::nik;
//!
//! let err = nik("12345").unwrap_err();
//! assert_eq!(err.message(Lang::Id), "NIK: NIK terdiri dari tepat 16 angka");
//! assert_eq!(err.message(Lang::En), "NIK: a NIK has exactly 16 digits");
//! assert_eq!(Lang::from_accept_language(Some("en-GB,en;q=0.9")), Lang::En);
//! assert_eq!(Lang::from_accept_language(None), Lang::Id);
//! ```

use crate::error_code::ErrorCode;
use crate::ticket::{TicketStatus, TransitionError};
use crate::validate::Rule;
use chrono::{Datelike, NaiveDate};

/// A language Medicloud speaks, spelt by its tag (`id`, `en`).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Bahasa Indonesia: the default.
    #[default]
    Id,
    /// English.
    En,
}

impl Lang {
    /// Both languages, Bahasa Indonesia first.
    pub const ALL: [Lang; 2] = [Lang::Id, Lang::En];

    /// The language tag, as in `Content-Language`: `id` or `en`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// The language an `Accept-Language` header asks for: the spoken one with the highest
    /// weight (`q`), the earlier on a tie; Bahasa Indonesia when there is no header, or it
    /// names no language spoken here. `in` (the old code for Indonesian) counts as `id`.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let mut best: Option<(u16, Lang)> = None;
        for item in header.unwrap_or("").split(',') {
            let mut parts = item.split(';');
            let range = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let primary = range.split('-').next().unwrap_or("");
            let lang = match primary {
                "id" | "in" => Lang::Id,
                "en" => Lang::En,
                _ => continue,
            };
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q=").map(quality))
                .unwrap_or(1000);
            if weight > 0 && best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        best.map_or(Lang::default(), |(_, lang)| lang)
    }
}

/// A `q` value in thousandths (`0.8` → 800); an unreadable one counts as 0.
fn quality(q: &str) -> u16 {
    match q.trim().parse::<f32>() {
        Ok(v) if (0.0..=1.0).contains(&v) => (v * 1000.0).round() as u16,
        _ => 0,
    }
}

/// One text in both languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    /// In Bahasa Indonesia.
    pub id: String,
    /// In English.
    pub en: String,
}

impl Text {
    /// A text from its Indonesian and English words.
    pub fn new(id: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => &self.id,
            Lang::En => &self.en,
        }
    }
}

impl ErrorCode {
    /// What the code means, for people: the message of an answer with this code when
    /// nothing more particular is said.
    pub fn text(self) -> Text {
        use ErrorCode as C;
        let (id, en) = match self {
            C::ValidationFailed => ("Permintaan tidak valid.", "the request is not valid"),
            C::BadJson => (
                "Isi permintaan bukan JSON yang valid.",
                "the request body is not valid JSON",
            ),
            C::BadRequest => (
                "Permintaan tidak dapat dibaca.",
                "the request could not be read",
            ),
            C::MethodNotAllowed => (
                "Alamat ini tidak menerima metode ini (header Allow menyebut yang diterima).",
                "this path does not take this method (the Allow header lists those it takes)",
            ),
            C::UnsupportedMediaType => (
                "Kirim isi permintaan sebagai application/json.",
                "send the body as application/json",
            ),
            C::PayloadTooLarge => (
                "Isi permintaan terlalu besar.",
                "the request body is too large",
            ),
            C::TooManyEvents => (
                "Permintaan sinkron membawa lebih banyak kejadian daripada satu halaman.",
                "a sync request carries more events than one page",
            ),
            C::RateLimited => (
                "Terlalu banyak permintaan dari perangkat ini; tunggu sebentar lalu coba lagi.",
                "too many requests from this machine; wait a moment and try again",
            ),
            C::UnknownAction => (
                "Tindakan tiket ini tidak dikenal.",
                "this ticket action is not known",
            ),
            C::Unauthorized => (
                "Silakan masuk, atau gunakan token perangkat.",
                "log in or use a device token",
            ),
            C::InvalidCredentials => (
                "Nama pengguna atau kata sandi salah.",
                "wrong username or password",
            ),
            C::AccountLocked => (
                "Akun ini dikunci setelah lima kali gagal masuk; coba lagi dalam 15 menit.",
                "this account is locked after five failed logins; try again in 15 minutes",
            ),
            C::Forbidden => (
                "Peran Anda tidak boleh melakukan ini.",
                "your role may not do this",
            ),
            C::Unauthenticated => (
                "Permintaan sinkron tidak disegel dengan kunci LAN klinik, atau diputar ulang.",
                "the sync request is not sealed with the clinic's LAN key, or was played again",
            ),
            C::StaleRequest => (
                "Jam permintaan terlalu jauh dari jam penerima.",
                "the request's time is too far from the receiver's clock",
            ),
            C::Revoked => ("Perangkat ini sudah dicabut.", "this device was revoked"),
            C::BadCode => (
                "Kode pendaftaran perangkat tidak dikenal, sudah dipakai, atau kedaluwarsa.",
                "the enrolment code is unknown, used or expired",
            ),
            C::TokenExpired => (
                "Token akses sudah kedaluwarsa; perbarui dengan token refresh.",
                "the access token expired; refresh it",
            ),
            C::SessionRevoked => (
                "Sesi ini sudah keluar atau dicabut; silakan masuk lagi.",
                "this login was logged out or revoked; log in again",
            ),
            C::ClinicNotOnAccount => (
                "Klinik ini tidak tercantum pada akun Anda.",
                "this clinic is not on your account",
            ),
            C::OidcUnknownSubject => (
                "Akun penyedia login ini tidak terdaftar di Medicloud; minta admin jaringan klinik membuatkan akun dengan nama pengguna yang sama.",
                "this sign-in account has no Medicloud account; ask the chain admin for one with the same username",
            ),
            C::OidcLoginExpired => (
                "Proses masuk ini sudah kedaluwarsa atau sudah dipakai; silakan masuk lagi.",
                "this sign-in expired or was used already; sign in again",
            ),
            C::OidcRefused => (
                "Penyedia login menolak proses masuk ini.",
                "the sign-in provider refused this sign-in",
            ),
            C::OidcProviderUnavailable => (
                "Penyedia login tidak dapat dihubungi; coba lagi nanti atau masuk dengan kata sandi.",
                "the sign-in provider cannot be reached; try again later or log in with a password",
            ),
            C::NotFound => ("Tidak ditemukan.", "not found"),
            C::QueueEmpty => (
                "Tidak ada yang menunggu untuk loket ini.",
                "nobody is waiting for this counter",
            ),
            C::InvalidTransition => (
                "Langkah ini tidak bisa dilakukan pada status tiket saat ini.",
                "this step is not allowed from the ticket's status",
            ),
            C::CounterBusy => (
                "Loket ini masih memegang tiket: selesaikan, tandai tidak hadir, atau antrekan ulang dulu.",
                "this counter still holds a ticket: complete it, mark it a no-show or requeue it first",
            ),
            C::DuplicateNik => (
                "Pasien dengan NIK ini sudah terdaftar.",
                "a patient with this NIK is already registered",
            ),
            C::UsernameTaken => ("Nama pengguna itu sudah dipakai.", "that username is taken"),
            C::ServiceClosed => (
                "Layanan ini tutup hari ini.",
                "this service is closed today",
            ),
            C::OwnAccount => (
                "Anda tidak bisa menonaktifkan atau menurunkan peran akun Anda sendiri.",
                "you cannot disable or demote your own account",
            ),
            C::LastAdmin => (
                "Klinik harus tetap memiliki setidaknya satu admin aktif.",
                "the clinic must keep at least one active admin",
            ),
            C::ServiceExists => (
                "Sudah ada layanan dengan kode itu.",
                "a service with that code exists",
            ),
            C::WrongPassword => (
                "Kata sandi saat ini salah.",
                "the current password is wrong",
            ),
            C::PasswordChangeRequired => (
                "Pilih kata sandi baru dulu (POST /api/v1/auth/password).",
                "choose a new password first (POST /api/v1/auth/password)",
            ),
            C::SlotFull => (
                "Semua tempat pada slot ini sudah terisi; pilih jam lain.",
                "every place in this slot is taken; choose another time",
            ),
            C::AppointmentCancelled => (
                "Janji temu ini sudah dibatalkan.",
                "this appointment was cancelled",
            ),
            C::AlreadyCheckedIn => (
                "Janji temu ini sudah check-in.",
                "this appointment is already checked in",
            ),
            C::AppointmentNotToday => (
                "Janji temu ini bukan untuk hari ini.",
                "this appointment is not for today",
            ),
            C::NoPrinter => (
                "Node ini tidak memiliki printer.",
                "this node has no printer",
            ),
            C::PrinterFault => (
                "Printer tidak menerima halaman uji; periksa kertas dan sambungannya.",
                "the printer did not take the test page; check its paper and cable",
            ),
            C::ClinicExists => (
                "Klinik dengan ID itu sudah ada.",
                "a clinic with that id exists",
            ),
            C::SyncOff => (
                "Node ini tidak menerima sinkron (tidak punya kunci LAN).",
                "this node takes no sync requests (it has no LAN key)",
            ),
            C::WrongClinic => (
                "Permintaan ini milik klinik lain; tidak ada yang disimpan.",
                "the request belongs to another clinic; nothing was stored",
            ),
            C::SyncRefused => (
                "Kejadian dalam permintaan sinkron ditolak; tidak ada yang disimpan.",
                "the exchange refused the request's events; nothing was stored",
            ),
            C::BadBody => (
                "Isi sinkron yang disegel bukan JSON terkompresi gzip.",
                "a sealed sync body that is not gzip-compressed JSON",
            ),
            C::NotAuthority => (
                "Node ini mengambil nomor antrean dari pemberi nomor lain.",
                "this node takes its labels from another authority",
            ),
            C::BookingAuthorityUnreachable => (
                "Komputer klinik yang menghitung tempat janji temu tidak terjangkau; centang kelebihan kapasitas untuk tetap memesan.",
                "the clinic computer that counts appointment places cannot be reached; tick overbooking to book anyway",
            ),
            C::StorageUnavailable => (
                "Basis data lokal tidak dapat menyimpan; tidak ada yang diubah.",
                "the local database could not save; nothing was changed",
            ),
            C::DiskFull => (
                "Disk node ini penuh; tidak ada yang diubah (kosongkan sebagian ruangnya).",
                "this node's disk is full; nothing was changed (free some space on it)",
            ),
            C::Internal => ("Terjadi kesalahan internal.", "internal error"),
            C::Unknown => ("Terjadi kesalahan yang tidak dikenal.", "an unknown error"),
        };
        Text::new(id, en)
    }
}

/// The fields validation errors name, as the API spells them, with their names for
/// people. A field not listed is named as the API spells it.
pub const FIELDS: &[(&str, &str, &str)] = &[
    ("name", "Nama", "Name"),
    ("name_id", "Nama (Bahasa Indonesia)", "Name (Indonesian)"),
    ("name_en", "Nama (Bahasa Inggris)", "Name (English)"),
    ("display_name", "Nama tampilan", "Display name"),
    ("nik", "NIK", "NIK"),
    ("bpjs_number", "Nomor BPJS", "BPJS number"),
    ("phone", "Nomor HP", "Mobile number"),
    ("birth_date", "Tanggal lahir", "Date of birth"),
    ("username", "Nama pengguna", "Username"),
    ("password", "Kata sandi", "Password"),
    ("role", "Peran", "Role"),
    ("service", "Layanan", "Service"),
    ("services", "Layanan", "Services"),
    ("counter", "Loket", "Counter"),
    ("date", "Tanggal", "Date"),
    ("slot_start", "Jam", "Time"),
    ("start", "Waktu", "Time"),
    ("slot_minutes", "Lama slot", "Slot length"),
    ("places_per_slot", "Tempat per slot", "Places per slot"),
    ("opens", "Slot pertama", "First slot"),
    ("closes", "Slot terakhir", "Last slot"),
    ("status", "Status", "Status"),
    ("limit", "Batas jumlah", "Limit"),
    ("since_ms", "Sejak", "Since"),
    ("time_zone", "Zona waktu", "Time zone"),
    ("reason", "Alasan", "Reason"),
    ("current", "Kata sandi sekarang", "Current password"),
    ("new", "Kata sandi baru", "New password"),
    (
        "ticket_message_id",
        "Pesan tiket (Bahasa Indonesia)",
        "Ticket message (Indonesian)",
    ),
    (
        "ticket_message_en",
        "Pesan tiket (Bahasa Inggris)",
        "Ticket message (English)",
    ),
    ("code", "Kode", "Code"),
    ("id", "ID", "Id"),
    ("from", "Dari tanggal", "From"),
    ("to", "Sampai tanggal", "To"),
    ("target_wait_minutes", "Target waktu tunggu", "Target wait"),
];

/// A field's name for people.
pub fn field(field: &str) -> Text {
    FIELDS.iter().find(|(api, _, _)| *api == field).map_or_else(
        || Text::new(field, field),
        |(_, id, en)| Text::new(*id, *en),
    )
}

/// The things an answer may say are not there, as the node names them, with their words.
pub const THINGS: &[(&str, &str, &str)] = &[
    ("ticket", "Tiket", "ticket"),
    ("appointment", "Janji temu", "appointment"),
    ("patient", "Pasien", "patient"),
    ("service", "Layanan", "service"),
    ("counter", "Loket", "counter"),
    ("device", "Perangkat", "device"),
    ("clinic", "Klinik", "clinic"),
    ("user", "Akun staf", "staff account"),
    ("print job", "Cetakan tiket", "print job"),
];

/// "`what` not found", for one of the [`THINGS`] (else the code's own words).
pub fn not_found(what: &str) -> Text {
    match THINGS.iter().find(|(name, _, _)| *name == what) {
        Some((_, id, en)) => Text::new(format!("{id} tidak ditemukan."), format!("{en} not found")),
        None => Text::new(ErrorCode::NotFound.text().id, format!("{what} not found")),
    }
}

/// A date in words: `5 Desember 2026`, `5 December 2026`.
pub fn date(date: NaiveDate) -> Text {
    const ID: [&str; 12] = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let m = date.month0() as usize;
    let (d, y) = (date.day(), date.year());
    Text::new(format!("{d} {} {y}", ID[m]), format!("{d} {} {y}", EN[m]))
}

impl Rule {
    /// The rule in words, without the field.
    pub fn text(&self) -> Text {
        use Rule as R;
        match self {
            R::Length { min: 0, max } => Text::new(
                format!("paling banyak {max} karakter"),
                format!("must have at most {max} characters"),
            ),
            R::Length { min, max } => Text::new(
                format!("harus {min} sampai {max} karakter"),
                format!("must have {min} to {max} characters"),
            ),
            R::OneLine => Text::new(
                "harus satu baris, tanpa karakter kontrol (baris baru, tab, escape)",
                "must be one line, without control characters (line breaks, tabs, escapes)",
            ),
            R::NoDirectionControls => Text::new(
                "tidak boleh berisi karakter pengatur arah teks \
                 (U+202A sampai U+202E, U+2066 sampai U+2069, U+200E, U+200F, U+061C)",
                "must not contain text-direction control characters \
                 (U+202A to U+202E, U+2066 to U+2069, U+200E, U+200F, U+061C)",
            ),
            R::Visible => Text::new(
                "harus berisi karakter yang terlihat, bukan hanya spasi atau karakter tak terlihat",
                "must have visible characters, not only spaces or zero-width characters",
            ),
            R::NikDigits => Text::new(
                "NIK terdiri dari tepat 16 angka",
                "a NIK has exactly 16 digits",
            ),
            R::NikParts => Text::new(
                "NIK ini tidak valid (kode provinsi atau bagian tanggal lahirnya salah)",
                "this is not a valid NIK (province or birth date part is wrong)",
            ),
            R::BpjsDigits => Text::new(
                "nomor kartu BPJS terdiri dari tepat 13 angka",
                "a BPJS card number has exactly 13 digits",
            ),
            R::MobileNumber => Text::new(
                "nomor HP ditulis seperti 0812-3456-7890 atau +62 812 3456 7890",
                "a mobile number looks like 0812-3456-7890 or +62 812 3456 7890",
            ),
            R::BirthDate => Text::new(
                "tanggal lahir tidak masuk akal (di masa depan atau lebih dari 130 tahun lalu)",
                "the date of birth is not plausible (in the future or more than 130 years ago)",
            ),
            R::ServiceCode => Text::new(
                "kode layanan adalah satu sampai tiga huruf kapital, misalnya A",
                "a service code is one to three capital letters, such as A",
            ),
            R::CounterId => Text::new(
                "ID loket adalah 1–32 huruf kecil, angka atau '-', misalnya loket-1",
                "a counter id is 1-32 lowercase letters, digits or '-', such as loket-1",
            ),
            R::StepId => Text::new(
                "ID langkah adalah 1–32 huruf kecil, angka atau '-', misalnya pendaftaran",
                "a step id is 1-32 lowercase letters, digits or '-', such as registration",
            ),
            R::StepRepeated { step } => Text::new(
                format!("langkah {step} disebut lebih dari sekali"),
                format!("the step {step} is given more than once"),
            ),
            R::StepUnknown { step } => Text::new(
                format!("tidak ada layanan loket ini yang memiliki langkah {step}"),
                format!("none of this counter's services has the step {step}"),
            ),
            R::CounterStep { counter, step } => Text::new(
                format!("{counter} tidak melayani langkah {step}"),
                format!("{counter} does not serve the step {step}"),
            ),
            R::Username => Text::new(
                "3–32 huruf kecil, angka, '.', '_' atau '-'",
                "3-32 lowercase letters, digits, '.', '_' or '-'",
            ),
            R::TimeZone => Text::new(
                "gunakan zona waktu IANA seperti Asia/Jakarta",
                "use an IANA time zone such as Asia/Jakarta",
            ),
            R::NotInPast => Text::new(
                "janji temu tidak boleh di masa lalu",
                "an appointment cannot be in the past",
            ),
            R::SlotMinutes => Text::new(
                "satu slot berlangsung 5 sampai 240 menit",
                "a slot lasts 5 to 240 minutes",
            ),
            R::PasswordUnchanged => Text::new(
                "kata sandi baru harus berbeda dari yang sekarang",
                "the new password must differ from the current one",
            ),
            R::NikBirthDate => Text::new(
                "tanggal lahir dalam NIK (DDMMYY) tidak sama dengan tanggal lahir pasien",
                "the birth date in the NIK (DDMMYY) is not the patient's date of birth",
            ),
            R::PatientIdentified => Text::new(
                "isi nama, NIK atau nomor BPJS pasien",
                "give the patient's name, NIK or BPJS number",
            ),
            R::TimePassed => Text::new(
                "jam ini sudah lewat hari ini di klinik",
                "this time has already passed today in the clinic",
            ),
            R::PlacesPerSlot => Text::new(
                "satu slot menampung 1 sampai 50 pasien",
                "a slot takes 1 to 50 patients",
            ),
            R::SlotsInOrder => Text::new(
                "slot terakhir harus dimulai setelah slot pertama",
                "the last slot must start after the first",
            ),
            R::HoursInOrder => Text::new(
                "jam tutup harus setelah jam buka",
                "closing time must be after opening time",
            ),
            R::NotInSchedule => Text::new(
                "layanan ini tidak menerima janji temu pada jam ini; pilih slot dari jadwal",
                "the service takes no appointment at this time; choose a slot of its schedule",
            ),
            R::DaysAhead { max } => Text::new(
                format!("janji temu dapat dipesan paling lama {max} hari sebelumnya"),
                format!("an appointment can be booked at most {max} days ahead"),
            ),
            R::HoursOverlap => Text::new(
                "jam buka pada hari yang sama tidak boleh tumpang tindih",
                "opening hours on the same day must not overlap",
            ),
            R::Between { min, max } => Text::new(
                format!("dari {min} sampai {max}"),
                format!("from {min} to {max}"),
            ),
            R::AppointmentService { service } => Text::new(
                format!("janji temu ini untuk layanan {service}"),
                format!("this appointment is for service {service}"),
            ),
            R::ChooseService => Text::new(
                "pilih layanan untuk tiket ini",
                "choose a service for the ticket",
            ),
            R::TicketStatus => Text::new(
                "status tidak dikenal; gunakan waiting, called, serving, done, no_show, cancelled atau transferred",
                "unknown status; use waiting, called, serving, done, no_show, cancelled or transferred",
            ),
            R::CounterServes { counter, service } => Text::new(
                format!("{counter} tidak melayani layanan {service}"),
                format!("{counter} does not serve service {service}"),
            ),
            R::CounterNeedsService => Text::new(
                "satu loket melayani paling sedikit satu layanan",
                "a counter serves at least one service",
            ),
            R::DateOrder => Text::new(
                "tanggal awal tidak boleh sesudah tanggal akhir",
                "the first day may not be after the last",
            ),
            R::RangeDays { max } => Text::new(
                format!("satu laporan mencakup paling banyak {max} hari"),
                format!("a report covers at most {max} days"),
            ),
            R::PasswordLength { min } => Text::new(
                format!("kata sandi paling sedikit {min} karakter"),
                format!("a password has at least {min} characters"),
            ),
            R::PasswordUsername => Text::new(
                "kata sandi tidak boleh memuat nama pengguna",
                "a password may not contain the username",
            ),
            R::PasswordRepeated => Text::new(
                "kata sandi tidak boleh satu karakter yang diulang",
                "a password may not be one character repeated",
            ),
            R::PasswordSequence => Text::new(
                "kata sandi tidak boleh berupa deret hitungan atau satu baris papan ketik",
                "a password may not be a run of counting or of a keyboard row",
            ),
            R::PasswordCommon => Text::new(
                "kata sandi tidak boleh salah satu kata sandi yang paling umum",
                "a password may not be one of the most common passwords",
            ),
            R::Type { expected } => Text::new(
                format!("harus berupa {expected}"),
                format!("expected a {expected}"),
            ),
            R::Unreadable { detail } => {
                Text::new(format!("tidak sesuai ({detail})"), detail.clone())
            }
        }
    }
}

/// The request's body or query as serde read it, in its own (English) words: e.g. a
/// field the request does not know.
/// The rules a value is read by (a service code, a counter id) are said in English in
/// serde's words; in Bahasa Indonesia they are said again in its words.
pub fn request_shape(detail: &str) -> Text {
    let mut id = detail.to_owned();
    for rule in [Rule::ServiceCode, Rule::CounterId, Rule::StepId] {
        let words = rule.text();
        id = id.replace(&words.en, &words.id);
    }
    Text::new(
        format!("Isi permintaan tidak sesuai: {id}"),
        detail.to_owned(),
    )
}

/// A ticket step as a verb: `serve` → `melayani`.
fn step_id(step: &str) -> &str {
    match step {
        "issue" => "menerbitkan",
        "call" => "memanggil",
        "recall" => "memanggil ulang",
        "serve" => "melayani",
        "complete" => "menyelesaikan",
        "no-show" => "menandai tidak hadir",
        "requeue" => "mengantrekan ulang",
        "cancel" => "membatalkan",
        "transfer" => "mengalihkan",
        "advance" => "meneruskan",
        other => other,
    }
}

/// A ticket's status in words.
pub fn status(status: TicketStatus) -> Text {
    use TicketStatus as S;
    let (id, en) = match status {
        S::Waiting => ("menunggu", "waiting"),
        S::Called => ("sudah dipanggil", "called"),
        S::Serving => ("sedang dilayani", "being served"),
        S::Done => ("sudah selesai", "done"),
        S::NoShow => ("tidak hadir", "a no-show"),
        S::Cancelled => ("dibatalkan", "cancelled"),
        S::Transferred => ("dialihkan", "transferred"),
    };
    Text::new(id, en)
}

/// What to do instead of an illegal step, in Bahasa Indonesia.
fn hint_id(hint: &str) -> &str {
    match hint {
        " (another counter has it; call the next one)" => {
            " (loket lain sedang memegangnya; panggil yang berikutnya)"
        }
        " (call it first)" => " (panggil dulu)",
        other => other,
    }
}

impl TransitionError {
    /// The refusal in words.
    pub fn text(&self) -> Text {
        match self {
            TransitionError::UnknownTicket => not_found("ticket"),
            TransitionError::AlreadyIssued => Text::new(
                "Tiket ini sudah diterbitkan.",
                "this ticket was already issued",
            ),
            TransitionError::Illegal { step, from, hint } => Text::new(
                format!(
                    "Tidak bisa {} tiket yang {}{}.",
                    step_id(step),
                    status(*from).id,
                    hint_id(hint)
                ),
                self.to_string(),
            ),
            TransitionError::SameService => Text::new(
                "Tiket sudah berada di layanan itu.",
                "the ticket is already in that service",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Rule;

    fn complete(what: &str, text: &Text) {
        assert!(!text.id.trim().is_empty(), "{what}: no Indonesian text");
        assert!(!text.en.trim().is_empty(), "{what}: no English text");
        assert_ne!(text.id, text.en, "{what}: the same words in both languages");
    }

    #[test]
    fn every_error_code_has_both_texts() {
        for code in crate::error_code::tests::ALL {
            complete(code.as_str(), &code.text());
        }
    }

    /// One example of every rule: the match fails to compile when a rule is added
    /// without an example here (and so without a check of its texts).
    fn examples() -> Vec<Rule> {
        let all = vec![
            Rule::Length { min: 0, max: 120 },
            Rule::Length { min: 1, max: 60 },
            Rule::OneLine,
            Rule::NoDirectionControls,
            Rule::Visible,
            Rule::NikDigits,
            Rule::NikParts,
            Rule::BpjsDigits,
            Rule::MobileNumber,
            Rule::BirthDate,
            Rule::ServiceCode,
            Rule::CounterId,
            Rule::StepId,
            Rule::StepRepeated {
                step: "registration".into(),
            },
            Rule::StepUnknown { step: "lab".into() },
            Rule::CounterStep {
                counter: "Loket 1".into(),
                step: "Ruang periksa".into(),
            },
            Rule::Username,
            Rule::TimeZone,
            Rule::NotInPast,
            Rule::SlotMinutes,
            Rule::PlacesPerSlot,
            Rule::NikBirthDate,
            Rule::PatientIdentified,
            Rule::PasswordUnchanged,
            Rule::TimePassed,
            Rule::SlotsInOrder,
            Rule::HoursInOrder,
            Rule::HoursOverlap,
            Rule::NotInSchedule,
            Rule::DaysAhead { max: 60 },
            Rule::Between { min: 1, max: 1000 },
            Rule::AppointmentService {
                service: "A".into(),
            },
            Rule::ChooseService,
            Rule::TicketStatus,
            Rule::CounterServes {
                counter: "Loket 1".into(),
                service: "B".into(),
            },
            Rule::CounterNeedsService,
            Rule::DateOrder,
            Rule::RangeDays { max: 400 },
            Rule::PasswordLength { min: 12 },
            Rule::PasswordUsername,
            Rule::PasswordRepeated,
            Rule::PasswordSequence,
            Rule::PasswordCommon,
            Rule::Type {
                expected: "UUID".into(),
            },
            Rule::Unreadable {
                detail: "unknown field `x`".into(),
            },
        ];
        for rule in &all {
            match rule {
                Rule::Length { .. }
                | Rule::OneLine
                | Rule::NoDirectionControls
                | Rule::Visible
                | Rule::NikDigits
                | Rule::NikParts
                | Rule::BpjsDigits
                | Rule::MobileNumber
                | Rule::BirthDate
                | Rule::ServiceCode
                | Rule::CounterId
                | Rule::StepId
                | Rule::StepRepeated { .. }
                | Rule::StepUnknown { .. }
                | Rule::CounterStep { .. }
                | Rule::Username
                | Rule::TimeZone
                | Rule::NotInPast
                | Rule::SlotMinutes
                | Rule::PlacesPerSlot
                | Rule::NikBirthDate
                | Rule::PatientIdentified
                | Rule::PasswordUnchanged
                | Rule::TimePassed
                | Rule::SlotsInOrder
                | Rule::HoursInOrder
                | Rule::HoursOverlap
                | Rule::NotInSchedule
                | Rule::DaysAhead { .. }
                | Rule::Between { .. }
                | Rule::AppointmentService { .. }
                | Rule::ChooseService
                | Rule::TicketStatus
                | Rule::CounterServes { .. }
                | Rule::CounterNeedsService
                | Rule::DateOrder
                | Rule::RangeDays { .. }
                | Rule::PasswordLength { .. }
                | Rule::PasswordUsername
                | Rule::PasswordRepeated
                | Rule::PasswordSequence
                | Rule::PasswordCommon
                | Rule::Type { .. }
                | Rule::Unreadable { .. } => {}
            }
        }
        all
    }

    #[test]
    fn every_validation_rule_has_both_texts() {
        let rules = examples();
        // Every variant once at least (the two lengths are one variant).
        assert_eq!(rules.len(), 45);
        for rule in rules {
            complete(&format!("{rule:?}"), &rule.text());
        }
        for (api, id, en) in FIELDS {
            assert!(!id.is_empty() && !en.is_empty(), "{api}");
        }
        for (name, id, en) in THINGS {
            complete(name, &Text::new(*id, *en));
        }
        for status in [
            TicketStatus::Waiting,
            TicketStatus::Called,
            TicketStatus::Serving,
            TicketStatus::Done,
            TicketStatus::NoShow,
            TicketStatus::Cancelled,
            TicketStatus::Transferred,
        ] {
            complete(status.as_str(), &super::status(status));
        }
    }

    #[test]
    fn a_validation_message_names_the_field_and_the_rule_in_each_language() {
        let err = crate::validate::phone("021-555").unwrap_err();
        assert_eq!(
            err.message(Lang::Id),
            "Nomor HP: nomor HP ditulis seperti 0812-3456-7890 atau +62 812 3456 7890"
        );
        assert_eq!(
            err.message(Lang::En),
            "Mobile number: a mobile number looks like 0812-3456-7890 or +62 812 3456 7890"
        );
        // The log and the cloud keep the API's field name.
        assert!(err.to_string().starts_with("phone: "), "{err}");
    }

    #[test]
    fn an_illegal_step_is_said_in_both_languages() {
        let err = TransitionError::Illegal {
            step: "complete",
            from: TicketStatus::Waiting,
            hint: " (call it first)",
        };
        let text = err.text();
        assert_eq!(
            text.id,
            "Tidak bisa menyelesaikan tiket yang menunggu (panggil dulu)."
        );
        assert_eq!(
            text.en,
            "cannot complete a ticket that is waiting (call it first)"
        );
    }

    #[test]
    fn accept_language_picks_the_spoken_language_with_the_highest_weight() {
        for (header, expect) in [
            (None, Lang::Id),
            (Some(""), Lang::Id),
            (Some("*"), Lang::Id),
            (Some("fr-FR,de;q=0.8"), Lang::Id),
            (Some("en"), Lang::En),
            (Some("en-US,en;q=0.9"), Lang::En),
            (Some("id-ID,id;q=0.9,en;q=0.8"), Lang::Id),
            (Some("en;q=0.5,id;q=0.8"), Lang::Id),
            (Some("id;q=0.5, EN-gb;q=0.8"), Lang::En),
            (Some("in"), Lang::Id),
            (Some("fr, en;q=0.1"), Lang::En),
            (Some("en;q=0, id;q=0"), Lang::Id),
            (Some("en;q=bogus"), Lang::Id),
        ] {
            assert_eq!(Lang::from_accept_language(header), expect, "{header:?}");
        }
    }

    #[test]
    fn dates_are_said_with_the_month_in_words() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        assert_eq!(date(d), Text::new("5 Desember 2026", "5 December 2026"));
    }
}
