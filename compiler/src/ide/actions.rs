//! Quick fixes: the suggested edits the checker attaches to diagnostics
//! ("did you mean", unquote, add a missing field), offered where the
//! diagnostic is, laid out by `Fix::laid_out` like every other consumer's.

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
        let text = |id| index.by_id.get(&id).map(|f| f.text(db).as_str());
        if fix.edits.iter().any(|(span, _)| text(span.file).is_none()) {
            continue;
        }
        let edits = fix
            .laid_out(text)
            .into_iter()
            .map(|(span, new_text)| TextEdit { file: span.file, range: span.range, new_text })
            .collect();
        out.push(CodeAction { title: fix.message.clone(), edits, diagnostic: d.clone(), preferred: true });
    }
    out
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
}
