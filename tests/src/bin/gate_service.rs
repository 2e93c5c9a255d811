//! A gate service for the failover test: serves the ledger on the NATS URL given as the first
//! argument, with the demo's gate key, until killed.

#![forbid(unsafe_code)]

use std::sync::Arc;

use mandate_demo::driver::demo_gate_key;
use mandate_ledger::clock::SimulatedClock;
use mandate_ledger::gate::Gate;
use mandate_nats::{JetStreamConfig, JetStreamLog};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).ok_or("usage: gate-service NATS_URL")?;
    let log = JetStreamLog::connect(JetStreamConfig::new(&url, "covid-2021"))?;
    let clock = SimulatedClock::new("2021-08-13T00:00:00+07:00".parse()?);
    let gate = Gate::open(log, demo_gate_key(), Arc::new(clock))?;
    mandate_nats::service::serve(gate, &url, |_| {}, || false)?;
    Ok(())
}
