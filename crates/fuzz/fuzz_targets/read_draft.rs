//! Reads arbitrary bytes as a draft file (an administrator edits drafts by hand; integrators
//! produce them): reading and planning its events never panic, and a draft that plans has
//! every event's stream of the kind its event opens or extends.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(draft) = serde_json::from_slice::<mandate_import::Draft>(data)
        && let Ok(events) = mandate_import::apply::events(&draft)
    {
        for e in events {
            let kind = mandate_model::event::EVENT_KINDS
                .iter()
                .find(|(k, _)| *k == e.data.kind())
                .map(|(_, s)| *s)
                .expect("a known kind");
            assert_eq!(e.stream.kind(), kind);
        }
        let _ = mandate_import::review::table(&draft, None);
    }
});
