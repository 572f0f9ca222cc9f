//! `POST /oauth/token`: the client credentials grant (RFC 6749 §4.4), the client
//! authenticated by its secret (`client_secret_basic` or `client_secret_post`) or by a
//! JWT it signed with a key of its registered JWKS (`private_key_jwt`, RFC 7523, as
//! SMART Backend Services asks: RS384 or ES384, `iss` = `sub` = the client id, `aud`
//! the token URL, at most five minutes to live, each `jti` once).
//!
//! The token URL an assertion must name is `{--public-url}/oauth/token` when the cloud
//! has a public URL, else `http(s)://{Host}/oauth/token` as the request reached it.

use super::{ACCESS_TTL, Grant, Scope, mint};
use crate::api::State;
use crate::storage::ApiClientStorage;
use crate::storage::api_clients::ApiClient;
use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State as Extract};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// The path of the token endpoint.
pub const PATH: &str = "/oauth/token";
/// `client_assertion_type` of a signed JWT.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The longest an assertion may live (SMART: five minutes).
const ASSERTION_MAX_SECS: i64 = 300;
/// The algorithms an assertion may be signed with.
const ASSERTION_ALGORITHMS: [Algorithm; 4] = [
    Algorithm::RS384,
    Algorithm::ES384,
    Algorithm::RS256,
    Algorithm::ES256,
];

/// A token request (`application/x-www-form-urlencoded`).
#[derive(Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `client_credentials`.
    pub grant_type: Option<String>,
    /// The scopes wanted, space-separated; none: every scope the client holds.
    pub scope: Option<String>,
    /// The client id (`client_secret_post`).
    pub client_id: Option<String>,
    /// The client secret (`client_secret_post`).
    pub client_secret: Option<String>,
    /// `urn:ietf:params:oauth:client-assertion-type:jwt-bearer` (`private_key_jwt`).
    pub client_assertion_type: Option<String>,
    /// The signed JWT (`private_key_jwt`).
    pub client_assertion: Option<String>,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("grant_type", &self.grant_type)
            .field("scope", &self.scope)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// An access token issued.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// The JWT to send as `Authorization: Bearer`.
    pub access_token: String,
    /// `bearer`.
    pub token_type: String,
    /// Seconds it lives.
    pub expires_in: u64,
    /// The scopes granted, space-separated.
    pub scope: String,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// A refusal as RFC 6749 §5.2 words it: `{error, error_description}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenError {
    /// `invalid_request`, `invalid_client`, `unsupported_grant_type`, `invalid_scope`,
    /// or `temporarily_unavailable`.
    pub error: &'static str,
    /// What was wrong.
    pub error_description: String,
    #[serde(skip)]
    status: StatusCode,
    #[serde(skip)]
    basic: bool,
}

impl TokenError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            error_description: description.into(),
            status,
            basic: false,
        }
    }

    fn request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    fn client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let (status, basic) = (self.status, self.basic);
        let mut response = (status, Json(self)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if basic && status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Basic realm="medicloud-fhir""#),
            );
        }
        response
    }
}

impl From<crate::storage::StorageError> for TokenError {
    fn from(err: crate::storage::StorageError) -> Self {
        tracing::error!(error = %err, "storage failure");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "the cloud database could not answer; try again",
        )
    }
}

/// How the client proved who it is.
enum Proof {
    Secret(String, String, bool),
    Assertion(String),
}

/// SHA-256 of `text`, hex: how client secrets are stored.
pub fn secret_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn basic(headers: &HeaderMap) -> Option<Result<(String, String), TokenError>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let bad = || TokenError::client("the Basic credentials do not read as client_id:client_secret");
    Some(
        base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|text| {
                let (id, secret) = text.split_once(':')?;
                Some((id.to_owned(), secret.to_owned()))
            })
            .ok_or_else(bad),
    )
}

