//! The demo: the seed texts of 2021 as a scenario, run through the real gate on a simulated
//! clock, with the deadline watchdog looking as simulated time passes.
//!
//! # Brief overview
//! - [`scenario::Scenario`] reads `scenario/covid-2021.json`: the offices, people, keys and
//!   positions the three seed texts show; the directives with their real symbols, dates,
//!   signatories and parent documents; their tasks; and a simulated follow-up (reports,
//!   an inspection, violations, sanctions, and deliberately bad submissions) with fictional
//!   people wherever someone is found at fault.
//! - [`driver::run`] submits every step through [`mandate_ledger::gate::Gate`] and checks each
//!   is accepted, or rejected by the rule the scenario expects; before each step the deadline
//!   watchdog ([`mandate_views::watchdog`]) records what fell due meanwhile. The run's read
//!   models answer who answered for what ([`mandate_views::query::Reader::summary`]).

#![forbid(unsafe_code)]

pub mod driver;
pub mod national;
pub mod scenario;
