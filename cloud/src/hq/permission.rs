//! Who is asking at `/hq`, and what they may do: the chain staff's roles, the caller
//! behind a request ([`HqCaller`]) and the one table of permissions ([`HqRole::may`]),
//! with clinic scoping ([`HqCaller::require`]).

use medicloud_core::ids::ClinicId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A chain staff member's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HqRole {
    /// The chain's administrator: every clinic, every figure, the staff accounts.
    ChainAdmin,
    /// A manager of the clinics listed on the account, and only those.
    ClinicManager,
    /// Reads the audit trail of every clinic, without patient names; nothing else.
    Auditor,
}

impl HqRole {
    /// Every role.
    pub const ALL: [HqRole; 3] = [HqRole::ChainAdmin, HqRole::ClinicManager, HqRole::Auditor];

    /// As stored and sent: `chain_admin`, `clinic_manager`, `auditor`.
    pub fn as_str(self) -> &'static str {
        match self {
            HqRole::ChainAdmin => "chain_admin",
            HqRole::ClinicManager => "clinic_manager",
            HqRole::Auditor => "auditor",
        }
    }

    /// The role spelt `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// Whether the role is scoped to the clinics listed on the account.
    pub fn scoped(self) -> bool {
        self == HqRole::ClinicManager
    }

    /// The permission table: the one place that says which role may do what.
    pub fn may(self, action: HqAction) -> bool {
        use HqAction::*;
        match self {
            HqRole::ChainAdmin => true,
            HqRole::ClinicManager => matches!(
                action,
                OwnAccount | SeeClinics | SeeClinic | ReadReports | SeePatientNames
            ),
            HqRole::Auditor => matches!(action, OwnAccount | ReadAudit),
        }
    }
}

impl std::fmt::Display for HqRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something a chain staff member may be allowed to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HqAction {
    /// Read one's own account (`GET /hq/v1/me`), log out.
    OwnAccount,
    /// The chain overview: the clinics (a manager sees its own).
    SeeClinics,
    /// One clinic's queues, day and devices.
    SeeClinic,
    /// A clinic's reports and their exports.
    ReadReports,
    /// The audit trail.
    ReadAudit,
    /// Patient names wherever they appear (the audit trail without this: names left out).
    SeePatientNames,
    /// The chain staff's accounts.
    ManageAccounts,
}

impl HqAction {
    /// Every action (for the tables that test them).
    pub const ALL: [HqAction; 7] = [
        HqAction::OwnAccount,
        HqAction::SeeClinics,
        HqAction::SeeClinic,
        HqAction::ReadReports,
        HqAction::ReadAudit,
        HqAction::SeePatientNames,
        HqAction::ManageAccounts,
    ];
}

/// The chain staff member behind a request, from its verified access token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HqCaller {
    /// The login name.
    pub username: String,
    /// The role.
    pub role: HqRole,
    /// The clinics on the account (a `clinic_manager`'s scope).
    pub clinics: Vec<ClinicId>,
    /// The refresh chain (login) the token belongs to.
    pub chain: String,
    /// When the token expires (seconds since the epoch): a live stream ends then.
    pub expires_at: i64,
}

/// Why a caller may not do something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HqDenied {
    /// The role may not do this anywhere.
    #[error("your role may not do this")]
    Role,
    /// The role may, but not for this clinic: it is not on the account.
    #[error("this clinic is not on your account")]
    Clinic,
}

impl HqCaller {
    /// Whether the caller may do `action` in `clinic` (`None`: chain-wide, e.g. a list
    /// that [`HqCaller::sees`] then filters).
    pub fn require(&self, action: HqAction, clinic: Option<ClinicId>) -> Result<(), HqDenied> {
        if !self.role.may(action) {
            return Err(HqDenied::Role);
        }
        match clinic {
            Some(clinic) if !self.sees(clinic) => Err(HqDenied::Clinic),
            _ => Ok(()),
        }
    }

    /// Whether `clinic` is within the caller's scope (every clinic, unless the role is
    /// scoped to the account's clinics).
    pub fn sees(&self, clinic: ClinicId) -> bool {
        !self.role.scoped() || self.clinics.contains(&clinic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use HqAction::*;

    fn caller(role: HqRole, clinics: &[ClinicId]) -> HqCaller {
        HqCaller {
            username: "u".into(),
            role,
            clinics: clinics.to_vec(),
            chain: "c".into(),
            expires_at: 0,
        }
    }

    /// The whole table, written out: role × action → allowed.
    #[test]
    fn the_permission_table() {
        #[rustfmt::skip]
        let table: &[(HqAction, bool, bool, bool)] = &[
            //                 chain_admin, clinic_manager, auditor
            (OwnAccount,       true,  true,  true),
            (SeeClinics,       true,  true,  false),
            (SeeClinic,        true,  true,  false),
            (ReadReports,      true,  true,  false),
            (ReadAudit,        true,  false, true),
            (SeePatientNames,  true,  true,  false),
            (ManageAccounts,   true,  false, false),
        ];
        assert_eq!(table.len(), HqAction::ALL.len());
        for (action, admin, manager, auditor) in table {
            assert_eq!(HqRole::ChainAdmin.may(*action), *admin, "{action:?}");
            assert_eq!(HqRole::ClinicManager.may(*action), *manager, "{action:?}");
            assert_eq!(HqRole::Auditor.may(*action), *auditor, "{action:?}");
        }
    }

    #[test]
    fn a_manager_reaches_only_the_clinics_on_its_account() {
        let (mine, other) = (ClinicId::random(), ClinicId::random());
        let manager = caller(HqRole::ClinicManager, &[mine]);
        assert_eq!(manager.require(SeeClinic, Some(mine)), Ok(()));
        assert_eq!(
            manager.require(SeeClinic, Some(other)),
            Err(HqDenied::Clinic)
        );
        assert_eq!(manager.require(ReadAudit, Some(mine)), Err(HqDenied::Role));
        let admin = caller(HqRole::ChainAdmin, &[]);
        assert_eq!(admin.require(SeeClinic, Some(other)), Ok(()));
        let auditor = caller(HqRole::Auditor, &[]);
        assert_eq!(auditor.require(ReadAudit, Some(other)), Ok(()));
        assert_eq!(auditor.require(SeeClinic, Some(other)), Err(HqDenied::Role));
    }

    #[test]
    fn roles_keep_their_strings() {
        for role in HqRole::ALL {
            assert_eq!(HqRole::parse(role.as_str()), Some(role));
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{role}\""));
        }
        assert_eq!(HqRole::parse("admin"), None);
    }
}