fn proof(headers: &HeaderMap, form: &TokenRequest) -> Result<Proof, TokenError> {
    let basic = basic(headers).transpose()?;
    let posted = form.client_secret.is_some();
    let asserted = form.client_assertion.is_some() || form.client_assertion_type.is_some();
    if usize::from(basic.is_some()) + usize::from(posted) + usize::from(asserted) > 1 {
        return Err(TokenError::request(
            "authenticate the client one way only: Basic, client_secret, or client_assertion",
        ));
    }
    if let Some((id, secret)) = basic {
        return Ok(Proof::Secret(id, secret, true));
    }
    if let Some(secret) = &form.client_secret {
        let id = form
            .client_id
            .clone()
            .ok_or_else(|| TokenError::request("client_secret needs client_id"))?;
        return Ok(Proof::Secret(id, secret.clone(), false));
    }
    if asserted {
        if form.client_assertion_type.as_deref() != Some(JWT_BEARER) {
            return Err(TokenError::request(format!(
                "client_assertion_type must be {JWT_BEARER}"
            )));
        }
        let assertion = form
            .client_assertion
            .clone()
            .ok_or_else(|| TokenError::request("client_assertion is missing"))?;
        return Ok(Proof::Assertion(assertion));
    }
    Err(TokenError::client(
        "authenticate the client: Basic credentials, client_id and client_secret, or a \
         signed client_assertion",
    ))
}

/// The claims of a client's assertion.
#[derive(Deserialize)]
struct Assertion {
    iss: String,
    sub: String,
    exp: i64,
    jti: String,
}

/// The `iss` of an assertion, read before its signature is checked (to find the keys).
fn asserted_client(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&raw).ok()?;
    value["iss"].as_str().map(str::to_owned)
}

fn token_urls(state: &State, headers: &HeaderMap) -> Vec<String> {
    if let Some(public) = &state.hq.public_url {
        return vec![format!("{}{PATH}", public.trim_end_matches('/'))];
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    ["https", "http"]
        .iter()
        .map(|scheme| format!("{scheme}://{host}{PATH}"))
        .collect()
}

async fn check_assertion(
    state: &State,
    client: &ApiClient,
    token: &str,
    audiences: &[String],
) -> Result<(), TokenError> {
    let refused = |why: &str| TokenError::client(format!("the client assertion is refused: {why}"));
    let jwks: JwkSet = client
        .jwks
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .ok_or_else(|| refused("this client has no public keys registered"))?;
    let header = jsonwebtoken::decode_header(token).map_err(|_| refused("not a JWT"))?;
    if !ASSERTION_ALGORITHMS.contains(&header.alg) {
        return Err(refused("sign it with RS384 or ES384"));
    }
    let jwk = match &header.kid {
        Some(kid) => jwks.find(kid),
        None if jwks.keys.len() == 1 => jwks.keys.first(),
        None => None,
    }
    .ok_or_else(|| refused("no registered key has its kid"))?;
    let key =
        DecodingKey::from_jwk(jwk).map_err(|_| refused("the registered key does not read"))?;
    let mut validation = Validation::new(header.alg);
    validation.leeway = 5;
    validation.set_audience(audiences);
    validation.set_issuer(&[&client.id]);
    validation.set_required_spec_claims(&["exp", "iss", "sub", "aud", "jti"]);
    let claims = jsonwebtoken::decode::<Assertion>(token, &key, &validation)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => refused("it expired"),
            jsonwebtoken::errors::ErrorKind::InvalidAudience => {
                refused("its aud is not this token URL")
            }
            _ => refused("its signature or claims do not check"),
        })?
        .claims;
    let now = chrono::Utc::now().timestamp();
    if claims.sub != claims.iss {
        return Err(refused("sub must be the client id, as iss"));
    }
    if claims.exp > now + ASSERTION_MAX_SECS {
        return Err(refused("it may live five minutes at most"));
    }
    if !state
        .storage
        .take_assertion(&client.id, &claims.jti, claims.exp * 1000, now * 1000)
        .await?
    {
        return Err(refused("its jti was used before"));
    }
    Ok(())
}

/// The scopes granted for `wanted` of `held`: all of `held` for none, else each wanted
/// one that `held` covers (`invalid_scope` for one it does not).
fn granted(held: &[Scope], wanted: Option<&str>) -> Result<Vec<Scope>, TokenError> {
    let Some(wanted) = wanted.filter(|w| !w.trim().is_empty()) else {
        return Ok(held.to_vec());
    };
    wanted
        .split_whitespace()
        .map(|text| {
            let scope: Scope = text.parse().map_err(|e: super::BadScope| {
                TokenError::new(StatusCode::BAD_REQUEST, "invalid_scope", e.to_string())
            })?;
            let covered = |read: bool, write: bool| {
                held.iter().any(|h| {
                    (h.resource.is_none() || h.resource == scope.resource)
                        && (!read || h.read)
                        && (!write || h.write)
                })
            };
            if covered(scope.read, scope.write) {
                Ok(scope)
            } else {
                Err(TokenError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    format!("this client is not granted {scope}"),
                ))
            }
        })
        .collect()
}

