//! Any bytes: the parser returns a tree or errors, never panics or
//! overflows its stack, and every range it gives lies in the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mspc_compiler::syntax;
use mspc_fuzz::assert_range_in;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parse = syntax::parse(&text);
    for e in &parse.errors {
        assert_range_in(&text, e.range, "syntax error");
    }
    for c in &parse.ast.comments {
        assert_range_in(&text, c.range, "comment");
    }
    for item in &parse.ast.items {
        assert_range_in(&text, item.range(), "item");
    }
});
