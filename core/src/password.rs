//! Staff passwords, for the node's staff and the cloud's chain staff alike: argon2id
//! hashes and the one password policy every path that sets a password holds to.
//!
//! Pure computation: the caller brings the salt (16 random bytes), so this crate does no
//! I/O.
//!
//! ```
//! use medicloud_core::password::{check_password_policy, hash_password, verify_password};
//!
//! assert!(check_password_policy("desk", "password1234").is_err());
//! check_password_policy("desk", "demo-password-1")?;
//! let hash = hash_password("demo-password-1", &[7; 16]);
//! assert!(hash.starts_with("$argon2id$"));
//! assert!(verify_password(&hash, "demo-password-1"));
//! assert!(!verify_password(&hash, "demo-password-2"));
//! # Ok::<(), medicloud_core::validate::ValidationError>(())
//! ```

use crate::validate::{Rule, ValidationError};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Hashes a password with argon2id (the default parameters: 19 MiB, 2 passes) and
/// `salt`, which must be random and new for each hash.
pub fn hash_password(password: &str, salt: &[u8; 16]) -> String {
    let Ok(salt) = SaltString::encode_b64(salt) else {
        return String::new();
    };
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
}

/// Checks a password against a stored hash.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// An argon2id hash of a random password nobody knows: what a login for an unknown
/// username is checked against, so it takes as long as one for a known username.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$1dBzeRydS3u2gi+1oSaZ5X8fWkDgtxCuXvtxC8pvZ+E";

/// The shortest password staff may choose.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Passwords (and the words at their core) that are among the first an attacker tries:
/// the most common in Indonesia and in English, and words of this clinic's own trade.
/// Compared in lower case, letters only, after undoing digit-for-letter swaps.
const COMMON_PASSWORDS: &[&str] = &[
    // English
    "password",
    "passwort",
    "qwerty",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "qazwsx",
    "letmein",
    "welcome",
    "iloveyou",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "sunshine",
    "princess",
    "master",
    "shadow",
    "superman",
    "batman",
    "trustno",
    "login",
    "changeme",
    "secret",
    "hello",
    "helloworld",
    "freedom",
    "whatever",
    "starwars",
    "admin",
    "administrator",
    "root",
    "user",
    "guest",
    "test",
    "default",
    "abc",
    // Bahasa Indonesia
    "sayang",
    "sayangku",
    "bismillah",
    "indonesia",
    "rahasia",
    "katasandi",
    "sandi",
    "cinta",
    "cintaku",
    "akucintakamu",
    "akusayangkamu",
    "merdeka",
    "garuda",
    "jakarta",
    "bandung",
    "surabaya",
    "masuk",
    "selamat",
    "selamatdatang",
    "rahasiaku",
    // The trade
    "klinik",
    "puskesmas",
    "rumahsakit",
    "dokter",
    "perawat",
    "pasien",
    "medicloud",
    "antrian",
    "antrean",
    "loket",
];

/// Whole passwords that are common as they are (digits and keyboard walks).
const COMMON_WHOLE: &[&str] = &[
    "1q2w3e4r5t6y",
    "1q2w3e4r5t6y7u",
    "q1w2e3r4t5y6",
    "1qaz2wsx3edc",
    "qwerty123456",
    "zaq12wsxcde3",
    "123qweasdzxc",
    "password1234",
    "iloveyou1234",
];

/// Keyboard rows and counting, forwards: a password that is a run of one is a sequence.
const SEQUENCES: &[&str] = &[
    "01234567890123456789",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnmqwertyuiopasdfghjklzxcvbnm",
];

fn policy_error(rule: Rule) -> ValidationError {
    ValidationError::new("password", rule)
}

/// The letters at the core of a password: lower case, digits swapped for the letters
/// they stand for (`p4ssw0rd`), leading and trailing digits and marks left out, and
/// only letters kept.
fn core_word(password: &str) -> String {
    let lower = password.to_lowercase();
    let trimmed = lower.trim_matches(|c: char| !c.is_alphabetic());
    trimmed
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            other => other,
        })
        .filter(|c| c.is_alphabetic())
        .collect()
}

