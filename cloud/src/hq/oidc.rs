//! OpenID Connect login for the chain staff: the authorization code flow with PKCE
//! against one provider, configured by its issuer URL.
//!
//! 1. `GET /hq/v1/auth/oidc/start` makes a `state` (32 random bytes), a `nonce` and a
//!    PKCE verifier, keeps them in the database (the state as SHA-256; ten minutes,
//!    [`LOGIN_TTL`]), sets it in a cookie ([`STATE_COOKIE`]: `HttpOnly`, `SameSite=Lax`,
//!    for the callback's path only) and redirects the browser to the provider's
//!    authorization endpoint (`response_type=code`, `scope=openid profile email`,
//!    `code_challenge` S256).
//! 2. `GET /hq/v1/auth/oidc/callback?code&state` takes the pending login by its state in
//!    one statement (unknown, used, expired, or not the state of this browser's cookie:
//!    refused, nothing done), trades the code and
//!    the verifier at the token endpoint (`client_secret_basic`, or `_post` when that is
//!    all the provider takes), verifies the ID token (the provider's JWKS, `iss`, `aud` =
//!    the client id, `exp`, the stored `nonce`) and matches the configured claim
//!    (`preferred_username` unless told otherwise), in lower case, to the username of an
//!    existing, enabled account. Nothing is made on the fly. It then keeps a one-time
//!    handoff code (SHA-256, sixty seconds, [`HANDOFF_TTL`]) and redirects to
//!    `/hq/#login=<code>`: the tokens never travel in a URL.
//! 3. `POST /hq/v1/auth/oidc/complete {code}` uses the code up and starts the login as
//!    a password login does (`auth::start_login`, its own path): the same refresh chain, the
//!    same access token.
//!
//! Every refusal at the callback redirects to `/hq/#login_error=<code>`: `oidc_refused`
//! (the provider said no, a code it would not trade, an ID token that does not
//! verify), `oidc_login_expired`, `oidc_unknown_subject`, `oidc_provider_unavailable`.
//!
//! The discovery document (`{issuer}/.well-known/openid-configuration`, whose `issuer`
//! must be the configured one) and the JWKS are fetched when first needed and cached in
//! the replica; an ID token naming a key id the cache does not know reloads the JWKS (at
//! most every [`MIN_JWKS_RELOAD`]). Logged: the username and the method, never a code,
//! a state, a token or any other claim.

