//! The Medicloud clinic node: the SQLite event store and its projections, the clinic's
//! operations (tickets, appointments, patients, configuration), access control, the local
//! HTTP API with live updates, and the demo clinic.
//!
//! ```no_run
//! use medicloud_node::{demo, ops::Node, store::Store};
//! use medicloud_sync::hlc::SystemTime;
//! use std::sync::Arc;
//!
//! let store = Store::open("clinic.sqlite".as_ref(), demo::DEMO_CLINIC, Arc::new(SystemTime))?;
//! let node = Node::new(store);
//! let _pairing_links = demo::seed(&node, "a-long-demo-password")?;
//! let ticket = node.issue_ticket(
//!     medicloud_core::event::Actor::System,
//!     medicloud_node::ops::NewTicket { service: Some("A".parse()?), ..Default::default() },
//! )?;
//! assert_eq!(ticket.label, "A-001");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod api;
pub mod auth;
pub mod authority;
pub mod config;
pub mod demo;
pub mod error;
pub mod labels;
pub mod live;
pub mod ops;
pub mod print;
pub mod replication;
pub mod runtime;
pub mod serve;
pub mod setup;
pub mod store;
pub mod views;

pub use error::{Error, Result};
