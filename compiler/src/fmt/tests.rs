use super::{FormatError, compare, format};
use crate::diagnostics::Code;
use crate::syntax::parse;

fn fmt(text: &str) -> String {
    match format(text) {
        Ok(out) => out,
        Err(e) => panic!("{e}: {e:?}\n{text}"),
    }
}

/// Formats, checks the result is a fixed point, and returns it.
fn stable(text: &str) -> String {
    let once = fmt(text);
    assert_eq!(fmt(&once), once, "not idempotent on:\n{text}");
    once
}

#[test]
fn equals_line_up_in_a_run_of_one_line_entries() {
    let src =
        "service a {\n  name = \"x\"\n  description = \"y\"\n  // a comment does not end the run\n  image = \"z\"\n}\n";
    assert_eq!(
        stable(src),
        "service a {\n  name        = \"x\"\n  description = \"y\"\n  // a comment does not end the run\n  image       = \"z\"\n}\n"
    );
}

#[test]
fn blank_lines_multi_line_entries_blocks_and_spreads_end_a_run() {
    let src = "let x = {
  a = 1
  long_key = 2

  b = 3
  env = {
    k = 1
  }
  c = 4
  block { d = 5 }
  e = 6
  ..base
  f = 7
}
";
    assert_eq!(
        stable(src),
        "let x = {
  a        = 1
  long_key = 2

  b = 3
  env = {
    k = 1
  }
  c = 4
  block { d = 5 }
  e = 6
  ..base
  f = 7
}
"
    );
}

#[test]
fn consecutive_lets_line_up_until_a_blank_line() {
    let src = "let a = 1\n/// doc\nlet bbb = 2\n\nlet cc = 3\nlet d = 4\n";
    assert_eq!(stable(src), "let a   = 1\n/// doc\nlet bbb = 2\n\nlet cc = 3\nlet d  = 4\n");
}

#[test]
fn a_let_broken_by_a_comment_stays_out_of_the_run() {
    let src = "let a = 1\nlet // why\n  bbbbbb = 2\nlet cc = 3\n";
    assert_eq!(stable(src), "let a = 1\nlet // why\nbbbbbb = 2\nlet cc = 3\n");
}

#[test]
fn trailing_comments_of_consecutive_lines_share_a_column() {
    let src = "platform {\n  folders {\n    test = \"f/1\" // one\n    internal = \"f/22\" // two\n    x = 1\n    y = 2 // alone\n  }\n}\n";
    assert_eq!(
        stable(src),
        "platform {\n  folders {\n    test     = \"f/1\"  // one\n    internal = \"f/22\" // two\n    x        = 1\n    y        = 2 // alone\n  }\n}\n"
    );
}

#[test]
fn one_line_values_stay_on_one_line_with_normal_spacing() {
    let src = "let x = {a=1,b=[ 1 ,2,],c={},d=[ ],e=secret( \"s\" ),f=tag{ },g={..y}}\n";
    assert_eq!(
        stable(src),
        "let x = { a = 1, b = [1, 2], c = {}, d = [], e = secret(\"s\"), f = tag {}, g = { ..y } }\n"
    );
}

#[test]
fn multi_line_values_put_one_item_a_line() {
    let src = "let x = { a = 1,\n  b = [1,\n 2], c = f(\"a\",\n \"b\"),\n d = {\n}, e = [\n] }\n";
    assert_eq!(
        stable(src),
        "let x = {\n  a = 1\n  b = [\n    1,\n    2,\n  ]\n  c = f(\n    \"a\",\n    \"b\",\n  )\n  d = {}\n  e = []\n}\n"
    );
}

#[test]
fn blank_lines_are_kept_once_and_never_at_the_edges_of_a_block() {
    let src = "\n\n// head\n\n\n\nservice a {\n\n\n  x = 1\n\n\n\n  y = 2\n\n  // end\n\n}\n\n\n";
    assert_eq!(stable(src), "// head\n\nservice a {\n  x = 1\n\n  y = 2\n\n  // end\n}\n");
}