use super::HqError;
use super::auth::{self, Tokens};
use crate::api::{Body, State};
use crate::storage::accounts::AccountStorage;
use crate::storage::oidc::{OidcStorage, PendingLogin};
use axum::Json;
use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use medicloud_core::error_code::{ErrorBody, ErrorCode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use utoipa::ToSchema;

/// How long a login begun at `start` waits for its callback.
pub const LOGIN_TTL: Duration = Duration::from_secs(10 * 60);
/// How long a handoff code waits for `complete`.
pub const HANDOFF_TTL: Duration = Duration::from_secs(60);
/// The shortest time between two JWKS reloads asked for by unknown key ids.
pub const MIN_JWKS_RELOAD: Duration = Duration::from_secs(10);
/// How long a request to the provider may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);
/// How far the provider's clock may be from ours.
const LEEWAY_SECS: u64 = 60;
/// The scopes asked for.
pub const SCOPES: &str = "openid profile email";
/// Where the browser starts.
pub const START_PATH: &str = "/hq/v1/auth/oidc/start";
/// Where the provider sends the browser back.
pub const CALLBACK_PATH: &str = "/hq/v1/auth/oidc/callback";
/// The ID token signature algorithms taken (never `none`, never HMAC).
const ALGORITHMS: [Algorithm; 8] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// The provider, as configured.
#[derive(Clone)]
pub struct OidcSettings {
    /// The issuer URL.
    pub issuer: String,
    /// The cloud's client id.
    pub client_id: String,
    /// The cloud's client secret (none: a public client).
    pub client_secret: Option<String>,
    /// The name on the sign-in button.
    pub name: String,
    /// The claim matched to a username.
    pub username_claim: String,
    /// The cloud's public base URL (no trailing `/`).
    pub public_url: String,
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("name", &self.name)
            .field("username_claim", &self.username_claim)
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

/// Whether `url` may carry a login: HTTPS, or HTTP on loopback.
fn safe_url(url: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(url) else {
        return false;
    };
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return false;
    };
    match url.scheme() {
        "https" => true,
        "http" => {
            host == "localhost"
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        _ => false,
    }
}

impl OidcSettings {
    /// The settings of `config`, `None` when it names no issuer; an error names what is
    /// missing or unsafe.
    pub fn from_config(config: &crate::CloudConfig) -> anyhow::Result<Option<Self>> {
        let Some(issuer) = config.oidc_issuer.clone() else {
            return Ok(None);
        };
        if !safe_url(&issuer) {
            anyhow::bail!("--oidc-issuer must be an https:// URL (http:// only on loopback)");
        }
        let Some(client_id) = config.oidc_client_id.clone() else {
            anyhow::bail!("--oidc-issuer needs --oidc-client-id");
        };
        let Some(public_url) = config.public_url.clone() else {
            anyhow::bail!(
                "--oidc-issuer needs --public-url (the cloud's address as browsers reach it)"
            );
        };
        if !safe_url(&public_url) {
            anyhow::bail!("--public-url must be an https:// URL (http:// only on loopback)");
        }
        let claim = config.oidc_username_claim.trim();
        if claim.is_empty() {
            anyhow::bail!("--oidc-username-claim is empty");
        }
        Ok(Some(Self {
            issuer,
            client_id,
            client_secret: config.oidc_client_secret.clone(),
            name: config.oidc_name.clone(),
            username_claim: claim.to_owned(),
            public_url: public_url.trim_end_matches('/').to_owned(),
        }))
    }

    /// `{public_url}/hq/v1/auth/oidc/callback`.
    pub fn redirect_uri(&self) -> String {
        format!("{}{CALLBACK_PATH}", self.public_url)
    }
}

/// What the discovery document says that the login uses.
#[derive(Clone, Debug, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
}

/// The provider as discovered: its endpoints and its keys.
struct Provider {
    discovery: Discovery,
    keys: RwLock<Vec<(Option<String>, DecodingKey)>>,
    /// When an unknown key id last made this replica read the JWKS again.
    reloaded: tokio::sync::Mutex<Instant>,
}

/// Why a step with the provider failed (the reason is logged, never shown).
#[derive(Debug)]
enum Failure {
    /// It cannot be reached, or answers what it should not.
    Unavailable(String),
    /// It refused, or what it gave does not verify.
    Refused(String),
}

/// A replica's OpenID Connect client: the settings, an HTTP client, and the provider's
/// discovery document and keys once fetched.
pub struct Oidc {
    settings: OidcSettings,
    http: reqwest::Client,
    provider: tokio::sync::Mutex<Option<Arc<Provider>>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// The signing keys of a JWKS document (encryption keys, HMAC keys and keys this
/// build cannot read are left out).
fn signing_keys(jwks: &serde_json::Value) -> Vec<(Option<String>, DecodingKey)> {
    let Some(keys) = jwks.get("keys").and_then(|k| k.as_array()) else {
        return Vec::new();
    };
    keys.iter()
        .filter_map(|key| serde_json::from_value::<Jwk>(key.clone()).ok())
        .filter(|jwk| !matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)))
        .filter(|jwk| !matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_)))
        .filter_map(|jwk| {
            let key = DecodingKey::from_jwk(&jwk).ok()?;
            Some((jwk.common.key_id, key))
        })
        .collect()
}

