//! A durable subscriber for the crash test: follows the ledger on the NATS URL given as the
//! first argument, with the filter and durable name given next, and prints the position of each
//! event it is handed, one a line, until killed.

#![forbid(unsafe_code)]

use std::io::Write;

use mandate_nats::JetStreamConfig;
use mandate_nats::subscribe::subscribe;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: subscribe-loop NATS_URL FILTER DURABLE";
    let url = args.next().ok_or(usage)?;
    let filter = args.next().ok_or(usage)?;
    let durable = args.next().ok_or(usage)?;
    let mut out = std::io::stdout().lock();
    subscribe(JetStreamConfig::new(&url, "covid-2021"), &filter, Some(&durable), |d| {
        assert!(d.findings.is_empty(), "{:?}", d.findings);
        writeln!(out, "{}", d.event.position).and_then(|()| out.flush()).is_ok()
    })?;
    Ok(())
}