#[test]
fn strings_and_literals_are_copied_as_written() {
    let src = "let s = {\n  a = \"tab\\t \\\"q\\\" \\${x} ${y.z}\"\n  b = \"\"\"\n      odd\n    indentation \\n kept   \n  \"\"\"\n  c = [1_000, -2.50, 1.5m, 512Mi, 0x]\n}\n";
    // `0x` is not a number: the file is refused, and nothing else is tried.
    assert!(matches!(format(src), Err(FormatError::Syntax(_))));
    let src = src.replace(", 0x", "");
    let out = stable(&src);
    assert!(out.contains("\"tab\\t \\\"q\\\" \\${x} ${y.z}\""));
    assert!(out.contains("\"\"\"\n      odd\n    indentation \\n kept   \n  \"\"\""));
    assert!(out.contains("[1_000, -2.50, 1.5m, 512Mi]"));
}

#[test]
fn triple_strings_keep_their_lines_when_the_entry_moves() {
    let src = "service a {\n      q = \"\"\"\n        x\n      \"\"\"\n}\n";
    assert_eq!(stable(src), "service a {\n  q = \"\"\"\n        x\n      \"\"\"\n}\n");
}

#[test]
fn a_file_with_syntax_errors_is_refused_with_its_errors() {
    match format("service a {\n  name = \n}\n") {
        Err(FormatError::Syntax(errors)) => assert_eq!(errors[0].code, Code::Syntax),
        other => panic!("{other:?}"),
    }
    assert!(matches!(format(&"{".repeat(40)), Err(FormatError::Syntax(e)) if e[0].code == Code::TooDeep));
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(stable(""), "");
    assert_eq!(stable("\n \n\t\n"), "");
    assert_eq!(stable("// only\n\n\n// comments"), "// only\n\n// comments\n");
}

#[test]
fn crlf_and_tabs_become_newlines_and_spaces() {
    let src = "service a {\r\n\tname = \"x\" // c\r\n\tenv = {\r\n\t\tK = \"v\"\r\n\t}\r\n}\r\n";
    assert_eq!(stable(src), "service a {\n  name = \"x\" // c\n  env = {\n    K = \"v\"\n  }\n}\n");
}

#[test]
fn a_doc_comment_documents_the_same_entry_after_formatting() {
    // A comma between the doc comment and `b` means it documents nothing;
    // dropping the comma must not attach it.
    let src = "let x = {\n  a = 1\n  /// not b's\n  , b = 2\n  c = 3 /// not d's either\n  d = 4\n}\n";
    let out = stable(src);
    assert_eq!(out, "let x = {\n  a = 1\n  /// not b's\n\n  b = 2\n  c = 3 /// not d's either\n  d = 4\n}\n");
    assert_eq!(compare::shape(&parse(&out).ast), compare::shape(&parse(src).ast));
}

#[test]
fn comments_inside_a_construct_stay_between_the_same_tokens() {
    let src = "import // a\n \"x.msp\" as\n // b\n x\nlet // c\n y = 1\nservice s // d\n{ k // e\n { ..// f\n z } }\n";
    let out = stable(src);
    assert_eq!(
        out,
        "import // a\n\"x.msp\" as\n// b\nx\nlet // c\ny = 1\nservice s // d\n{\n  k // e\n  {\n    .. // f\n    z\n  }\n}\n"
    );
}

#[test]
fn the_stdlib_declarations_format_as_the_stdlib_writes_them() {
    let src = "/// S.\nschema S @a @b( 1,2 ) {\n  x : list < int > ? = [] @range(1 , 2)\n  /// y\n  y: string,\n}\nenum E {a,b}\nenum F {\n  a\n  b,\n}\nunion U {\n  a,\n  b { c: int, d: bool }\n  e {}\n}\n";
    assert_eq!(
        stable(src),
        "/// S.\nschema S @a @b(1, 2) {\n  x: list<int>? = [] @range(1, 2)\n  /// y\n  y: string\n}\nenum E { a, b }\nenum F {\n  a,\n  b,\n}\nunion U {\n  a\n  b { c: int, d: bool }\n  e {}\n}\n"
    );
}

#[test]
fn the_stdlib_is_already_formatted() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../stdlib");
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(fmt(&text), text, "{} is not formatted", path.display());
    }
}

#[test]
fn nesting_at_the_parsers_limit_formats() {
    let depth = crate::syntax::MAX_DEPTH - 1;
    let src = format!("let x = {}1{}\n", "[\n".repeat(depth), "]".repeat(depth));
    let out = stable(&src);
    assert_eq!(out.lines().count(), 2 * depth + 1);
    let ty = format!("schema S {{ x: {}int{} }}\n", "list<".repeat(60), ">".repeat(60));
    assert_eq!(stable(&ty), ty);
}