/// The PKCE S256 challenge of `verifier` (RFC 7636): BASE64URL(SHA-256(verifier)).
pub fn pkce_challenge(verifier: &str) -> String {
    B64.encode(Sha256::digest(verifier.as_bytes()))
}

/// 32 random bytes, base64url: a state, a nonce, a PKCE verifier, a handoff code.
pub fn random_secret() -> String {
    B64.encode(rand::random::<[u8; 32]>())
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2)
}

/// `text` as `application/x-www-form-urlencoded` encodes it (for HTTP Basic client
/// credentials, RFC 6749 §2.3.1).
fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                char::from(b).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Whether the ID token's claims are for this login: the `nonce` that was sent, and an
/// authorized party that is this client when there are several audiences.
fn claims_fit(claims: &serde_json::Value, nonce: &str, client_id: &str) -> Result<(), Failure> {
    if claims.get("nonce").and_then(|n| n.as_str()) != Some(nonce) {
        return Err(Failure::Refused(
            "the ID token's nonce is not this login's".into(),
        ));
    }
    let several = claims
        .get("aud")
        .and_then(|a| a.as_array())
        .is_some_and(|a| a.len() > 1);
    if several && claims.get("azp").and_then(|a| a.as_str()) != Some(client_id) {
        return Err(Failure::Refused(
            "the ID token's azp is not this client".into(),
        ));
    }
    Ok(())
}

/// The username the ID token's `claim` names (trimmed, lower case).
fn username_of(claims: &serde_json::Value, claim: &str) -> Option<String> {
    let name = claims.get(claim)?.as_str()?.trim().to_lowercase();
    (!name.is_empty() && name.chars().count() <= 64).then_some(name)
}

