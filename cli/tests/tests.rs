//! The tests of the `medicloud` binary and of the programs it runs: real processes on
//! loopback (nodes, clouds, virtual printers), plus the router-level tests that share
//! their helpers. One binary, modules by area.

// A failed unwrap in a test is a failed test with its location: that is what we want.
#![allow(clippy::unwrap_used)]

mod appointments;
mod audit;
mod booking;
mod cloud;
mod cloud_desk;
mod cluster;
mod edge;
mod encryption;
mod hq;
mod labels;
mod lan;
mod language;
mod morning;
mod printing;
mod process;
mod replicas;
mod staff;
mod sync;
mod sync_gate;
mod tls;
mod util;
