//! OAuth 2.0 for the chain's other systems: API clients, the scopes they hold, and the
//! access tokens (JWT, signed by the cloud's key set with its own audience, so an HQ
//! staff token is no API token and the reverse) that every `/fhir/r4` request carries.
//!
//! A client is made by the chain admin for named clinics and scopes (`medicloud
//! cloud-admin api-client-add`). Scopes are SMART's system scopes:
//! `system/{Type|*}.{read|write|*}`, and the SMART v2 letters
//! `system/{Type|*}.{c,r,u,d,s}` (`r` and `s` read, `c`, `u` and `d` write).
//!
//! Every request's [`Grant`] is taken from its bearer token ([`Grant`]'s extractor);
//! each handler then asks [`Grant::check`] for the resource type, the access and the
//! clinic it touches, and puts each read of patient data on the audit trail
//! ([`audit_read`]).

use crate::api::State;
use crate::fhir::{IssueType, Outcome};
use crate::hq::keys::{ISSUER, KeyError, KeySet, Refused, VerifyError};
use crate::storage::ApiClientStorage;
use crate::storage::api_clients::{AddClient, ApiClient, ApiRead};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use medicloud_core::ids::ClinicId;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// The audience of API clients' access tokens.
pub const AUDIENCE: &str = "medicloud-fhir";
/// How long an access token lives.
pub const ACCESS_TTL: Duration = Duration::from_secs(300);

pub mod token;

/// Reading or writing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Access {
    /// read and search.
    Read,
    /// create, update, cancel, book.
    Write,
}

/// One system scope: a resource type (or every one) and what may be done to it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    /// The resource type, `None` for `*`.
    pub resource: Option<String>,
    /// Whether it may read.
    pub read: bool,
    /// Whether it may write.
    pub write: bool,
}

/// A scope that does not read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a system scope: use system/Type.read, system/Type.write, system/*.read, \
     or SMART v2's letters (system/Type.rs)"
)]
pub struct BadScope(pub String);

impl std::str::FromStr for Scope {
    type Err = BadScope;

    fn from_str(text: &str) -> Result<Self, BadScope> {
        let bad = || BadScope(text.to_owned());
        let rest = text.strip_prefix("system/").ok_or_else(bad)?;
        let (resource, access) = rest.split_once('.').ok_or_else(bad)?;
        let resource = match resource {
            "*" => None,
            r if !r.is_empty()
                && r.starts_with(|c: char| c.is_ascii_uppercase())
                && r.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                Some(r.to_owned())
            }
            _ => return Err(bad()),
        };
        let (read, write) = match access {
            "read" => (true, false),
            "write" => (false, true),
            "*" => (true, true),
            letters
                if !letters.is_empty()
                    && letters.chars().all(|c| "cruds".contains(c))
                    // SMART v2: the letters in order, each at most once.
                    && letters.chars().collect::<Vec<_>>().windows(2).all(|w| {
                        "cruds".find(w[0]) < "cruds".find(w[1])
                    }) =>
            {
                (
                    letters.contains(['r', 's']),
                    letters.contains(['c', 'u', 'd']),
                )
            }
            _ => return Err(bad()),
        };
        Ok(Scope {
            resource,
            read,
            write,
        })
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let access = match (self.read, self.write) {
            (true, true) => "*",
            (true, false) => "read",
            _ => "write",
        };
        write!(
            f,
            "system/{}.{access}",
            self.resource.as_deref().unwrap_or("*")
        )
    }
}