impl Oidc {
    /// A client for the provider of `settings` (nothing is fetched yet).
    pub fn new(settings: OidcSettings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(PROVIDER_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            settings,
            http,
            provider: tokio::sync::Mutex::new(None),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    async fn get_json(&self, url: &str) -> Result<serde_json::Value, Failure> {
        let res = self
            .http
            .get(url)
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| Failure::Unavailable(format!("{url}: {e}")))?;
        if !res.status().is_success() {
            return Err(Failure::Unavailable(format!("{url}: {}", res.status())));
        }
        res.json()
            .await
            .map_err(|e| Failure::Unavailable(format!("{url}: {e}")))
    }

    /// The provider's discovery document and keys, fetched on first use.
    async fn provider(&self) -> Result<Arc<Provider>, Failure> {
        let mut cached = self.provider.lock().await;
        if let Some(provider) = cached.as_ref() {
            return Ok(provider.clone());
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.settings.issuer.trim_end_matches('/')
        );
        let discovery: Discovery = serde_json::from_value(self.get_json(&url).await?)
            .map_err(|e| Failure::Unavailable(format!("{url}: {e}")))?;
        if discovery.issuer != self.settings.issuer {
            return Err(Failure::Unavailable(format!(
                "the discovery document names the issuer {:?}, not the configured one",
                discovery.issuer
            )));
        }
        for endpoint in [
            &discovery.authorization_endpoint,
            &discovery.token_endpoint,
            &discovery.jwks_uri,
        ] {
            if !safe_url(endpoint) {
                return Err(Failure::Unavailable(format!(
                    "the provider's endpoint {endpoint} is not https"
                )));
            }
        }
        let keys = signing_keys(&self.get_json(&discovery.jwks_uri).await?);
        tracing::info!(issuer = %discovery.issuer, keys = keys.len(), "read the OpenID Connect provider's discovery document and keys");
        let provider = Arc::new(Provider {
            discovery,
            keys: RwLock::new(keys),
            reloaded: tokio::sync::Mutex::new(Instant::now()),
        });
        *cached = Some(provider.clone());
        Ok(provider)
    }

    /// The keys that may have signed a token naming `kid`, the JWKS read again (at most
    /// every [`MIN_JWKS_RELOAD`]) when it names none.
    async fn keys_for(
        &self,
        provider: &Provider,
        kid: Option<&str>,
    ) -> Result<Vec<DecodingKey>, Failure> {
        let find = || -> Vec<DecodingKey> {
            let keys = provider.keys.read().unwrap_or_else(|p| p.into_inner());
            keys.iter()
                .filter(|(id, _)| kid.is_none() || id.as_deref() == kid)
                .map(|(_, key)| key.clone())
                .collect()
        };
        let found = find();
        if !found.is_empty() {
            return Ok(found);
        }
        let mut reloaded = provider.reloaded.lock().await;
        if reloaded.elapsed() >= MIN_JWKS_RELOAD {
            let keys = signing_keys(&self.get_json(&provider.discovery.jwks_uri).await?);
            *provider.keys.write().unwrap_or_else(|p| p.into_inner()) = keys;
            *reloaded = Instant::now();
            tracing::info!("reloaded the OpenID Connect provider's keys for an unknown key id");
        }
        Ok(find())
    }

    /// The authorization URL for a login with these secrets.
    fn authorization_url(
        &self,
        provider: &Provider,
        state: &str,
        nonce: &str,
        verifier: &str,
    ) -> Result<String, Failure> {
        let mut url = reqwest::Url::parse(&provider.discovery.authorization_endpoint)
            .map_err(|e| Failure::Unavailable(format!("authorization endpoint: {e}")))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("redirect_uri", &self.settings.redirect_uri())
            .append_pair("scope", SCOPES)
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", &pkce_challenge(verifier))
            .append_pair("code_challenge_method", "S256");
        Ok(url.into())
    }

    /// Trades `code` (with the login's verifier) for an ID token and verifies it: its
    /// claims.
    async fn redeem(
        &self,
        provider: &Provider,
        code: &str,
        login: &PendingLogin,
    ) -> Result<serde_json::Value, Failure> {
        let settings = &self.settings;
        let redirect_uri = settings.redirect_uri();
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri.as_str()),
            ("code_verifier", login.verifier.as_str()),
        ];
        let basic = provider
            .discovery
            .token_endpoint_auth_methods_supported
            .as_ref()
            .is_none_or(|methods| methods.iter().any(|m| m == "client_secret_basic"));
        let mut request = self.http.post(&provider.discovery.token_endpoint);
        match &settings.client_secret {
            Some(secret) if basic => {
                request =
                    request.basic_auth(form_encode(&settings.client_id), Some(form_encode(secret)));
            }
            Some(secret) => {
                form.push(("client_id", settings.client_id.as_str()));
                form.push(("client_secret", secret.as_str()));
            }
            None => form.push(("client_id", settings.client_id.as_str())),
        }
        let res = request
            .header(header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| Failure::Unavailable(format!("token endpoint: {e}")))?;
        let status = res.status();
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        if status.is_server_error() {
            return Err(Failure::Unavailable(format!("token endpoint: {status}")));
        }
        if !status.is_success() {
            // The provider's own code (`invalid_grant` for a code used twice): no secret.
            let error = body.get("error").and_then(|e| e.as_str()).unwrap_or("?");
            return Err(Failure::Refused(format!(
                "the token endpoint refused the code: {status} {error}"
            )));
        }
        let id_token = body
            .get("id_token")
            .and_then(|t| t.as_str())
            .ok_or_else(|| Failure::Refused("the token endpoint gave no ID token".into()))?;
        self.verify(provider, id_token, &login.nonce).await
    }

    /// The claims of `id_token` if the provider signed it for this client and this login.
    async fn verify(
        &self,
        provider: &Provider,
        id_token: &str,
        nonce: &str,
    ) -> Result<serde_json::Value, Failure> {
        let head = jsonwebtoken::decode_header(id_token)
            .map_err(|e| Failure::Refused(format!("the ID token does not read: {e}")))?;
        if !ALGORITHMS.contains(&head.alg) {
            return Err(Failure::Refused(format!(
                "the ID token is signed with {:?}",
                head.alg
            )));
        }
        let mut validation = Validation::new(head.alg);
        validation.leeway = LEEWAY_SECS;
        validation.set_issuer(&[&provider.discovery.issuer]);
        validation.set_audience(&[&self.settings.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let keys = self.keys_for(provider, head.kid.as_deref()).await?;
        let mut last = "no key of the provider's names this token's key id".to_owned();
        for key in keys {
            match jsonwebtoken::decode::<serde_json::Value>(id_token, &key, &validation) {
                Ok(data) => {
                    claims_fit(&data.claims, nonce, &self.settings.client_id)?;
                    return Ok(data.claims);
                }
                Err(e) => last = format!("the ID token does not verify: {e}"),
            }
        }
        Err(Failure::Refused(last))
    }
}

/// The sign-in providers besides the password.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Providers {
    /// The OpenID Connect provider, if the cloud has one.
    pub oidc: Option<OidcProvider>,
}

