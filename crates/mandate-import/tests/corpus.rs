//! The labelled corpus (`corpus/*.expected.json`, each written by hand from its document, not
//! from the importer's output): every document's draft scored field by field — precision,
//! recall and F1 for the document's fields, symbols, dates, deadlines, tasks (item, lead
//! offices, deadline), the signature and the citations — and the whole corpus held to the
//! thresholds below. Each text is also read decomposed (NFD) with stray line breaks inside its
//! sentences, and as a .docx made by docx-rs: the same facts must come out.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mandate_import::Draft;
use mandate_model::event::{AssigneeRole, Obligation};
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

/// Facts of one document, by category, as comparable strings.
type Facts = BTreeMap<&'static str, Vec<String>>;

const CATEGORIES: [&str; 7] =
    ["document", "symbols", "dates", "deadlines", "tasks", "signature", "citations"];

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn push(facts: &mut Facts, category: &'static str, name: &str, value: Option<String>) {
    facts
        .entry(category)
        .or_default()
        .push(format!("{name}={}", value.unwrap_or_else(|| "∅".into())));
}

fn expected_facts(e: &Value) -> Facts {
    let mut f = Facts::new();
    let d = &e["document"];
    for field in ["document_type", "issuer", "place", "subject"] {
        push(&mut f, "document", field, text(&d[field]));
    }
    push(&mut f, "symbols", "symbol", text(&d["symbol"]));
    push(&mut f, "dates", "issued_on", text(&d["issued_on"]));
    let s = &e["signature"];
    for field in ["capacity", "title", "signer"] {
        push(&mut f, "signature", field, text(&s[field]));
    }
    for c in e["citations"].as_array().into_iter().flatten() {
        let (rel, sym, date) = (text(&c[0]), text(&c[1]), text(&c[2]));
        push(&mut f, "symbols", "cited", sym.clone());
        push(&mut f, "dates", &format!("cited {}", sym.clone().unwrap_or_default()), date.clone());
        push(
            &mut f,
            "citations",
            &rel.unwrap_or_default(),
            Some(format!("{} {}", sym.unwrap_or_default(), date.unwrap_or_default())),
        );
    }
    for t in e["tasks"].as_array().into_iter().flatten() {
        let (key, lead, due) = (text(&t[0]).unwrap_or_default(), text(&t[1]), text(&t[2]));
        push(&mut f, "deadlines", &key, due.clone());
        push(
            &mut f,
            "tasks",
            &key,
            Some(format!("{} | {}", lead.unwrap_or_default(), due.unwrap_or_default())),
        );
    }
    f
}

/// The deadline as read: from the phrase's reading (which holds even when the obligation must
/// wait for a blank issue date), else the obligation.
fn deadline(t: &mandate_import::draft::TaskDraft) -> String {
    if let Some(r) = &t.reading {
        let day = r.day.map(|d| d.to_string()).unwrap_or_default();
        let time = r.time.map(|x| x.to_string()).unwrap_or_default();
        return match r.wording.as_str() {
            "before_day" => format!("before {day}"),
            "within_day" => format!("within {day}"),
            "daily_before" | "daily_by" => {
                format!("daily {time}{}", if r.reported { " report" } else { "" })
            }
            "within_days" => format!("within {} days", r.days.unwrap_or_default()),
            other => other.to_owned(),
        };
    }
    match &t.obligation.value {
        Some(Obligation::Standing) => "standing".into(),
        Some(_) => "unread".into(),
        None => "unknown".into(),
    }
}

fn actual_facts(draft: &Draft) -> Facts {
    let mut f = Facts::new();
    let d = &draft.document;
    let val = |v: Option<String>| v;
    push(
        &mut f,
        "document",
        "document_type",
        d.document_type.value.map(|t| mandate_model::event::wire_name(&t)),
    );
    push(&mut f, "document", "issuer", val(d.issuer.value.as_ref().map(ToString::to_string)));
    push(&mut f, "document", "place", d.place.value.clone());
    push(&mut f, "document", "subject", d.subject.value.clone());
    push(&mut f, "symbols", "symbol", d.symbol.value.as_ref().map(ToString::to_string));
    push(&mut f, "dates", "issued_on", d.issued_on.value.map(|x| x.to_string()));
    let s = &draft.signature;
    push(
        &mut f,
        "signature",
        "capacity",
        s.capacity.value.map(|c| mandate_model::event::wire_name(&c)),
    );
    push(&mut f, "signature", "title", s.title.value.clone());
    push(&mut f, "signature", "signer", s.signer.value.clone());
    for (rel, list) in [("implements", &d.implements), ("cites", &d.cites)] {
        for c in list {
            let sym = c.symbol.to_string();
            let date = c.date.value.map(|x| x.to_string());
            push(&mut f, "symbols", "cited", Some(sym.clone()));
            push(&mut f, "dates", &format!("cited {sym}"), date.clone());
            push(&mut f, "citations", rel, Some(format!("{sym} {}", date.unwrap_or_default())));
        }
    }
    for t in &draft.tasks {
        let key = match &t.part {
            Some(p) => format!("{}/{p}", t.item),
            None => t.item.clone(),
        };
        let mut leads: Vec<String> = t
            .assignees
            .iter()
            // Leading, or named jointly with no lead said (ambiguous: a person chooses).
            .filter(|a| a.role.value != Some(AssigneeRole::Coordinate))
            .map(|a| a.office.settled().map_or_else(|| "?".to_owned(), ToString::to_string))
            .collect();
        leads.sort();
        leads.dedup();
        let due = deadline(t);
        push(&mut f, "deadlines", &key, Some(due.clone()));
        push(&mut f, "tasks", &key, Some(format!("{} | {due}", leads.join("+"))));
    }
    f
}

