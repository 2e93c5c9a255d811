//! The scenario file: a ledger's header and a list of steps, each one event to submit at a
//! simulated time, or a generator of daily reports.
//!
//! Strings in `data` may use placeholders the driver fills in:
//! - `$key:PERSON` or `$key:PERSON#N`: the public key of that person's N-th demo key (base64);
//! - `$keyid:PERSON[#N]`: its key id;
//! - `$event:LABEL`: the id of the event of the step labelled LABEL.

use std::collections::BTreeMap;

use mandate_model::event::Capacity;
use mandate_model::ids::{OfficeId, PersonId};
use mandate_model::time::{LocalDate, TimeOfDay, Timestamp};
use serde::Deserialize;
use serde_json::Value;

/// The shipped scenario: the seed texts of 2021 and a simulated follow-up.
pub const SEED_SCENARIO: &str = include_str!("../scenario/covid-2021.json");

/// A whole scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub title: String,
    /// Where the data comes from, and what is simulated.
    pub sources: Vec<String>,
    pub ledger: String,
    pub utc_offset: String,
    /// When the simulated clock starts (genesis).
    pub start: Timestamp,
    /// When the simulation ends; the summary is as of this time.
    pub end: Timestamp,
    pub administrator: AdminSpec,
    pub steps: Vec<Step>,
}

/// The administrator named at genesis.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminSpec {
    pub person: PersonId,
    pub full_name: String,
    pub office: OfficeId,
    pub office_name: String,
    /// The other administrators, who co-sign registry events (k of n).
    #[serde(default)]
    pub co_administrators: Vec<CoAdministratorSpec>,
    /// How many distinct administrators sign each registry event [default: 1].
    #[serde(default)]
    pub threshold: Option<u32>,
}

/// A co-administrator named at genesis, with the demo key of their person id.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoAdministratorSpec {
    pub person: PersonId,
    pub full_name: String,
}

/// One step.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Step {
    Event(EventStep),
    DailyReports { daily_reports: DailyReports },
}

/// One event to submit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventStep {
    /// The simulated time the submission reaches the gate.
    pub at: Timestamp,
    /// When the author says it happened; defaults to `at`.
    #[serde(default)]
    pub occurred_at: Option<Timestamp>,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// `PERSON` or `PERSON#N`: whose demo key signs. Defaults to the actor, or the
    /// administrator for registry events.
    #[serde(default)]
    pub signer: Option<String>,
    /// For an administrator's event, who co-signs it (`PERSON` or `PERSON#N`): defaults to the
    /// first co-administrators that make up the threshold.
    #[serde(default)]
    pub co_signers: Option<Vec<String>>,
    /// Defaults to the administrator acting for the administration office.
    #[serde(default)]
    pub actor: Option<ActorSpec>,
    pub kind: String,
    pub stream: String,
    pub data: Value,
    /// The rule the gate must reject this with (a deliberately bad submission).
    #[serde(default)]
    pub expect_rejection: Option<String>,
    /// How to spoil a bad submission.
    #[serde(default)]
    pub tamper: Option<Tamper>,
}

/// Who acts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorSpec {
    pub person: PersonId,
    pub office: OfficeId,
    pub capacity: Capacity,
    #[serde(default)]
    pub title: Option<String>,
}

/// Ways to spoil a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tamper {
    /// Signed by another key, labelled with the signer's key id.
    ForgeSignature,
    /// The body pretty-printed instead of canonical.
    PrettyPrint,
}

/// Reports on a daily duty, one a day, with the exceptions listed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DailyReports {
    pub task: String,
    pub actor: ActorSpec,
    pub from: LocalDate,
    pub to: LocalDate,
    /// The usual local time the report is filed.
    pub time: TimeOfDay,
    pub summary: String,
    /// Days whose report came at another time (late ones), day → when.
    #[serde(default)]
    pub late: BTreeMap<LocalDate, Timestamp>,
    /// Days with no report.
    #[serde(default)]
    pub missing: Vec<LocalDate>,
    /// Days from which a given signer key is used, day → `PERSON#N`.
    #[serde(default)]
    pub keys: BTreeMap<LocalDate, String>,
}

/// A scenario that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("the scenario is not valid")]
pub struct ScenarioError(#[from] serde_json::Error);

impl Scenario {
    /// Reads a scenario file.
    pub fn parse(json: &str) -> Result<Self, ScenarioError> {
        Ok(serde_json::from_str(json)?)
    }

    /// The shipped seed scenario.
    pub fn seed() -> Result<Self, ScenarioError> {
        Self::parse(SEED_SCENARIO)
    }

    /// The scenario as it stood at `until`: the steps that reach the gate before it, the
    /// simulation ending there.
    pub fn before(&self, until: Timestamp) -> Self {
        let steps =
            self.expanded_steps().into_iter().filter(|s| s.at < until).map(Step::Event).collect();
        Self { steps, end: until.min(self.end), ..self.clone() }
    }

    /// Every event step, daily reports expanded, in time order (stable for equal times).
    pub fn expanded_steps(&self) -> Vec<EventStep> {
        let offset =
            mandate_model::time::parse_offset(&self.utc_offset).unwrap_or(time::UtcOffset::UTC);
        let mut out = Vec::new();
        for step in &self.steps {
            match step {
                Step::Event(event) => out.push(event.clone()),
                Step::DailyReports { daily_reports: d } => {
                    let mut day = d.from;
                    let mut signer = None;
                    while day <= d.to {
                        if let Some(key) = d.keys.range(..=day).next_back() {
                            signer = Some(key.1.clone());
                        }
                        if !d.missing.contains(&day) {
                            let at = d.late.get(&day).copied().unwrap_or_else(|| {
                                Timestamp::from_parts(day, d.time.time(), offset)
                            });
                            out.push(EventStep {
                                at,
                                occurred_at: None,
                                label: None,
                                note: None,
                                signer: signer.clone(),
                                co_signers: None,
                                actor: Some(d.actor.clone()),
                                kind: "report.filed".into(),
                                stream: d.task.clone(),
                                data: serde_json::json!({
                                    "report_kind": "periodic",
                                    "period": day.to_string(),
                                    "summary": d.summary,
                                    "attachments": [],
                                }),
                                expect_rejection: None,
                                tamper: None,
                            });
                        }
                        match day.next() {
                            Some(next) => day = next,
                            None => break,
                        }
                    }
                }
            }
        }
        out.sort_by_key(|s| s.at);
        out
    }
}
