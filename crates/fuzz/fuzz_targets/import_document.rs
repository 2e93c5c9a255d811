//! Imports arbitrary bytes as a document (text, or anything starting like a .docx or a PDF):
//! the importer never panics, and every fact's evidence quotes the draft's text exactly at its
//! offsets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mandate_import::{KnownOffice, KnownPerson, Registry};
use mandate_model::event::{Level, OfficeKind};

fn registry() -> Registry {
    let office = |id: &str, name: &str, kind, level, area: &str| KnownOffice {
        id: id.parse().expect("id"),
        name: name.into(),
        kind,
        level,
        area: area.parse().expect("area"),
    };
    Registry {
        offices: vec![
            office("vn/ha-noi/thanh-uy", "Thành ủy Hà Nội", OfficeKind::PartyCommittee, Level::Province, "vn/ha-noi"),
            office("vn/ha-noi/long-bien/quan-uy", "Quận ủy Long Biên", OfficeKind::PartyCommittee, Level::District, "vn/ha-noi/long-bien"),
            office("vn/ha-noi/long-bien/ubnd", "Ủy ban nhân dân quận Long Biên", OfficeKind::PeoplesCommittee, Level::District, "vn/ha-noi/long-bien"),
            office("vn/ha-noi/long-bien/bo-de/ubnd", "Ủy ban nhân dân phường Bồ Đề", OfficeKind::PeoplesCommittee, Level::Commune, "vn/ha-noi/long-bien/bo-de"),
            office("vn/ha-noi/long-bien/bo-de/dang-uy", "Đảng ủy phường Bồ Đề", OfficeKind::PartyCommittee, Level::Commune, "vn/ha-noi/long-bien/bo-de"),
        ],
        people: vec![KnownPerson { id: "duong-hoai-nam".parse().expect("id"), full_name: "Đường Hoài Nam".into() }],
        documents: Vec::new(),
    }
}

fuzz_target!(|data: &[u8]| {
    let registry = registry();
    if let Ok(draft) = mandate_import::draft("fuzz.txt", data, &registry, "+07:00") {
        let chars: Vec<char> = draft.source.text.chars().collect();
        let value = serde_json::to_value(&draft).expect("a draft serialises");
        let mut stack = vec![&value];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::Object(map) => {
                    if let Some(e) = map.get("evidence").and_then(|e| e.as_object()) {
                        let start = e["start"].as_u64().expect("start") as usize;
                        let end = e["end"].as_u64().expect("end") as usize;
                        assert!(start <= end && end <= chars.len());
                        let quoted: String = chars[start..end].iter().collect();
                        assert_eq!(quoted, e["quote"].as_str().expect("quote"));
                    }
                    stack.extend(map.values());
                }
                serde_json::Value::Array(items) => stack.extend(items),
                _ => {}
            }
        }
        let _ = mandate_import::apply::events(&draft);
        let _ = mandate_import::review::table(&draft, None);
    }
});
