//! A gate service for the failover and crash tests: serves the ledger on the NATS URL given as
//! the first argument, with the demo's gate key, until killed; with a second argument, keeping
//! the stream's index in that file.

#![forbid(unsafe_code)]

use std::sync::Arc;

use mandate_demo::driver::demo_gate_key;
use mandate_ledger::clock::SimulatedClock;
use mandate_ledger::gate::Gate;
use mandate_nats::{JetStreamConfig, JetStreamLog};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or("usage: gate-service NATS_URL [INDEX_FILE]")?;
    let mut config = JetStreamConfig::new(&url, "covid-2021");
    config.index = args.next().map(Into::into);
    let log = JetStreamLog::connect(config)?;
    let clock = SimulatedClock::new("2021-08-13T00:00:00+07:00".parse()?);
    let gate = Gate::open(log, demo_gate_key(), Arc::new(clock))?;
    mandate_nats::service::serve(gate, &url, |_| {}, || false)?;
    Ok(())
}
