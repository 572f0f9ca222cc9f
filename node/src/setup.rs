//! First-start set-up shared by `medicloud node` and `medicloud demo`: the clinic, its
//! services and counters, and staff accounts whose passwords come from the operator.

use crate::auth::{check_password_policy, hash_password, verify_password};
use crate::error::Result;
use crate::ops::Node;
use crate::store::query;
use medicloud_core::domain::{StaffRole, StaffUser};
use medicloud_core::event::{Actor, EventBody};
use medicloud_core::ids::UserId;
use rand::Rng;

/// A random password of 16 letters and digits.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679";
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Makes sure the account exists, is active, and has `password`. A missing account is
/// created with `id`: the demo passes fixed ids, so two demo nodes that sync hold one
/// account per username, not two.
pub fn ensure_staff(
    node: &Node,
    id: UserId,
    username: &str,
    display_name: &str,
    role: StaffRole,
    password: &str,
) -> Result<()> {
    check_password_policy(username, password)?;
    let existing = node
        .store()
        .read(query::staff)?
        .into_iter()
        .find(|u| u.username == username);
    let user = match existing {
        None => StaffUser {
            id,
            username: username.into(),
            display_name: display_name.into(),
            role,
            password_hash: hash_password(password),
            active: true,
            must_change_password: false,
        },
        Some(user) if !user.active || !verify_password(&user.password_hash, password) => {
            StaffUser {
                active: true,
                password_hash: hash_password(password),
                must_change_password: false,
                ..user
            }
        }
        Some(_) => return Ok(()),
    };
    let (_, events) = node
        .store()
        .write(|w| w.append(Actor::System, EventBody::StaffSet(user)))?;
    node.publish(&events);
    Ok(())
}
