//! A demo node on a real SQLite file, served over HTTP on loopback, for the benches that
//! time requests.

#![allow(dead_code)] // each bench uses some of these

use medicloud_node::ops::Node;
use medicloud_node::store::Store;
use medicloud_sync::hlc::SystemTime;
use std::path::Path;
use std::sync::Arc;

/// A node of the demo clinic with its database in `dir` (not yet seeded).
pub fn demo_node(dir: &Path) -> Node {
    let store = Store::open(
        &dir.join("node.sqlite"),
        medicloud_node::demo::DEMO_CLINIC,
        Arc::new(SystemTime),
    )
    .unwrap();
    Node::new(store)
}

/// Seeds the demo clinic; the device token of `screen` (`kiosk`, `display`).
pub fn seed(node: &Node, screen: &str) -> String {
    let links = medicloud_node::demo::seed(node, "benchmark-password").unwrap();
    links.into_iter().find(|(s, _)| *s == screen).unwrap().1
}

/// Serves `node` on a free loopback port; its base URL (`http://127.0.0.1:PORT`).
pub async fn listen(node: Arc<Node>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(medicloud_node::serve::serve(
        node,
        listener,
        None,
        std::future::pending(),
    ));
    format!("http://{addr}")
}