/// An OpenID Connect provider, as the sign-in screen shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OidcProvider {
    /// Its name, for the button ("Sign in with …").
    pub name: String,
    /// Where the browser goes to sign in: `/hq/v1/auth/oidc/start`.
    pub start_url: String,
}

/// A handoff code from `/hq/#login=…`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteRequest {
    /// The code the callback put in `/hq/#login=<code>`: good once, for sixty seconds.
    pub code: String,
}

impl std::fmt::Debug for CompleteRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompleteRequest").finish_non_exhaustive()
    }
}

/// What the provider sends the browser back with.
#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

impl std::fmt::Debug for CallbackQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackQuery")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// A redirect to the HQ screens with `fragment` (`login=…` or `login_error=…`).
/// The cookie that ties a login's `state` to the browser that began it: a callback
/// from another browser (a victim sent an attacker's callback URL) finds no login.
pub const STATE_COOKIE: &str = "medicloud_oidc_state";

/// The `Set-Cookie` value of [`STATE_COOKIE`]: `state` for the login's ten minutes, or
/// (`None`) cleared.
fn state_cookie(oidc: &Oidc, state: Option<&str>) -> String {
    let secure = if oidc.settings.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let (value, age) = match state {
        Some(state) => (state, LOGIN_TTL.as_secs()),
        None => ("", 0),
    };
    format!(
        "{STATE_COOKIE}={value}; Path={CALLBACK_PATH}; Max-Age={age}; HttpOnly; SameSite=Lax{secure}"
    )
}

/// The state in the request's [`STATE_COOKIE`].
fn cookie_state(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == STATE_COOKIE)
        .map(|(_, value)| value)
}

fn to_screens(oidc: &Oidc, fragment: &str) -> Response {
    let location = format!("{}/hq/#{fragment}", oidc.settings.public_url);
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::SET_COOKIE, state_cookie(oidc, None)),
        ],
    )
        .into_response()
}

fn refused(oidc: &Oidc, code: ErrorCode) -> Response {
    to_screens(oidc, &format!("login_error={code}"))
}

fn configured(state: &State) -> Result<&Oidc, HqError> {
    state
        .hq
        .oidc
        .as_ref()
        .ok_or_else(|| HqError::code(StatusCode::NOT_FOUND, ErrorCode::NotFound))
}

fn failed(oidc: &Oidc, failure: Failure) -> Response {
    match failure {
        Failure::Unavailable(reason) => {
            tracing::warn!(%reason, "OpenID Connect provider unavailable");
            refused(oidc, ErrorCode::OidcProviderUnavailable)
        }
        Failure::Refused(reason) => {
            tracing::warn!(%reason, "OpenID Connect login refused");
            refused(oidc, ErrorCode::OidcRefused)
        }
    }
}

/// The sign-in providers besides the password: the OpenID Connect provider's name and
/// where its sign-in starts, or `null`.
#[utoipa::path(get, path = "/hq/v1/auth/providers", tag = "auth",
    responses((status = 200, body = Providers)))]