/// True and false positives and negatives of one category.
#[derive(Default, Clone, Copy)]
struct Count {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Count {
    fn add(&mut self, o: Count) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
    fn f1(&self) -> f64 {
        let p = self.precision();
        let r = self.recall();
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
    fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 { 1.0 } else { self.tp as f64 / (self.tp + self.fp) as f64 }
    }
    fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 { 1.0 } else { self.tp as f64 / (self.tp + self.fn_) as f64 }
    }
}

/// Scores `actual` against `expected`: a fact `name=∅` (unknown, blank) counts as a fact like
/// any other — an importer that fills a blank is as wrong as one that misses a value.
fn score(expected: &[String], actual: &[String], misses: &mut Vec<String>) -> Count {
    let mut left: Vec<&String> = actual.iter().collect();
    let mut c = Count::default();
    for e in expected {
        match left.iter().position(|a| *a == e) {
            Some(i) => {
                left.remove(i);
                c.tp += 1;
            }
            None => {
                c.fn_ += 1;
                misses.push(format!("missed   {e}"));
            }
        }
    }
    for a in left {
        c.fp += 1;
        misses.push(format!("proposed {a}"));
    }
    c
}

fn source_bytes(expected_path: &Path, e: &Value) -> (String, Vec<u8>) {
    let rel =
        e["source"].as_str().unwrap_or_else(|| panic!("{}: no source", expected_path.display()));
    let path = corpus_dir().join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    (path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), bytes)
}

/// Every labelled document: its expected file's path, the expected draft, the source's name and
/// bytes, in name order.
fn labelled() -> Vec<(PathBuf, Value, String, Vec<u8>)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap_or_else(|e| panic!("corpus: {e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".expected.json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let e: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_default())
                    .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            let (name, bytes) = source_bytes(&path, &e);
            (path, e, name, bytes)
        })
        .collect()
}

/// The text decomposed (NFD), with a line break before every eighth word that starts in lower
/// case inside a long line: how text copied from a PDF or a web page often arrives.
fn nfd_with_stray_breaks(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut n = 0;
        for (i, word) in line.split(' ').enumerate() {
            if i > 0 {
                n += 1;
                let lower = word.chars().next().is_some_and(char::is_lowercase);
                if lower && n % 8 == 0 && line.chars().count() > 80 {
                    out.push('\n');
                } else {
                    out.push(' ');
                }
            }
            out.push_str(word);
        }
        out.push('\n');
    }
    out.nfd().collect()
}

/// The text as a .docx made by docx-rs: its header lines (up to the subject) in a two-column
/// table as such documents lay them out, the rest one paragraph per line.
fn as_docx(text: &str) -> Vec<u8> {
    use docx_rs::{Docx, Paragraph, Run, Table, TableCell, TableRow};
    let lines: Vec<&str> = text.lines().collect();
    let split = lines.iter().position(|l| l.contains(", ngày ")).map_or(0, |i| i + 1);
    let mut docx = Docx::new();
    if split > 0 {
        let (left, right): (Vec<&str>, Vec<&str>) = lines[..split].iter().partition(|l| {
            !l.contains(", ngày ")
                && !l.starts_with("CỘNG HÒA")
                && !l.starts_with("Độc lập")
                && !l.starts_with("ĐẢNG CỘNG SẢN")
        });
        let cell = |ls: &[&str]| {
            ls.iter().fold(TableCell::new(), |c, l| {
                c.add_paragraph(Paragraph::new().add_run(Run::new().add_text(*l)))
            })
        };
        docx = docx.add_table(Table::new(vec![TableRow::new(vec![cell(&left), cell(&right)])]));
    }
    for l in &lines[split..] {
        docx = docx.add_paragraph(Paragraph::new().add_run(Run::new().add_text(*l)));
    }
    let mut out = std::io::Cursor::new(Vec::new());
    docx.build().pack(&mut out).unwrap_or_else(|e| panic!("docx: {e}"));
    out.into_inner()
}

