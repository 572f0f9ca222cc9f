//! Staff passwords: argon2id hashes and the password policy, which live in
//! [`medicloud_core::password`] (the cloud's chain staff hold to the same); this module
//! brings the salt and speaks the node's error.

use crate::error::Result;
pub use medicloud_core::password::{MIN_PASSWORD_CHARS, verify_password};

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> String {
    medicloud_core::password::hash_password(password, &rand::random())
}

/// An argon2id hash of a random password nobody knows.
pub(super) const DUMMY_HASH: &str = medicloud_core::password::DUMMY_HASH;

/// A password staff may choose for the account `username`
/// ([`medicloud_core::password::check_password_policy`]): the error names the rule
/// broken, never the password.
pub fn check_password_policy(username: &str, password: &str) -> Result<()> {
    Ok(medicloud_core::password::check_password_policy(
        username, password,
    )?)
}