pub(crate) async fn providers(
    axum::extract::State(state): axum::extract::State<State>,
) -> Json<Providers> {
    Json(Providers {
        oidc: state.hq.oidc.as_ref().map(|oidc| OidcProvider {
            name: oidc.settings.name.clone(),
            start_url: START_PATH.to_owned(),
        }),
    })
}

/// Sign in with the OpenID Connect provider: a redirect to its authorization endpoint
/// (authorization code with PKCE S256, `scope=openid profile email`). The login waits
/// ten minutes for its callback, in the database (any replica may take it).
#[utoipa::path(get, path = "/hq/v1/auth/oidc/start", tag = "auth",
    responses(
        (status = 302, description = "to the provider's authorization endpoint", headers(("Location" = String))),
        (status = 303, description = "to `/hq/#login_error=oidc_provider_unavailable`: the provider cannot be reached", headers(("Location" = String))),
        (status = 404, description = "`not_found`: the cloud has no OpenID Connect provider", body = ErrorBody),
    ))]
pub(crate) async fn start(
    axum::extract::State(state): axum::extract::State<State>,
) -> Result<Response, HqError> {
    let oidc = configured(&state)?;
    let provider = match oidc.provider().await {
        Ok(provider) => provider,
        Err(failure) => return Ok(failed(oidc, failure)),
    };
    let (secret, nonce, verifier) = (random_secret(), random_secret(), random_secret());
    let url = match oidc.authorization_url(&provider, &secret, &nonce, &verifier) {
        Ok(url) => url,
        Err(failure) => return Ok(failed(oidc, failure)),
    };
    state
        .storage
        .begin_oidc_login(
            &sha256_hex(&secret),
            PendingLogin { nonce, verifier },
            super::now_ms(),
            ms(LOGIN_TTL),
        )
        .await?;
    Ok((
        StatusCode::FOUND,
        [
            (header::LOCATION, url),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::SET_COOKIE, state_cookie(oidc, Some(&secret))),
        ],
    )
        .into_response())
}

/// Where the provider sends the browser back. The login of `state` is used up (unknown,
/// used or older than ten minutes: `oidc_login_expired`, nothing done), the code traded
/// at the token endpoint and the ID token verified; its claim names the account. Then a
/// redirect to `/hq/#login=<code>`, a one-time code for `POST /hq/v1/auth/oidc/complete`.
#[utoipa::path(get, path = "/hq/v1/auth/oidc/callback", tag = "auth",
    params(
        ("code" = Option<String>, Query, description = "the provider's authorization code"),
        ("state" = Option<String>, Query, description = "the state `start` sent"),
        ("error" = Option<String>, Query, description = "the provider's refusal (`access_denied`)"),
    ),
    responses(
        (status = 303, description = "to `/hq/#login=<code>`; or to `/hq/#login_error=<code>` with `oidc_login_expired` (an unknown, used or expired state, or one this browser's `medicloud_oidc_state` cookie does not hold), `oidc_refused` (the provider refused, or its ID token does not verify), `oidc_unknown_subject` (no enabled account has the claim's username), `oidc_provider_unavailable`", headers(("Location" = String))),
        (status = 404, description = "`not_found`: the cloud has no OpenID Connect provider", body = ErrorBody),
    ))]
