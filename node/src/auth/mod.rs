//! Who is asking, and what they may do, one concern a file: [`password`] (argon2id
//! hashes and the password policy), [`token`] (bearer tokens, device tokens),
//! [`session`] (staff sessions with idle logoff and break-glass access), `lockout`
//! (throttling failed logins per username and address, and per address), [`permission`] (the principal and the one table of
//! permissions) and [`clock`] (the time sessions go by, injected).

pub mod clock;
mod lockout;
pub mod password;
pub mod permission;
pub mod session;
pub mod token;

pub use clock::{Clock, ManualClock, SystemClock};
pub use lockout::{AccountLock, Address, Lock, Refused};
pub use password::{MIN_PASSWORD_CHARS, check_password_policy, hash_password, verify_password};
pub use permission::{Denied, Permission, Principal};
pub use session::{Login, LoginOutcome, Sessions};
pub use token::{new_token, token_sha256};