#[test]
fn the_labelled_corpus_scores_above_its_thresholds() {
    let registry = common::demo_registry();
    let mut totals: BTreeMap<&'static str, Count> = BTreeMap::new();
    let mut report = Vec::new();
    let mut documents = 0;
    let mut variant_failures = Vec::new();
    let entries = labelled();
    for (_, e, name, bytes) in &entries {
        let draft = mandate_import::draft(name, bytes, &registry, "+07:00")
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        documents += 1;
        let expected = expected_facts(e);
        let actual = actual_facts(&draft);
        let mut misses = Vec::new();
        for cat in CATEGORIES {
            let c = score(
                expected.get(cat).map_or(&[][..], Vec::as_slice),
                actual.get(cat).map_or(&[][..], Vec::as_slice),
                &mut misses,
            );
            totals.entry(cat).or_default().add(c);
        }
        report.push(format!("{name}: {} differences", misses.len()));
        report.extend(misses.into_iter().map(|m| format!("    {m}")));
        // The same document decomposed with stray breaks, and as a .docx: the same facts.
        let text = String::from_utf8(bytes.clone()).unwrap_or_default();
        for (how, variant) in [
            ("NFD with stray line breaks", nfd_with_stray_breaks(&text).into_bytes()),
            (".docx made by docx-rs", as_docx(&text)),
        ] {
            let other = mandate_import::draft(name, &variant, &registry, "+07:00")
                .unwrap_or_else(|err| panic!("{name} ({how}): {err}"));
            let other_facts = actual_facts(&other);
            if other_facts != actual {
                variant_failures.push(format!(
                    "{name} read as {how} gives other facts:\n  {other_facts:?}\n  not {actual:?}"
                ));
            }
            documents += 1;
        }
    }
    let mut all = Count::default();
    let mut table = vec![format!(
        "{:<12} {:>5} {:>5} {:>5} {:>9} {:>7} {:>6}",
        "category", "tp", "fp", "fn", "precision", "recall", "F1"
    )];
    for (cat, c) in &totals {
        all.add(*c);
        table.push(format!(
            "{cat:<12} {:>5} {:>5} {:>5} {:>9.3} {:>7.3} {:>6.3}",
            c.tp,
            c.fp,
            c.fn_,
            c.precision(),
            c.recall(),
            c.f1()
        ));
    }
    table.push(format!(
        "{:<12} {:>5} {:>5} {:>5} {:>9.3} {:>7.3} {:>6.3}",
        "overall",
        all.tp,
        all.fp,
        all.fn_,
        all.precision(),
        all.recall(),
        all.f1()
    ));
    eprintln!(
        "corpus: {} labelled documents ({documents} read, with their NFD and .docx variants)\n{}\n{}",
        entries.len(),
        table.join("\n"),
        report.join("\n")
    );
    assert!(variant_failures.is_empty(), "{}", variant_failures.join("\n"));
    // Thresholds: the targets (1.0 for symbols, dates and deadlines), and 0.98 overall:
    // measured 1.000 on the eight documents, 0.996 on the two written last and run before any
    // change was made for them (README, "Importing a directive").
    for cat in ["symbols", "dates", "deadlines"] {
        let f1 = totals.get(cat).map_or(0.0, Count::f1);
        assert!(f1 >= 1.0, "{cat}: F1 {f1:.3} below 1.0");
    }
    assert!(all.f1() >= 0.98, "overall F1 {:.3} below 0.98", all.f1());
}

#[test]
fn the_committed_draft_schema_matches_the_types_and_every_corpus_draft_validates() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/draft.schema.json");
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        committed,
        mandate_import::schema(),
        "schemas/draft.schema.json is stale: run cargo xtask schemas"
    );
    let validator = jsonschema::validator_for(&committed).unwrap_or_else(|e| panic!("{e}"));
    let registry = common::demo_registry();
    for (_, _, name, bytes) in labelled() {
        let draft = mandate_import::draft(&name, &bytes, &registry, "+07:00")
            .unwrap_or_else(|err| panic!("{err}"));
        let value = serde_json::to_value(&draft).unwrap_or_default();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        // And it reads back as the same draft.
        let again: Draft = serde_json::from_value(value).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(again, draft);
    }
}

/// Run by hand: `cargo test --release -p mandate-import --test corpus measure -- --ignored
/// --nocapture`. Prints how long a draft of each labelled document takes (median of 20); it
/// asserts no time.
#[test]
#[ignore = "a measurement, run by hand"]
fn measure_import_time() {
    let registry = common::demo_registry();
    for (_, _, name, bytes) in labelled() {
        let mut times: Vec<f64> = (0..20)
            .map(|_| {
                let t = std::time::Instant::now();
                let _ = mandate_import::draft(&name, &bytes, &registry, "+07:00");
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        eprintln!("{name}: {} bytes, {:.2} ms", bytes.len(), times[10]);
    }
}

#[test]
fn the_seed_copies_are_the_seeds() {
    // Where ../shared/seeds is beside the repository (as in CI), the corpus's copies must be its
    // files byte for byte; elsewhere there is nothing to compare.
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds");
    let Ok(entries) = std::fs::read_dir(&shared) else { return };
    let mut compared = 0;
    for entry in entries.flatten() {
        let p = entry.path();
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let copy = corpus_dir().join(&name);
        assert_eq!(
            std::fs::read(&p).ok(),
            std::fs::read(&copy).ok(),
            "corpus/{name} differs from {}",
            p.display()
        );
        compared += 1;
    }
    assert!(compared >= 3, "{compared} seeds in {}", shared.display());
}
