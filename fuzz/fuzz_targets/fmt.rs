//! Formatting: never panics; on a file that parses it succeeds (the
//! formatter's own check that the tree and comments survive must hold), and
//! its output is a fixed point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mspc_compiler::fmt::{self, FormatError};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match fmt::format(text) {
        Ok(out) => {
            let again = fmt::format(&out).expect("formatted text formats again");
            assert_eq!(again, out, "formatting is not idempotent");
        }
        Err(FormatError::Syntax(_)) => {}
        Err(e @ FormatError::Changed(_)) => panic!("{e}"),
    }
});
