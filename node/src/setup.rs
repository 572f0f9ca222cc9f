//! First-start set-up shared by `medicloud node` and `medicloud demo`: the clinic, its
//! services and counters, and staff accounts whose passwords come from the operator.

use crate::auth::{check_password_policy, hash_password, verify_password};
use crate::error::Result;
use crate::ops::{NewStaff, Node};
use crate::store::query;
use medicloud_core::domain::StaffRole;
use medicloud_core::event::{Actor, EventBody};
use rand::Rng;

/// A random password of 16 letters and digits.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679";
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Makes sure the account exists, is active, and has `password`.
pub fn ensure_staff(
    node: &Node,
    username: &str,
    display_name: &str,
    role: StaffRole,
    password: &str,
) -> Result<()> {
    check_password_policy(password)?;
    let existing = node
        .store
        .read(query::staff)?
        .into_iter()
        .find(|u| u.username == username);
    match existing {
        None => {
            node.create_staff(
                Actor::System,
                NewStaff {
                    username: username.into(),
                    display_name: display_name.into(),
                    role,
                    password: password.into(),
                },
            )?;
        }
        Some(user) if !user.active || !verify_password(&user.password_hash, password) => {
            let user = medicloud_core::domain::StaffUser {
                active: true,
                password_hash: hash_password(password),
                ..user
            };
            node.store
                .write(|w| w.append(Actor::System, EventBody::StaffSet(user)))?;
        }
        Some(_) => {}
    }
    Ok(())
}
