//! `cargo xtask tidy`: the architecture's boundaries as checks on the dependency graph
//! (`cargo metadata`), so a change that crosses one fails CI instead of waiting for a
//! reviewer to notice. Only normal dependencies count: tests and benches may use more.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// Crates that do I/O (files, sockets, databases, windows, processes) or run it.
const IO_CRATES: &[&str] = &[
    "tokio",
    "mio",
    "socket2",
    "hyper",
    "reqwest",
    "axum",
    "axum-server",
    "tower-http",
    "rusqlite",
    "libsqlite3-sys",
    "tokio-postgres",
    "postgres",
    "deadpool-postgres",
    "tauri",
    "escpos",
    "rustls",
    "tempfile",
];

/// One boundary: `package` must not depend, directly or not, on any of `forbidden`.
struct Rule {
    package: &'static str,
    forbidden: &'static [&'static str],
    why: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        package: "medicloud-core",
        forbidden: IO_CRATES,
        why: "core is the pure domain: no I/O, so every replica folds alike",
    },
    Rule {
        package: "medicloud-core",
        forbidden: &[
            "medicloud-sync",
            "medicloud-node",
            "medicloud-cloud",
            "medicloud-printer",
        ],
        why: "core sits below every other crate",
    },
    Rule {
        package: "medicloud-node",
        forbidden: &[
            "medicloud-cloud",
            "tokio-postgres",
            "deadpool-postgres",
            "axum-server",
            "clap",
        ],
        why: "the node never depends on the cloud, and the command line lives in cli/",
    },
    Rule {
        package: "medicloud-app",
        forbidden: &[
            "medicloud-cloud",
            "medicloud",
            "tokio-postgres",
            "deadpool-postgres",
            "axum-server",
        ],
        why: "the desktop app embeds the node only",
    },
    Rule {
        package: "medicloud-cloud",
        forbidden: &["medicloud-node", "clap"],
        why: "the cloud knows no node internals, and the command line lives in cli/",
    },
    Rule {
        package: "medicloud-sync",
        forbidden: &[
            "medicloud-node",
            "medicloud-cloud",
            "rusqlite",
            "axum",
            "clap",
        ],
        why: "sync is the protocol: no storage and no server",
    },
    Rule {
        package: "medicloud-edge",
        forbidden: &[
            "medicloud-core",
            "medicloud-node",
            "medicloud-cloud",
            "rusqlite",
        ],
        why: "the listener knows connections, HTTP and TLS, not clinics",
    },
    Rule {
        package: "medicloud-printer",
        forbidden: &[
            "medicloud-node",
            "medicloud-cloud",
            "medicloud-sync",
            "clap",
        ],
        why: "the printer crate knows tickets and bytes, not the node",
    },
];

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    resolve: Resolve,
}

#[derive(Deserialize)]
struct Package {
    id: String,
    name: String,
}

#[derive(Deserialize)]
struct Resolve {
    nodes: Vec<Node>,
}

#[derive(Deserialize)]
struct Node {
    id: String,
    deps: Vec<Dep>,
}

#[derive(Deserialize)]
struct Dep {
    pkg: String,
    dep_kinds: Vec<DepKind>,
}

#[derive(Deserialize)]
struct DepKind {
    kind: Option<String>,
}

/// Each package's normal (not dev, not build) dependencies, by name.
fn graph(metadata: &Metadata) -> BTreeMap<String, BTreeSet<String>> {
    let names: BTreeMap<&str, &str> = metadata
        .packages
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str()))
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for node in &metadata.resolve.nodes {
        let from = names.get(node.id.as_str()).copied().unwrap_or_default();
        let deps = graph.entry(from.to_owned()).or_default();
        for dep in &node.deps {
            if dep.dep_kinds.iter().any(|k| k.kind.is_none()) {
                deps.insert(
                    names
                        .get(dep.pkg.as_str())
                        .copied()
                        .unwrap_or_default()
                        .to_owned(),
                );
            }
        }
    }
    graph
}

/// Every package `package` pulls in, with the path it comes through.
fn closure(graph: &BTreeMap<String, BTreeSet<String>>, package: &str) -> BTreeMap<String, String> {
    let mut seen = BTreeMap::new();
    let mut todo = vec![(package.to_owned(), package.to_owned())];
    while let Some((name, path)) = todo.pop() {
        for dep in graph.get(&name).into_iter().flatten() {
            if !seen.contains_key(dep) {
                let via = format!("{path} → {dep}");
                seen.insert(dep.clone(), via.clone());
                todo.push((dep.clone(), via));
            }
        }
    }
    seen
}

/// The boundaries `graph` crosses, in words.
fn violations(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut found = Vec::new();
    for rule in RULES {
        if !graph.contains_key(rule.package) {
            found.push(format!(
                "{} is not in the workspace any more: update the tidy rules",
                rule.package
            ));
            continue;
        }
        let deps = closure(graph, rule.package);
        for forbidden in rule.forbidden {
            if let Some(path) = deps.get(*forbidden) {
                found.push(format!("{path}: {} ({})", rule.package, rule.why));
            }
        }
    }
    found
}

/// Runs the checks over the workspace at `root`; an error lists every boundary crossed.
pub fn run(root: &Path) -> Result<()> {
    let out = Command::new(crate::cargo())
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root)
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let metadata: Metadata =
        serde_json::from_slice(&out.stdout).context("reading cargo metadata")?;
    let found = violations(&graph(&metadata));
    if found.is_empty() {
        println!("tidy: {} boundaries hold", RULES.len());
        return Ok(());
    }
    for line in &found {
        println!("tidy: {line}");
    }
    bail!("{} architecture boundaries crossed", found.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph_of(edges: &[(&str, &str)]) -> BTreeMap<String, BTreeSet<String>> {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for rule in RULES {
            graph.entry(rule.package.to_owned()).or_default();
        }
        for (from, to) in edges {
            graph
                .entry((*from).to_owned())
                .or_default()
                .insert((*to).to_owned());
        }
        graph
    }

    #[test]
    fn a_boundary_crossed_through_another_crate_is_found_with_its_path() {
        let graph = graph_of(&[
            ("medicloud-node", "medicloud-core"),
            ("medicloud-core", "helper"),
            ("helper", "tokio"),
        ]);
        let found = violations(&graph);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("medicloud-core → helper → tokio: medicloud-core"),
            "{}",
            found[0]
        );
    }

    #[test]
    fn the_node_may_not_reach_the_cloud() {
        let graph = graph_of(&[("medicloud-node", "medicloud-cloud")]);
        assert_eq!(
            violations(&graph),
            [
                "medicloud-node → medicloud-cloud: medicloud-node (the node never depends on the cloud, and the command line lives in cli/)"
            ]
        );
        assert!(violations(&graph_of(&[("medicloud-node", "medicloud-core")])).is_empty());
    }
}
