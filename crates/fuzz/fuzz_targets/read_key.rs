//! Reads key files from arbitrary bytes (an administrator's file, maybe made by ssh-keygen,
//! maybe damaged): reading never panics, and a key that reads has the public key its file
//! names (the derived public key is checked on every load).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = mandate_node::keys::parse_without_prompt(Path::new("fuzz.key"), data) {
        let again = mandate_node::keys::parse_without_prompt(Path::new("fuzz.key"), data)
            .expect("a key that reads reads again");
        assert_eq!(key.to_bytes(), again.to_bytes());
    }
});