/// A password staff may choose for the account `username`: at least
/// [`MIN_PASSWORD_CHARS`] characters, not containing the username, not one character
/// repeated, not a run of a keyboard row or of counting, and not one of the most common
/// passwords. The error names the rule broken, never the password.
pub fn check_password_policy(username: &str, password: &str) -> Result<(), ValidationError> {
    let lower = password.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    if chars.len() < MIN_PASSWORD_CHARS {
        return Err(policy_error(Rule::PasswordLength {
            min: MIN_PASSWORD_CHARS,
        }));
    }
    let name = username.trim().to_lowercase();
    if name.chars().count() >= 3 && lower.contains(&name) {
        return Err(policy_error(Rule::PasswordUsername));
    }
    if chars.iter().all(|c| *c == chars[0]) {
        return Err(policy_error(Rule::PasswordRepeated));
    }
    let reversed: String = chars.iter().rev().collect();
    if SEQUENCES
        .iter()
        .any(|s| s.contains(lower.as_str()) || s.contains(reversed.as_str()))
    {
        return Err(policy_error(Rule::PasswordSequence));
    }
    let core = core_word(password);
    if COMMON_WHOLE.contains(&lower.as_str()) || COMMON_PASSWORDS.contains(&core.as_str()) {
        return Err(policy_error(Rule::PasswordCommon));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each case: username, password, the rule it breaks (`None`: accepted).
    #[test]
    fn the_password_policy_names_the_rule_broken() {
        #[rustfmt::skip]
        let cases: &[(&str, &str, Option<&str>)] = &[
            // What the demo, the tests and the benchmarks use.
            ("desk",   "demo-password-1",     None),
            ("admin",  "test-password-123",   None),
            ("desk",   "e2e-password-123",    None),
            ("admin",  "sandi-pengelola-uji-123", None),
            ("doctor", "benchmark-password",  None),
            ("perawat","panjang-sekali-1",    None),
            ("admin",  "Tiga kata acak, 7 ekor!", None),
            ("admin",  "ABCDEFGHJKLMNPQR",    None), // random, not a run
            // Length, in characters (not bytes).
            ("desk",   "",                    Some("at least 12 characters")),
            ("desk",   "pendek-11ch",         Some("at least 12 characters")),
            ("desk",   "ééééééé-ééé",          Some("at least 12 characters")),
            // The username, in any case.
            ("perawat", "perawat-2026-pagi",  Some("contain the username")),
            ("Ani",    "kata-ANI-kuat-99",    Some("contain the username")),
            ("admin",  "sandi-admin-uji-123", Some("contain the username")),
            ("al",     "al-al-al-al-al",      None), // too short a name to judge
            // One character repeated.
            ("desk",   "aaaaaaaaaaaa",        Some("one character repeated")),
            ("desk",   "111111111111111",     Some("one character repeated")),
            // Runs of counting and keyboard rows, either way.
            ("desk",   "123456789012",        Some("run of counting")),
            ("desk",   "987654321098",        Some("run of counting")),
            ("desk",   "abcdefghijklm",       Some("run of counting")),
            ("desk",   "qwertyuiopas",        Some("run of counting")),
            // Common passwords, also with digits around them and digits for letters.
            ("desk",   "password1234",        Some("most common")),
            ("desk",   "Password123!",        Some("most common")),
            ("desk",   "P@ssw0rd2026",        Some("most common")),
            ("desk",   "123456bismillah",     Some("most common")),
            ("desk",   "sayang123456",        Some("most common")),
            ("desk",   "Indonesia2026!",      Some("most common")),
            ("desk",   "rahasia-2026",        Some("most common")),
            ("desk",   "1q2w3e4r5t6y",        Some("most common")),
            ("desk",   "klinik!!2026",        Some("most common")),
        ];
        for (username, password, broken) in cases {
            let result = check_password_policy(username, password);
            match (broken, result) {
                (None, Ok(())) => {}
                (Some(rule), Err(e)) => {
                    assert_eq!(e.field, "password");
                    assert!(e.to_string().contains(rule), "{password:?}: {e}");
                    assert!(
                        password.is_empty() || !e.to_string().contains(password),
                        "the error echoes the password"
                    );
                }
                (expect, got) => {
                    panic!("{username}/{password:?}: expected {expect:?}, got {got:?}")
                }
            }
        }
    }
}
