//! A workspace (`//- path` sections, or one service file beside the
//! examples' platform): checking never panics and finds no internal error,
//! every diagnostic points into its file and renders in every format, and a
//! clean workspace builds its Terraform and docs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mspc_compiler::emit::{self, Filter, docs::DocsMeta};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let loaded = mspc_fuzz::workspace(mspc_fuzz::files(&text));
    let result = loaded.result();
    assert!(result.internal_errors.is_empty(), "internal errors: {:?}", result.internal_errors);
    mspc_fuzz::check_diagnostics(&result.diagnostics, &loaded);
    if let Some(platform) = &result.platform {
        if !result.has_errors() {
            let files = emit::build(platform, &result.services, &Filter::default(), &DocsMeta::default(), 1);
            for f in &files {
                assert!(!f.path.contains(".."), "an output path leaves the output folder: {}", f.path);
                assert!(!f.path.starts_with('/'), "an absolute output path: {}", f.path);
            }
        }
    }
});
