//! Sanction ladders as dated data (`data/sanction-ladders.json`), judged on the act's date.

use mandate_model::event::{Ladder, SanctionKind};
use mandate_model::time::LocalDate;
use serde::Deserialize;

/// One set of rules for one ladder, in force over a span of days.
#[derive(Debug, Clone, Deserialize)]
pub struct LadderRules {
    pub ladder: Ladder,
    /// The text that sets these rules.
    pub source: String,
    /// First day in force.
    pub from: LocalDate,
    /// First day no longer in force.
    #[serde(default)]
    pub until: Option<LocalDate>,
    pub kinds: Vec<SanctionKind>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Deserialize)]
struct LadderFile {
    entries: Vec<LadderRules>,
}

/// Every ladder rule set the gate knows.
#[derive(Debug, Clone)]
pub struct Ladders {
    entries: Vec<LadderRules>,
}

/// The ladder data shipped with the gate.
pub const SHIPPED_LADDERS: &str = include_str!("../data/sanction-ladders.json");

/// Malformed ladder data.
#[derive(Debug, thiserror::Error)]
#[error("the sanction ladder data is malformed")]
pub struct LadderDataError(#[from] serde_json::Error);

impl Ladders {
    /// Reads ladder data in the shipped file's format.
    pub fn parse(json: &str) -> Result<Self, LadderDataError> {
        let file: LadderFile = serde_json::from_str(json)?;
        Ok(Self { entries: file.entries })
    }

    /// The shipped ladders.
    pub fn shipped() -> Self {
        // The shipped file is checked by a unit test; an empty table refuses every sanction
        // rather than allowing one.
        Self::parse(SHIPPED_LADDERS).unwrap_or(Self { entries: Vec::new() })
    }

    /// The rules for `ladder` in force on `day`.
    pub fn in_force(&self, ladder: Ladder, day: LocalDate) -> Option<&LadderRules> {
        self.entries.iter().find(|e| {
            e.ladder == ladder && e.from <= day && e.until.is_none_or(|until| day < until)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_change_over_time() {
        let ladders = Ladders::parse(SHIPPED_LADDERS).unwrap();
        let in_2021 =
            ladders.in_force(Ladder::CivilService, LocalDate::new(2021, 8, 1).unwrap()).unwrap();
        assert!(in_2021.kinds.contains(&SanctionKind::Demotion));
        assert!(in_2021.source.contains("112/2020"));
        let in_2026 =
            ladders.in_force(Ladder::CivilService, LocalDate::new(2026, 1, 1).unwrap()).unwrap();
        assert!(!in_2026.kinds.contains(&SanctionKind::Demotion));
        assert!(in_2026.source.contains("172/2025"));
        assert!(
            ladders.in_force(Ladder::Administrative, LocalDate::new(2019, 1, 1).unwrap()).is_none()
        );
    }
}