/// `scopes` as a token's `scope` says them: space-separated.
pub fn joined(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(Scope::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

impl Scope {
    /// Whether this scope lets `access` to `resource`.
    pub fn allows(&self, resource: &str, access: Access) -> bool {
        self.resource.as_deref().is_none_or(|r| r == resource)
            && match access {
                Access::Read => self.read,
                Access::Write => self.write,
            }
    }
}

/// What a request's client may do: taken from its access token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The client's id.
    pub client: String,
    /// The clinics it may reach.
    pub clinics: Vec<ClinicId>,
    /// What it may do there.
    pub scopes: Vec<Scope>,
}

impl Grant {
    /// Whether a scope lets `access` to `resource` (in some clinic).
    pub fn may(&self, resource: &str, access: Access) -> bool {
        self.scopes.iter().any(|s| s.allows(resource, access))
    }

    /// 403 unless a scope lets `access` to `resource`.
    pub fn require(&self, resource: &str, access: Access) -> Result<(), Outcome> {
        if self.may(resource, access) {
            return Ok(());
        }
        let needed = Scope {
            resource: Some(resource.to_owned()),
            read: access == Access::Read,
            write: access == Access::Write,
        };
        Err(refusal(
            StatusCode::FORBIDDEN,
            format!("this client's scopes do not include {needed}"),
            format!(r#"Bearer error="insufficient_scope", scope="{needed}""#),
        ))
    }

    /// Whether the client may reach `clinic`.
    pub fn reaches(&self, clinic: ClinicId) -> bool {
        self.clinics.contains(&clinic)
    }

    /// 403 unless a scope lets `access` to `resource` and the client reaches `clinic`.
    pub fn check(&self, resource: &str, access: Access, clinic: ClinicId) -> Result<(), Outcome> {
        self.require(resource, access)?;
        if self.reaches(clinic) {
            return Ok(());
        }
        Err(refusal(
            StatusCode::FORBIDDEN,
            "this client is not granted that clinic".into(),
            r#"Bearer error="insufficient_scope""#.into(),
        ))
    }
}

fn refusal(status: StatusCode, diagnostics: String, challenge: String) -> Outcome {
    Outcome {
        challenge: HeaderValue::from_str(&challenge).ok(),
        ..Outcome::new(status, IssueType::Security, diagnostics)
    }
}

/// The claims of an API client's access token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientClaims {
    /// `medicloud-hq`, the cloud.
    pub iss: String,
    /// [`AUDIENCE`].
    pub aud: String,
    /// The client's id.
    pub sub: String,
    /// The scopes granted, space-separated.
    pub scope: String,
    /// The clinics granted.
    pub clinics: Vec<ClinicId>,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// A random token id.
    pub jti: String,
}

/// An access token for `grant`, living `ttl`.
pub async fn mint(keys: &KeySet, grant: &Grant, ttl: Duration) -> Result<String, KeyError> {
    let now = chrono::Utc::now().timestamp();
    let claims = ClientClaims {
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        sub: grant.client.clone(),
        scope: joined(&grant.scopes),
        clinics: grant.clinics.clone(),
        iat: now,
        exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
        jti: format!("{:032x}", rand::random::<u128>()),
    };
    keys.sign(&claims).await
}

impl FromRequestParts<State> for Grant {
    type Rejection = Outcome;

    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, Outcome> {
        let realm = r#"Bearer realm="medicloud-fhir""#;
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                refusal(
                    StatusCode::UNAUTHORIZED,
                    "send an access token from POST /oauth/token as Authorization: Bearer".into(),
                    realm.into(),
                )
            })?;
        let invalid = |why: &str| {
            refusal(
                StatusCode::UNAUTHORIZED,
                why.into(),
                format!(r#"{realm}, error="invalid_token", error_description="{why}""#),
            )
        };
        let claims: ClientClaims = match state.hq.keys.verify_for(token, AUDIENCE).await {
            Ok(claims) => claims,
            Err(VerifyError::Refused(Refused::Expired)) => {
                return Err(invalid("the access token expired"));
            }
            Err(VerifyError::Refused(Refused::Invalid)) => {
                return Err(invalid("the access token is not valid"));
            }
            Err(VerifyError::Keys(e)) => {
                tracing::error!(error = %e, "the key set could not be read");
                return Err(Outcome::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    IssueType::Exception,
                    "the cloud could not check the token; try again",
                ));
            }
        };
        if !state.storage.api_client_live(&claims.sub).await? {
            return Err(invalid("the client is disabled"));
        }
        let scopes = claims
            .scope
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<Vec<Scope>, _>>()
            .map_err(|_| invalid("the access token is not valid"))?;
        Ok(Grant {
            client: claims.sub,
            clinics: claims.clinics,
            scopes,
        })
    }
}

/// A client made: its id, and its secret when it authenticates with one (shown once:
/// only its SHA-256 is kept).
#[derive(Clone, PartialEq, Eq)]
pub struct NewClient {
    /// The client id.
    pub id: String,
    /// The client secret, unless the client signs assertions.
    pub secret: Option<String>,
}

impl fmt::Debug for NewClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewClient")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Why a client was not made.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// What was asked does not make a client.
    #[error("{0}; nothing was added")]
    Invalid(String),
    /// Another client has the name.
    #[error("a client named {0:?} exists already; nothing was added")]
    NameTaken(String),
    /// A clinic named does not exist.
    #[error("no clinic with id {0} (medicloud cloud-admin clinic-add); nothing was added")]
    UnknownClinic(ClinicId),
    /// The database.
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
}

