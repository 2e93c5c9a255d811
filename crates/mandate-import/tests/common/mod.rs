//! The demo scenario's registry (offices and people), as the importer's tests resolve against.

#![allow(dead_code)]

use mandate_import::{KnownOffice, KnownPerson, Registry};

/// The offices and people the shipped scenario registers.
pub(crate) fn demo_registry() -> Registry {
    let scenario: serde_json::Value =
        serde_json::from_str(mandate_demo::scenario::SEED_SCENARIO).expect("the scenario is JSON");
    let mut registry = Registry::default();
    for step in scenario["steps"].as_array().expect("steps") {
        let stream = step["stream"].as_str().unwrap_or_default();
        match step["kind"].as_str() {
            Some("office.registered") => {
                let data = &step["data"];
                registry.offices.push(KnownOffice {
                    id: stream.trim_start_matches("office:").parse().expect("office id"),
                    name: data["name"].as_str().expect("name").to_owned(),
                    kind: serde_json::from_value(data["kind"].clone()).expect("kind"),
                    level: serde_json::from_value(data["level"].clone()).expect("level"),
                    area: data["area"].as_str().expect("area").parse().expect("area"),
                });
            }
            Some("person.registered") => registry.people.push(KnownPerson {
                id: stream.trim_start_matches("person:").parse().expect("person id"),
                full_name: step["data"]["full_name"].as_str().expect("name").to_owned(),
            }),
            _ => {}
        }
    }
    registry
}

/// A seed text's bytes: the copy in `corpus/` (the tests need nothing outside the repository;
/// `the_seed_copies_are_the_seeds` holds the copies to `../shared/seeds/` where it is beside).
pub(crate) fn seed(name: &str) -> Vec<u8> {
    let path = format!("{}/corpus/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
