//! The one integration test binary: one module per area.

mod contract;
mod demo;
mod gate_rules;
mod store;