/// Makes an API client named `name` for `clinics` and `scopes`. With `jwks` (a JWKS
/// document of its public keys) it authenticates by signed assertions; without, by a
/// new random secret, returned once.
pub async fn add_client(
    storage: &impl ApiClientStorage,
    name: &str,
    clinics: Vec<ClinicId>,
    scopes: &[Scope],
    jwks: Option<String>,
) -> Result<NewClient, ClientError> {
    let name = medicloud_core::validate::line("name", name, 1..=120)
        .map_err(|e| ClientError::Invalid(e.to_string()))?;
    if clinics.is_empty() {
        return Err(ClientError::Invalid(
            "a client reaches the clinics given with --clinic: give at least one".into(),
        ));
    }
    if scopes.is_empty() {
        return Err(ClientError::Invalid(
            "a client needs at least one --scope (system/Patient.read, …)".into(),
        ));
    }
    if let Some(jwks) = &jwks {
        let keys: jsonwebtoken::jwk::JwkSet = serde_json::from_str(jwks)
            .map_err(|e| ClientError::Invalid(format!("the JWKS does not read: {e}")))?;
        if keys.keys.is_empty() {
            return Err(ClientError::Invalid("the JWKS holds no key".into()));
        }
        if let Some(bad) = keys
            .keys
            .iter()
            .find(|k| jsonwebtoken::DecodingKey::from_jwk(k).is_err())
        {
            return Err(ClientError::Invalid(format!(
                "the JWKS key {:?} is not a public key this cloud can check",
                bad.common.key_id
            )));
        }
    }
    let id = format!("mca_{:024x}", rand::random::<u128>() >> 32);
    let secret = jwks
        .is_none()
        .then(|| format!("mcs_{}", crate::api::secret()));
    let added = storage
        .add_api_client(ApiClient {
            id: id.clone(),
            name: name.to_owned(),
            secret_sha256: secret.as_deref().map(token::secret_sha256),
            jwks,
            scopes: joined(scopes),
            clinics,
            disabled: false,
            created_ms: crate::api::now_ms(),
        })
        .await?;
    match added {
        AddClient::Added => Ok(NewClient { id, secret }),
        AddClient::NameTaken => Err(ClientError::NameTaken(name.to_owned())),
        AddClient::UnknownClinic(c) => Err(ClientError::UnknownClinic(c)),
    }
}

/// Puts a client's read of patient data on the audit trail: which client, which
/// clinic, which resources (by type and id: never their content). Nothing read is
/// answered unless the trail took it.
pub async fn audit_read(
    state: &State,
    grant: &Grant,
    clinic: ClinicId,
    resource: &str,
    ids: &[String],
) -> Result<(), Outcome> {
    if ids.is_empty() {
        return Ok(());
    }
    state
        .storage
        .record_api_reads(vec![ApiRead {
            at_ms: crate::api::now_ms(),
            client: grant.client.clone(),
            clinic,
            resource: resource.to_owned(),
            ids: ids.join(" "),
        }])
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_as_smart_writes_them() {
        let cases = [
            ("system/Patient.read", Some("Patient"), true, false),
            ("system/Appointment.write", Some("Appointment"), false, true),
            ("system/*.read", None, true, false),
            ("system/*.*", None, true, true),
            ("system/Slot.rs", Some("Slot"), true, false),
            ("system/Appointment.cu", Some("Appointment"), false, true),
            ("system/Appointment.cruds", Some("Appointment"), true, true),
        ];
        for (text, resource, read, write) in cases {
            let scope: Scope = text.parse().unwrap();
            assert_eq!(
                (scope.resource.as_deref(), scope.read, scope.write),
                (resource, read, write),
                "{text}"
            );
        }
        for bad in [
            "patient/Patient.read",
            "system/Patient",
            "system/patient.read",
            "system/Patient.sr",
            "system/Patient.rr",
            "system/.read",
            "system/Patient.x",
        ] {
            assert!(bad.parse::<Scope>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_grant_allows_only_its_scopes_and_clinics() {
        let clinic = ClinicId::random();
        let grant = Grant {
            client: "c".into(),
            clinics: vec![clinic],
            scopes: vec!["system/Patient.read".parse().unwrap()],
        };
        assert!(grant.check("Patient", Access::Read, clinic).is_ok());
        let denied = grant.check("Patient", Access::Write, clinic).unwrap_err();
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
        assert!(denied.diagnostics.contains("system/Patient.write"));
        assert!(grant.check("Appointment", Access::Read, clinic).is_err());
        assert!(
            grant
                .check("Patient", Access::Read, ClinicId::random())
                .is_err()
        );
    }
}
