//! Quick fixes: the suggested edits the checker attaches to diagnostics
//! ("did you mean", unquote, add a missing field), offered where the
//! diagnostic is. The checker knows what to insert but not the layout around
//! it; insertions into a record are placed here to match the record's style.

use super::TextEdit;
use crate::db::{self, Db, SourceFile, Workspace};
use crate::diagnostics::Diagnostic;
use crate::syntax::TextRange;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeAction {
    pub title: String,
    pub edits: Vec<TextEdit>,
    /// The diagnostic it fixes.
    pub diagnostic: Diagnostic,
    /// The only fix of its diagnostic: editors may apply it on save.
    pub preferred: bool,
}

/// Fixes of the workspace's diagnostics whose primary range in `file`
/// touches `range`.
pub fn code_actions(db: &dyn Db, ws: Workspace, file: SourceFile, range: TextRange) -> Vec<CodeAction> {
    let id = file.id(db);
    let index = db::file_index(db, ws);
    let mut out = Vec::new();
    for d in &db::workspace_result(db, ws).diagnostics {
        let span = d.primary.span;
        if span.file != id || span.range.end < range.start || span.range.start > range.end {
            continue;
        }
        let Some(fix) = &d.fix else { continue };
        let mut edits = Vec::new();
        for (span, text) in &fix.edits {
            let Some(target) = index.by_id.get(&span.file) else { continue };
            edits.push(place(target.text(db), span.file, span.range, text));
        }
        if edits.len() == fix.edits.len() {
            out.push(CodeAction { title: fix.message.clone(), edits, diagnostic: d.clone(), preferred: true });
        }
    }
    out
}

/// An empty range just before a record's closing `}` means "add this entry
/// to the record": on its own line, indented like its siblings, in a block;
/// after a comma in a one-line record. Other edits are taken as they are.
fn place(text: &str, file: crate::diagnostics::FileId, range: TextRange, new_text: &str) -> TextEdit {
    let plain = TextEdit { file, range, new_text: new_text.to_string() };
    let at = range.start as usize;
    if !range.is_empty() || text.as_bytes().get(at) != Some(&b'}') || !text.is_char_boundary(at) {
        return plain;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |p| p + 1);
    let before = &text[line_start..at];
    if before.trim().is_empty() {
        // `}` starts its line: a new line above it, one level deeper.
        let entry_indent = format!("{before}  ");
        return TextEdit { file, range: TextRange::empty(line_start), new_text: format!("{entry_indent}{new_text}\n") };
    }
    // One-line record: after the last entry.
    let last = text[..at].trim_end();
    let insert_at = last.len();
    let sep = if last.ends_with('{') || last.ends_with(',') { " " } else { ", " };
    let trailing = if last.ends_with('{') { " " } else { "" };
    TextEdit { file, range: TextRange::empty(insert_at), new_text: format!("{sep}{new_text}{trailing}") }
}

/// Applies edits of one file (non-overlapping) to its text.
pub fn apply(text: &str, edits: &[TextEdit]) -> String {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| std::cmp::Reverse(e.range));
    let mut out = text.to_string();
    for e in sorted {
        let r = e.range.as_usize();
        if r.end <= out.len() && out.is_char_boundary(r.start) && out.is_char_boundary(r.end) {
            out.replace_range(r, &e.new_text);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ide::fixture::Fixture;

    fn fixed(text: &str) -> Vec<(String, String)> {
        let f = Fixture::new(text);
        let range = f.range.unwrap_or(TextRange::empty(f.offset as usize));
        code_actions(f.db(), f.ws(), f.file, range).into_iter().map(|a| (a.title, apply(f.text(), &a.edits))).collect()
    }

    #[test]
    fn did_you_mean_replaces_the_name() {
        let got = fixed(
            "service x {\n  owners = [\"a\"]\n  environment prod {\n    project_id = \"x-prod-1234\"\n    category = internal\n    deploy = manual { tag = \"v1\" }\n    $0regoin = us-central1\n  }\n}\n",
        );
        let (title, text) = got.iter().find(|(t, _)| t.contains("region")).expect("a rename fix");
        assert_eq!(title, "rename to `region`");
        assert!(text.contains("    region = us-central1\n"));
    }

    #[test]
    fn missing_field_is_added_inside_the_block() {
        let got = fixed(
            "service x {\n  owners = [\"a\"]\n  description = \"d\"\n  image = \"us.gcr.io/x/y\"\n  $0environment prod$0 {\n    project_id = \"x-prod-1234\"\n    deploy = manual { tag = \"v1\" }\n  }\n}\n",
        );
        let (_, text) = got.iter().find(|(t, _)| t.contains("category")).expect("an add-field fix");
        assert!(text.contains("    deploy = manual { tag = \"v1\" }\n    category = test\n  }\n"), "{text}");
        // The result checks clean: the fix is a real value, not a placeholder.
        let again = Fixture::new(text);
        let errors: Vec<_> = again.loaded.result().diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn one_line_records_get_a_comma() {
        assert_eq!(
            place("a = { cpu = 1 }", crate::diagnostics::FileId(0), TextRange::empty(14), "memory = 1Gi").new_text,
            ", memory = 1Gi"
        );
        assert_eq!(
            place("a = {}", crate::diagnostics::FileId(0), TextRange::empty(5), "cpu = 1").new_text,
            " cpu = 1 "
        );
    }
}
