//! The demo: the seed texts of 2021 as a scenario, run through the real gate on a simulated
//! clock, and a summary of who answered for what.
//!
//! # Brief overview
//! - [`scenario::Scenario`] reads `scenario/covid-2021.json`: the offices, people, keys and
//!   positions the three seed texts show; the directives with their real symbols, dates,
//!   signatories and parent documents; their tasks; and a simulated follow-up (reports,
//!   an inspection, violations, sanctions, and deliberately bad submissions) with fictional
//!   people wherever someone is found at fault.
//! - [`driver::run`] submits every step through [`mandate_ledger::gate::Gate`] and checks each
//!   is accepted, or rejected by the rule the scenario expects.
//! - [`summary::summarize`] folds the log into one line per accountable person.

#![forbid(unsafe_code)]

pub mod driver;
pub mod scenario;
pub mod summary;
