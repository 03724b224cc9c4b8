//! MSP YAML import: never panics, is bounded on hostile YAML (libFuzzer's
//! time and memory limits catch blow-ups), points its diagnostics into the
//! YAML, and what it writes is formatted `.msp` that parses cleanly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mspc_compiler::diagnostics::FileId;
use mspc_compiler::import::{self, Options};
use mspc_compiler::{fmt, syntax};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let imported = import::import(text, FileId(0), &Options::default());
    for d in &imported.diagnostics {
        mspc_fuzz::assert_range_in(text, d.primary.span.range, d.code.as_str());
    }
    if let Some(msp) = &imported.msp {
        let parse = syntax::parse(msp);
        assert!(parse.errors.is_empty(), "imported text does not parse: {:?}\n{msp}", parse.errors);
        assert_eq!(fmt::format(msp).ok().as_deref(), Some(msp.as_str()), "imported text is not formatted");
    }
});
