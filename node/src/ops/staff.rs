//! Staff accounts after they are made: edits, disabling, password resets and changes.
//! The clinic always keeps an active admin, and an admin never locks themself out.

use super::Node;
use super::admin::{StaffView, staff_view};
use crate::auth::{check_password_policy, hash_password, verify_password};
use crate::error::{Error, Result};
use crate::store::query;
use medicloud_core::domain::{StaffRole, StaffUser};
use medicloud_core::error_code::ErrorCode;
use medicloud_core::event::{Actor, EventBody};
use medicloud_core::i18n::Text;
use medicloud_core::ids::UserId;
use medicloud_core::validate;
use rand::Rng;
use serde::Deserialize;
use utoipa::ToSchema;

/// What an admin changes about an account; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffChange {
    /// Name shown on screens (1–100 characters, trimmed).
    pub name: Option<String>,
    /// Role.
    pub role: Option<StaffRole>,
    /// `false` disables the account (it cannot log in and its sessions end at once);
    /// `true` enables it again.
    pub active: Option<bool>,
}

/// Characters of a temporary password: no look-alikes (0/o, 1/l/i).
const TEMPORARY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A temporary password: four groups of four, e.g. `k7mq-x3rt-9wpa-e4hn`, that the
/// password policy accepts for `username`.
fn temporary_password(username: &str) -> String {
    let mut rng = rand::thread_rng();
    loop {
        let groups: Vec<String> = (0..4)
            .map(|_| {
                (0..4)
                    .map(|_| {
                        char::from(TEMPORARY_ALPHABET[rng.gen_range(0..TEMPORARY_ALPHABET.len())])
                    })
                    .collect()
            })
            .collect();
        let password = groups.join("-");
        if check_password_policy(username, &password).is_ok() {
            return password;
        }
    }
}

impl Node {
    /// Changes an account's name, role or whether it is active, on `actor`'s behalf.
    /// Refused (`own_account`) when an admin disables or demotes their own account, and
    /// (`last_admin`) when no active admin would be left.
    pub fn update_staff(&self, actor: Actor, id: UserId, change: StaffChange) -> Result<StaffView> {
        let name = change
            .name
            .map(|n| validate::line("name", &n, 1..=100))
            .transpose()?;
        let (user, events) = self.store.write(|w| {
            let staff = query::staff(w.conn())?;
            let old = staff
                .iter()
                .find(|u| u.id == id)
                .cloned()
                .ok_or(Error::NotFound { what: "user" })?;
            let user = StaffUser {
                display_name: name.clone().unwrap_or_else(|| old.display_name.clone()),
                role: change.role.unwrap_or(old.role),
                active: change.active.unwrap_or(old.active),
                ..old.clone()
            };
            let loses_admin = old.active
                && old.role == StaffRole::Admin
                && (!user.active || user.role != StaffRole::Admin);
            if loses_admin && actor == Actor::Staff(id) {
                return Err(Error::conflict(
                    ErrorCode::OwnAccount,
                    Text::new(
                        "Anda tidak bisa menonaktifkan atau menurunkan peran akun Anda sendiri; admin lain bisa.",
                        "you cannot disable or demote your own account; another admin can",
                    ),
                ));
            }
            let admins_left = staff
                .iter()
                .filter(|u| u.id != id && u.active && u.role == StaffRole::Admin)
                .count();
            if loses_admin && admins_left == 0 {
                return Err(Error::conflict(
                    ErrorCode::LastAdmin,
                    ErrorCode::LastAdmin.text(),
                ));
            }
            if user != old {
                w.append(actor, EventBody::StaffSet(user.clone()))?;
            }
            Ok(user)
        })?;
        self.publish(&events);
        Ok(staff_view(user))
    }

    /// Gives an account a new temporary password, returned this once: the next login
    /// with it may only choose a new password. Not one's own (`own_account`): that is a
    /// password change.
    pub fn reset_password(&self, actor: Actor, id: UserId) -> Result<(StaffView, String)> {
        if actor == Actor::Staff(id) {
            return Err(Error::conflict(
                ErrorCode::OwnAccount,
                Text::new(
                    "Ganti kata sandi Anda sendiri dengan POST /api/v1/auth/password.",
                    "change your own password with POST /api/v1/auth/password",
                ),
            ));
        }
        let ((user, password), events) = self.store.write(|w| {
            let old = query::staff(w.conn())?
                .into_iter()
                .find(|u| u.id == id)
                .ok_or(Error::NotFound { what: "user" })?;
            let password = temporary_password(&old.username);
            let user = StaffUser {
                password_hash: hash_password(&password),
                must_change_password: true,
                ..old
            };
            w.append(actor, EventBody::StaffSet(user.clone()))?;
            Ok((user, password))
        })?;
        self.publish(&events);
        Ok((staff_view(user), password))
    }

    /// The account's own password change: `current` must be right and `new` follow the
    /// password policy and differ from it. Clears a reset's must-change mark.
    pub fn change_password(&self, id: UserId, current: &str, new: &str) -> Result<StaffView> {
        let user = self
            .store
            .read(query::staff)?
            .into_iter()
            .find(|u| u.id == id && u.active)
            .ok_or(Error::NotFound { what: "user" })?;
        if !verify_password(&user.password_hash, current) {
            return Err(Error::conflict(
                ErrorCode::WrongPassword,
                ErrorCode::WrongPassword.text(),
            ));
        }
        check_password_policy(&user.username, new)?;
        if new == current {
            return Err(
                validate::ValidationError::new("new", validate::Rule::PasswordUnchanged).into(),
            );
        }
        let hash = hash_password(new);
        let (user, events) = self.store.write(|w| {
            let old = query::staff(w.conn())?
                .into_iter()
                .find(|u| u.id == id)
                .ok_or(Error::NotFound { what: "user" })?;
            let user = StaffUser {
                password_hash: hash.clone(),
                must_change_password: false,
                ..old
            };
            w.append(Actor::Staff(id), EventBody::StaffSet(user.clone()))?;
            Ok(user)
        })?;
        self.publish(&events);
        Ok(staff_view(user))
    }

    /// The account with `id`, if there is one.
    pub fn staff_user(&self, id: UserId) -> Result<Option<StaffView>> {
        Ok(self
            .store
            .read(query::staff)?
            .into_iter()
            .find(|u| u.id == id)
            .map(staff_view))
    }
}
