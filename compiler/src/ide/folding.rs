//! Folding ranges: brackets and `"""` strings that span lines, runs of
//! comment lines, and the imports at the top of a file.

use crate::db::{self, Db, SourceFile};
use crate::syntax::{Entry, Expr, ExprKind, Item, Record, TextRange};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FoldKind {
    Region,
    Comment,
    Imports,
}

/// `start` and `end` are the byte offsets of the first and the last folded
/// characters (the last one's first byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fold {
    pub start: u32,
    pub end: u32,
    pub kind: FoldKind,
}

pub fn folding_ranges(db: &dyn Db, file: SourceFile) -> Vec<Fold> {
    let text = file.text(db);
    let ast = &db::parse(db, file).ast;
    let mut folds = Folds { text, out: Vec::new() };
    for item in &ast.items {
        match item {
            Item::Let(l) => folds.expr(&l.value),
            Item::Decl(d) => folds.record(&d.body),
            // Stdlib declarations have no record node: fold from their `{`.
            Item::Schema(_) | Item::Enum(_) | Item::Union(_) => {
                let r = item.range();
                if let Some(open) = text.get(r.as_usize()).and_then(|s| s.find('{')) {
                    folds.region(TextRange { start: r.start + open as u32, end: r.end }, FoldKind::Region);
                }
            }
            Item::Import(_) | Item::Error(_) => {}
        }
    }
    folds.comments(&ast.comments);
    folds.imports(&ast.items);
    let mut out = folds.out;
    out.sort_by_key(|f| (f.start, f.end));
    out.dedup();
    out
}

struct Folds<'a> {
    text: &'a str,
    out: Vec<Fold>,
}

impl Folds<'_> {
    /// Folds `range` if it spans lines.
    fn region(&mut self, range: TextRange, kind: FoldKind) {
        let Some(slice) = self.text.get(range.as_usize()) else {
            return;
        };
        let Some(last) = slice.chars().next_back() else {
            return;
        };
        if slice.contains('\n') {
            self.out.push(Fold { start: range.start, end: range.end - last.len_utf8() as u32, kind });
        }
    }

    fn record(&mut self, r: &Record) {
        self.region(r.range, FoldKind::Region);
        for e in &r.entries {
            match e {
                Entry::Field(f) => self.expr(&f.value),
                Entry::Labeled(l) => self.record(&l.body),
                Entry::Spread(s) => self.expr(&s.expr),
                Entry::Error(_) => {}
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Record(r) | ExprKind::Tagged { body: r, .. } => self.record(r),
            ExprKind::List(items) | ExprKind::Call { args: items, .. } => {
                if matches!(e.kind, ExprKind::List(_)) {
                    self.region(e.range, FoldKind::Region);
                }
                items.iter().for_each(|i| self.expr(i));
            }
            ExprKind::Str(_) => self.region(e.range, FoldKind::Region),
            _ => {}
        }
    }

    /// Runs of two or more lines holding only a comment.
    fn comments(&mut self, comments: &[crate::syntax::Comment]) {
        let own_line = |c: &&crate::syntax::Comment| {
            let Some(before) = self.text.get(..c.range.start as usize) else {
                return false;
            };
            let line = before.rsplit('\n').next().unwrap_or_default();
            line.chars().all(|ch| ch == ' ' || ch == '\t')
        };
        let lines: Vec<&crate::syntax::Comment> = comments.iter().filter(own_line).collect();
        let mut i = 0;
        while i < lines.len() {
            let mut j = i;
            // The next comment line follows directly: only the line break and indentation between.
            while j + 1 < lines.len()
                && self
                    .text
                    .get(lines[j].range.end as usize..lines[j + 1].range.start as usize)
                    .is_some_and(|gap| gap.matches('\n').count() == 1 && gap.trim().is_empty())
            {
                j += 1;
            }
            if j > i {
                self.region(TextRange { start: lines[i].range.start, end: lines[j].range.end }, FoldKind::Comment);
            }
            i = j + 1;
        }
    }

    /// Imports with nothing but comments and space between them.
    fn imports(&mut self, items: &[Item]) {
        let mut run: Option<TextRange> = None;
        for item in items {
            match item {
                Item::Import(im) => run = Some(run.map_or(im.range, |r| r.cover(im.range))),
                _ => {
                    if let Some(r) = run.take() {
                        self.region(r, FoldKind::Imports);
                    }
                }
            }
        }
        if let Some(r) = run {
            self.region(r, FoldKind::Imports);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ide::fixture::Fixture;

    const FILE: &str = r#"import "../teams.msp" as teams
// between the imports
import "../other.msp" as other

// One comment line: no fold.
let single = { a = 1 }

// Three comment lines
//   fold
/// into one.
let sizes = {
  small = { cpu = 1 }
  owners = [
    "a",
  ]
}

service a {
  description = """
    Two
    lines é
    """
  environment dev { category = test } // trailing
  // a comment after code above: alone
  environment prod {
    category = internal
  }
}
"#;

    /// Each fold as its kind and its text from the first to the last character.
    fn folds(text: &str) -> Vec<(FoldKind, String)> {
        let fx = Fixture::new(&format!("$0{text}"));
        folding_ranges(fx.db(), fx.file)
            .into_iter()
            .map(|f| {
                let last = fx.text()[f.end as usize..].chars().next().expect("a character at the end");
                (f.kind, fx.text()[f.start as usize..f.end as usize + last.len_utf8()].to_string())
            })
            .collect()
    }

    #[test]
    fn brackets_strings_comments_and_imports() {
        let found = folds(FILE);
        let starts: Vec<(FoldKind, &str)> =
            found.iter().map(|(k, t)| (*k, t.lines().next().unwrap_or_default())).collect();
        assert_eq!(
            starts,
            [
                (FoldKind::Imports, "import \"../teams.msp\" as teams"),
                (FoldKind::Comment, "// Three comment lines"),
                (FoldKind::Region, "{"),
                (FoldKind::Region, "["),
                (FoldKind::Region, "{"),
                (FoldKind::Region, "\"\"\""),
                (FoldKind::Region, "{"),
            ],
            "{found:#?}"
        );
        assert!(found[0].1.ends_with("as other"));
        assert!(found[1].1.ends_with("/// into one."));
        assert!(found[2].1.ends_with("\n}") && found[2].1.contains("small"));
        assert!(found[5].1.contains("lines é") && found[5].1.ends_with("\"\"\""));
        assert!(found[6].1.contains("internal") && found[6].1.ends_with('}'));
    }

    #[test]
    fn a_comment_ending_in_a_multibyte_character_folds_on_its_boundary() {
        let found = folds("// déjà\n// vu 🚀\nlet a = 1\n");
        assert_eq!(found, [(FoldKind::Comment, "// déjà\n// vu 🚀".to_string())]);
    }

    #[test]
    fn an_unclosed_block_still_folds() {
        let found = folds("service a {\n  environment dev {\n    category = test\n");
        assert!(found.iter().all(|(k, _)| *k == FoldKind::Region));
        assert!(!found.is_empty());
    }
}
