//! The one integration test binary: one module per area.

#![allow(clippy::unwrap_used)] // Tests fail by panicking.

mod administrators;
mod as_of;
mod bundle;
mod cluster;
mod contract;
mod demo;
mod deploy;
mod gate_rules;
mod jetstream;
mod notary;
mod store;
mod tamper;
mod tls;
mod views;
mod watchdog_year;
