//! `mandate find TEXT` and `mandate list offices|people|documents`: the ids an inspector needs,
//! found by name, with or without Vietnamese diacritics (`bo de` finds Bồ Đề).

use std::process::ExitCode;

use mandate_model::ids::AreaPath;
use mandate_views::find::{self, Found, ListKind};

use crate::views::live_views;
use crate::{Access, Ledger, output};

#[derive(clap::Args)]
pub(crate) struct FindArgs {
    /// A name or part of one, an id, a symbol: `bo de`, `nguyen van a`, `06-ct/qu`
    text: String,
    /// At most this many of each kind
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum ListWhat {
    Offices,
    People,
    Documents,
}

#[derive(clap::Args)]
pub(crate) struct ListArgs {
    /// What to list
    #[arg(value_enum)]
    what: ListWhat,
    /// Only those in this area or under it (offices in it; people who held a position in one;
    /// documents one issued), e.g. vn/ha-noi/long-bien
    #[arg(long)]
    below: Option<AreaPath>,
    /// Print JSON for programs (times in RFC 3339) instead of text for people
    #[arg(long)]
    json: bool,
}

fn line(f: &Found) -> String {
    if f.detail.is_empty() {
        format!("  {}  {}", f.id, f.name)
    } else {
        format!("  {}  {} ({})", f.id, f.name, f.detail)
    }
}

pub(crate) fn find(target: &Ledger, args: FindArgs) -> anyhow::Result<ExitCode> {
    let log = target.open_log(Access::Read)?;
    let views = live_views(target, &log)?;
    let answer = find::find(&views.reader()?, &args.text, args.limit)?;
    mandate_views::integrity::check_events(&log, &answer.events)?;
    if args.json {
        output::json_line(&serde_json::to_value(&answer)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = Vec::new();
    for (title, found) in
        [("offices", &answer.offices), ("people", &answer.people), ("documents", &answer.documents)]
    {
        if !found.is_empty() {
            out.push(format!("{title}:"));
            out.extend(found.iter().map(line));
        }
    }
    if out.is_empty() {
        out.push(format!(
            "nothing matches {:?}; try fewer words, or `mandate list offices|people|documents`",
            args.text
        ));
    }
    output::line(&out.join("\n"))?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn list(target: &Ledger, args: ListArgs) -> anyhow::Result<ExitCode> {
    let log = target.open_log(Access::Read)?;
    let views = live_views(target, &log)?;
    let kind = match args.what {
        ListWhat::Offices => ListKind::Offices,
        ListWhat::People => ListKind::People,
        ListWhat::Documents => ListKind::Documents,
    };
    let found = find::list(&views.reader()?, kind, args.below.as_ref())?;
    let answer = find::ListAnswer::new(kind, args.below.as_ref(), found);
    mandate_views::integrity::check_events(&log, &answer.events)?;
    let found = &answer.items;
    if args.json {
        output::json_line(&serde_json::to_value(&answer)?)?;
    } else if found.is_empty() {
        output::line("none")?;
    } else {
        output::line(&found.iter().map(line).collect::<Vec<_>>().join("\n"))?;
    }
    Ok(ExitCode::SUCCESS)
}
