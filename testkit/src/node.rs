//! An in-process demo node, reached through its router with no socket.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use medicloud_node::api::{AppState, router};
use medicloud_node::auth::Sessions;
use medicloud_node::demo;
use medicloud_node::ops::Node;
use medicloud_node::store::Store;
use medicloud_sync::hlc::{SystemTime, TimeSource};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

/// The password of every demo staff account in tests.
pub const PASSWORD: &str = "test-password-123";

/// The node database in `data`, read-only, opened with its key (`None` until both exist).
pub fn read_db(data: &Path) -> Option<rusqlite::Connection> {
    use medicloud_node::store::crypt;
    let key = crypt::DbKey::read(&data.join("db.key")).ok()??;
    crypt::open_read_only(&data.join("node.sqlite"), &key).ok()
}

/// A demo node in a temp folder, reached through its router with no socket.
#[allow(missing_debug_implementations)]
pub struct TestNode {
    /// The node.
    pub node: Arc<Node>,
    /// Its router, which [`TestNode::call`] sends requests through.
    pub app: Router,
    /// Tokens of the demo kiosk and display.
    pub kiosk: String,
    /// Token of the demo display.
    pub display: String,
    _dir: tempfile::TempDir,
}

impl TestNode {
    /// A demo node with the default staff sessions.
    pub fn start() -> Self {
        Self::start_with(Sessions::new())
    }

    /// A demo node whose staff sessions are `sessions` (short idle and lifetime limits).
    pub fn start_with(sessions: Sessions) -> Self {
        Self::start_on(sessions, Arc::new(SystemTime))
    }

    /// A demo node whose store (its events' times) reads `time`, e.g. a clock the test
    /// sets by hand to give a history known times.
    pub fn start_at(time: Arc<dyn TimeSource>) -> Self {
        Self::start_on(Sessions::new(), time)
    }

    fn start_on(sessions: Sessions, time: Arc<dyn TimeSource>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("node.sqlite"), demo::DEMO_CLINIC, time).unwrap();
        let node = Arc::new(Node::new(store));
        let links = demo::seed(&node, PASSWORD).unwrap();
        let token = |screen: &str| links.iter().find(|(s, _)| *s == screen).unwrap().1.clone();
        let app = router(AppState::with_sessions(node.clone(), sessions), None);
        Self {
            kiosk: token("kiosk"),
            display: token("display"),
            node,
            app,
            _dir: dir,
        }
    }

    /// Sends a request; `body` is JSON text (or anything, for malformed-input tests).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> (StatusCode, Value) {
        // The tests read the node's English words (without the header it answers in
        // Bahasa Indonesia).
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("accept-language", "en");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req.body(Body::from(body.unwrap_or("").to_owned())).unwrap();
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// Logs `username` in with [`PASSWORD`]; its session token.
    pub async fn login(&self, username: &str) -> String {
        let body = format!(r#"{{"username":"{username}","password":"{PASSWORD}"}}"#);
        let (status, json) = self
            .call("POST", "/api/v1/auth/login", None, Some(&body))
            .await;
        assert_eq!(status, StatusCode::OK, "{json}");
        json["token"].as_str().unwrap().to_owned()
    }

    /// Events stored that change the clinic: audit entries (reads, logins, refusals on
    /// the trail) are not counted, so a refused request must leave this as it was.
    pub fn event_count(&self) -> u64 {
        self.node
            .store()
            .read(|c| {
                Ok(c.query_row(
                    "SELECT count(*) FROM events WHERE kind != 'audited'",
                    [],
                    |r| r.get::<_, i64>(0),
                )?)
            })
            .unwrap() as u64
    }

    /// Events and tickets stored: what a refused request must leave as it was.
    pub fn state(&self) -> (u64, u64) {
        let tickets = self
            .node
            .store()
            .read(|c| Ok(c.query_row("SELECT count(*) FROM tickets", [], |r| r.get::<_, i64>(0))?))
            .unwrap();
        (self.event_count(), tickets as u64)
    }
}