/// Client credentials: an access token (JWT, five minutes) for the scopes asked of
/// those the client holds, to the clinics it is granted. The client authenticates with
/// its secret (HTTP Basic, or `client_id` and `client_secret` in the form) or with a
/// JWT signed by a key of its registered JWKS (`client_assertion`, SMART Backend
/// Services).
#[utoipa::path(post, path = "/oauth/token", tag = "oauth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = TokenResponse),
        (status = 400, description = "`invalid_request`, `unsupported_grant_type`, `invalid_scope`", body = TokenError),
        (status = 401, description = "`invalid_client`: unknown, disabled, a wrong secret or a refused assertion", body = TokenError),
    ))]
pub(crate) async fn token(
    Extract(state): Extract<State>,
    headers: HeaderMap,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Result<Response, TokenError> {
    let Form(form) = form.map_err(|e| {
        TokenError::request(format!(
            "send an application/x-www-form-urlencoded body ({})",
            e.body_text()
        ))
    })?;
    let proof = proof(&headers, &form)?;
    if form.grant_type.as_deref() != Some("client_credentials") {
        return Err(TokenError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "this server grants client_credentials only",
        ));
    }
    let unknown = |basic: bool| TokenError {
        basic,
        ..TokenError::client("no such client, a disabled one, or a wrong secret")
    };
    let client = match &proof {
        Proof::Secret(id, secret, basic) => {
            let client = state
                .storage
                .api_client(id)
                .await?
                .filter(|c| !c.disabled)
                .ok_or_else(|| unknown(*basic))?;
            let right = client
                .secret_sha256
                .as_deref()
                .is_some_and(|hash| same(hash, &secret_sha256(secret)));
            if !right {
                return Err(unknown(*basic));
            }
            client
        }
        Proof::Assertion(assertion) => {
            let id = asserted_client(assertion)
                .ok_or_else(|| TokenError::client("the client assertion names no iss"))?;
            if form.client_id.as_ref().is_some_and(|c| *c != id) {
                return Err(TokenError::client("client_id is not the assertion's iss"));
            }
            let client = state
                .storage
                .api_client(&id)
                .await?
                .filter(|c| !c.disabled)
                .ok_or_else(|| unknown(false))?;
            check_assertion(&state, &client, assertion, &token_urls(&state, &headers)).await?;
            client
        }
    };
    let held = client
        .scopes
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect::<Vec<Scope>>();
    let scopes = granted(&held, form.scope.as_deref())?;
    let grant = Grant {
        client: client.id.clone(),
        clinics: client.clinics.clone(),
        scopes,
    };
    let access_token = mint(&state.hq.keys, &grant, ACCESS_TTL)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "the key set could not sign");
            TokenError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "the cloud could not sign a token; try again",
            )
        })?;
    tracing::info!(client = %client.id, "issued an API access token");
    let body = TokenResponse {
        access_token,
        token_type: "bearer".into(),
        expires_in: ACCESS_TTL.as_secs(),
        scope: super::joined(&grant.scopes),
    };
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(text: &str) -> Vec<Scope> {
        text.split_whitespace()
            .map(|s| s.parse().unwrap())
            .collect()
    }

    #[test]
    fn a_token_grants_only_scopes_the_client_holds() {
        let held = scopes("system/Patient.read system/Appointment.*");
        assert_eq!(granted(&held, None).unwrap(), held);
        assert_eq!(
            granted(&held, Some("system/Appointment.write")).unwrap(),
            scopes("system/Appointment.write")
        );
        for refused in [
            "system/Patient.write",
            "system/*.read",
            "system/Slot.read",
            "nonsense",
        ] {
            let err = granted(&held, Some(refused)).unwrap_err();
            assert_eq!(err.error, "invalid_scope", "{refused}");
        }
        assert!(granted(&scopes("system/*.read"), Some("system/Slot.read")).is_ok());
    }
}
