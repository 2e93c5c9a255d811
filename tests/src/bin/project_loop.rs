//! A projector for the crash test: folds the embedded log at LOG into the read models at VIEWS,
//! CHUNK events per durable transaction, until it reaches the log's head; prints the position.

#![forbid(unsafe_code)]

use mandate_ledger::backend::LogBackend;
use mandate_store::EmbeddedLog;
use mandate_views::{Commit, Views};

#[allow(clippy::print_stdout)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(log), Some(views), Some(chunk)) = (args.next(), args.next(), args.next()) else {
        return Err("usage: project-loop LOG VIEWS CHUNK".into());
    };
    let log = EmbeddedLog::open_read_only(std::path::Path::new(&log))?;
    let views = Views::open(std::path::Path::new(&views))?;
    let (at, _) =
        views.catch_up(&log, Some(log.head()?), chunk.parse()?, Commit::Durable, |_| true)?;
    println!("{at}");
    Ok(())
}