pub(crate) async fn callback(
    axum::extract::State(state): axum::extract::State<State>,
    headers: axum::http::HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, HqError> {
    let oidc = configured(&state)?;
    // Only the browser that began the login may finish it (or cancel it).
    let ours = query
        .state
        .as_deref()
        .filter(|secret| cookie_state(&headers) == Some(*secret));
    let pending = match ours {
        Some(secret) => {
            state
                .storage
                .take_oidc_login(&sha256_hex(secret), super::now_ms(), ms(LOGIN_TTL))
                .await?
        }
        None => None,
    };
    if query.error.is_some() {
        tracing::info!(error = ?query.error, "the OpenID Connect provider refused a login");
        return Ok(refused(oidc, ErrorCode::OidcRefused));
    }
    let Some(pending) = pending else {
        tracing::info!("an OpenID Connect callback with an unknown, used or expired state");
        return Ok(refused(oidc, ErrorCode::OidcLoginExpired));
    };
    let Some(code) = query.code else {
        return Ok(refused(oidc, ErrorCode::OidcRefused));
    };
    let provider = match oidc.provider().await {
        Ok(provider) => provider,
        Err(failure) => return Ok(failed(oidc, failure)),
    };
    if query
        .iss
        .as_ref()
        .is_some_and(|iss| *iss != provider.discovery.issuer)
    {
        return Ok(failed(
            oidc,
            Failure::Refused("the callback names another issuer".into()),
        ));
    }
    let claims = match oidc.redeem(&provider, &code, &pending).await {
        Ok(claims) => claims,
        Err(failure) => return Ok(failed(oidc, failure)),
    };
    let account = match username_of(&claims, &oidc.settings.username_claim) {
        Some(username) => state.storage.account(&username).await?,
        None => None,
    };
    let Some(account) = account.filter(|a| !a.disabled) else {
        tracing::info!(
            claim = %oidc.settings.username_claim,
            "OpenID Connect login refused: no enabled account has the claim's username"
        );
        return Ok(refused(oidc, ErrorCode::OidcUnknownSubject));
    };
    let handoff = random_secret();
    let now = super::now_ms();
    state
        .storage
        .add_oidc_handoff(
            &sha256_hex(&handoff),
            &account.username,
            now + ms(HANDOFF_TTL),
            now,
        )
        .await?;
    tracing::info!(username = %account.username, method = "oidc", "hq sign-in proved at the provider");
    Ok(to_screens(oidc, &format!("login={handoff}")))
}

/// Finish an OpenID Connect login: the one-time code of `/hq/#login=<code>` for an
/// access token and a refresh token, as a password login gives them.
#[utoipa::path(post, path = "/hq/v1/auth/oidc/complete", tag = "auth", request_body = CompleteRequest,
    responses(
        (status = 200, body = Tokens),
        (status = 401, description = "`oidc_login_expired`: the code is unknown, used or older than sixty seconds, or its account was disabled since", body = ErrorBody),
        (status = 404, description = "`not_found`: the cloud has no OpenID Connect provider", body = ErrorBody),
    ))]
