//! Staff commands against a running node, over its own HTTP API (`medicloud printer
//! reprint`): the command logs in like a desk would, so the node's permissions, audit
//! trail and print spool apply exactly as they do to a click on the desk screen.

use anyhow::{Context, bail};
use medicloud_core::error_code::ErrorBody;
use serde::Deserialize;
use serde_json::json;

/// A logged-in staff session on a node.
#[derive(Debug)]
pub struct Session {
    base: String,
    token: String,
    client: reqwest::Client,
}

#[derive(Deserialize)]
struct Ticket {
    id: String,
    label: String,
}

/// Turns a non-success answer into the node's own `code: message`.
async fn check(res: reqwest::Response) -> anyhow::Result<reqwest::Response> {
    if res.status().is_success() {
        return Ok(res);
    }
    let status = res.status();
    match res.json::<ErrorBody>().await {
        Ok(e) => bail!("the node refused ({status}): {}: {}", e.code, e.message),
        Err(_) => bail!("the node answered {status}"),
    }
}

impl Session {
    /// Logs in to the node at `base` (e.g. `http://127.0.0.1:8080`).
    pub async fn login(base: &str, username: &str, password: &str) -> anyhow::Result<Self> {
        let base = base.trim_end_matches('/').to_owned();
        // The command speaks English, so the node's refusals come in English too.
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT_LANGUAGE,
            reqwest::header::HeaderValue::from_static("en"),
        );
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .context("cannot set up an HTTP client")?;
        let res = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .with_context(|| format!("cannot reach the node at {base}"))?;
        #[derive(Deserialize)]
        struct Login {
            token: String,
        }
        let login: Login = check(res).await?.json().await?;
        Ok(Self {
            base,
            token: login.token,
            client,
        })
    }

    /// Prints today's ticket `ticket` (its label, e.g. `A-012`, or its id) again; the
    /// paper says it is a reprint. Returns the label.
    pub async fn reprint(&self, ticket: &str) -> anyhow::Result<String> {
        let res = self
            .client
            .get(format!("{}/api/v1/tickets", self.base))
            .bearer_auth(&self.token)
            .send()
            .await?;
        let today: Vec<Ticket> = check(res).await?.json().await?;
        let Some(found) = today
            .into_iter()
            .find(|t| t.label.eq_ignore_ascii_case(ticket) || t.id == ticket)
        else {
            bail!("no ticket {ticket} today on this node");
        };
        let res = self
            .client
            .post(format!("{}/api/v1/tickets/{}/reprint", self.base, found.id))
            .bearer_auth(&self.token)
            .send()
            .await?;
        check(res).await?;
        Ok(found.label)
    }
}