pub(crate) async fn complete(
    axum::extract::State(state): axum::extract::State<State>,
    Body(req): Body<CompleteRequest>,
) -> Result<Json<Tokens>, HqError> {
    configured(&state)?;
    let expired = || HqError::code(StatusCode::UNAUTHORIZED, ErrorCode::OidcLoginExpired);
    let username = state
        .storage
        .take_oidc_handoff(&sha256_hex(&req.code), super::now_ms())
        .await?
        .ok_or_else(expired)?;
    let account = state
        .storage
        .account(&username)
        .await?
        .filter(|a| !a.disabled)
        .ok_or_else(expired)?;
    auth::start_login(&state, account, "oidc").await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// RFC 7636, Appendix B.
    #[test]
    fn the_pkce_challenge_is_rfc_7636s() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn secrets_are_32_random_bytes_fit_for_a_pkce_verifier() {
        let (a, b) = (random_secret(), random_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        // RFC 7636 §4.1: 43 to 128 unreserved characters.
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
        );
    }

    #[test]
    fn only_https_or_loopback_may_carry_a_login() {
        for (url, ok) in [
            ("https://login.example", true),
            ("http://127.0.0.1:4000", true),
            ("http://localhost:4000/realms/x", true),
            ("http://[::1]:4000", true),
            ("http://login.example", false),
            ("http://10.0.0.5", false),
            ("ftp://login.example", false),
            ("login.example", false),
        ] {
            assert_eq!(safe_url(url), ok, "{url}");
        }
    }

    #[test]
    fn the_username_is_the_claim_in_lower_case() {
        let claims = json!({"preferred_username": " Pusat ", "email": "x@y", "n": 3});
        assert_eq!(
            username_of(&claims, "preferred_username").as_deref(),
            Some("pusat")
        );
        assert_eq!(username_of(&claims, "email").as_deref(), Some("x@y"));
        assert_eq!(username_of(&claims, "n"), None);
        assert_eq!(username_of(&claims, "missing"), None);
        assert_eq!(username_of(&json!({"u": "  "}), "u"), None);
    }

    #[test]
    fn the_nonce_and_the_authorized_party_must_be_this_logins() {
        let ok = json!({"nonce": "n1", "aud": "medicloud"});
        assert!(claims_fit(&ok, "n1", "medicloud").is_ok());
        assert!(claims_fit(&ok, "n2", "medicloud").is_err());
        assert!(claims_fit(&json!({"aud": "medicloud"}), "n1", "medicloud").is_err());
        let several = json!({"nonce": "n1", "aud": ["medicloud", "other"], "azp": "other"});
        assert!(claims_fit(&several, "n1", "medicloud").is_err());
        let mine = json!({"nonce": "n1", "aud": ["medicloud", "other"], "azp": "medicloud"});
        assert!(claims_fit(&mine, "n1", "medicloud").is_ok());
    }

    #[test]
    fn the_state_cookie_is_read_among_others() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; medicloud_oidc_state=s-1".parse().unwrap(),
        );
        headers.append(header::COOKIE, "b=2".parse().unwrap());
        assert_eq!(cookie_state(&headers), Some("s-1"));
        let mut other = axum::http::HeaderMap::new();
        other.insert(header::COOKIE, "medicloud_oidc_statex=s-1".parse().unwrap());
        assert_eq!(cookie_state(&other), None);
    }

    #[test]
    fn basic_credentials_are_form_encoded() {
        assert_eq!(form_encode("a b:c/é"), "a+b%3Ac%2F%C3%A9");
        assert_eq!(form_encode("medicloud-hq_1.x"), "medicloud-hq_1.x");
    }

    /// An ES256 ID token verifies with its key from a JWKS (as RS256 does in the
    /// end-to-end test against a real provider); HMAC and encryption keys are left out.
    #[test]
    fn an_es256_key_of_a_jwks_verifies_and_hmac_keys_are_left_out() {
        use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let point = pair.public_key().as_ref();
        let (x, y) = (B64.encode(&point[1..33]), B64.encode(&point[33..65]));
        let jwks = json!({"keys": [
            {"kty": "oct", "k": B64.encode(b"a shared secret"), "kid": "h"},
            {"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": "e", "use": "enc"},
            {"kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": "s", "use": "sig", "alg": "ES256"},
        ]});
        let keys = signing_keys(&jwks);
        assert_eq!(
            keys.iter().map(|(k, _)| k.as_deref()).collect::<Vec<_>>(),
            [Some("s")]
        );
        let mut head = jsonwebtoken::Header::new(Algorithm::ES256);
        head.kid = Some("s".into());
        let token = jsonwebtoken::encode(
            &head,
            &json!({"iss": "https://login.example", "aud": "medicloud", "sub": "1",
                "exp": chrono::Utc::now().timestamp() + 60, "nonce": "n1"}),
            &jsonwebtoken::EncodingKey::from_ec_der(pkcs8.as_ref()),
        )
        .unwrap();
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_issuer(&["https://login.example"]);
        validation.set_audience(&["medicloud"]);
        let claims = jsonwebtoken::decode::<serde_json::Value>(&token, &keys[0].1, &validation)
            .unwrap()
            .claims;
        assert!(claims_fit(&claims, "n1", "medicloud").is_ok());
    }
}
