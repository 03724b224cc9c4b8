//! The printer for items, records and values. It walks the tree in source
//! order, copying literals, names and strings exactly as written, and lets
//! the comment cursor place every comment between the tokens it sat between.
//!
//! Layout decisions come from the source, never from a width limit: a
//! record, list or call is multi-line when its brackets hold a line break,
//! so the author's choice is kept and the output keeps it too.

use super::comments::Cursor;
use super::lines::{Mark, Writer};
use crate::syntax::{Ast, Decl, Entry, Expr, ExprKind, Import, Item, Let, Record, TextRange};

pub(super) struct Printer<'a> {
    pub src: &'a str,
    pub w: Writer,
    pub c: Cursor<'a>,
}

fn entry_range(e: &Entry) -> TextRange {
    match e {
        Entry::Field(f) => f.range,
        Entry::Labeled(l) => l.range,
        Entry::Spread(s) => s.range,
        Entry::Error(r) => *r,
    }
}

impl<'a> Printer<'a> {
    pub fn new(src: &'a str, ast: &'a Ast) -> Self {
        Printer { src, w: Writer::new(), c: Cursor::new(src, &ast.comments) }
    }

    pub fn slice(&self, r: TextRange) -> &'a str {
        self.src.get(r.as_usize()).unwrap_or("")
    }

    pub fn has_newline(&self, start: usize, end: usize) -> bool {
        self.src.get(start..end).is_some_and(|s| s.contains('\n'))
    }

    /// Writes source text as it is (a literal, a name), moving past it.
    pub fn copy(&mut self, r: TextRange) {
        self.w.text(self.slice(r));
        self.c.advance(r.end as usize);
    }

    /// Copies a node that cannot be printed node by node, comments included.
    pub fn verbatim(&mut self, r: TextRange) {
        self.w.text(self.slice(r));
        self.c.skip_to(r.end as usize);
    }

    /// Writes a token the tree has no range for, found at `at`.
    pub fn token(&mut self, at: usize, s: &str) {
        self.inline_comments(at);
        self.w.text(s);
        self.c.advance(at + s.trim().len());
    }

    /// Comments inside a construct, before `pos`: one after code stays at the
    /// end of its line, any other gets a line of its own, and the construct
    /// continues on the next line.
    pub fn inline_comments(&mut self, pos: usize) {
        while let Some(c) = self.c.next_before(pos) {
            if !(c.trailing && self.w.trailing_comment(c.text)) {
                self.w.own_line_comment(c.text);
            }
        }
    }

    /// Comments after the last entry of a block, before `pos`, with the
    /// blank lines before them.
    pub fn block_comments(&mut self, pos: usize) {
        while let Some(c) = self.c.next_before(pos) {
            if c.trailing && self.w.trailing_comment(c.text) {
                continue;
            }
            if c.blank_before {
                self.w.blank();
            }
            self.w.own_line_comment(c.text);
        }
    }

    /// Everything before an entry or item at `pos`, which then starts a line.
    /// Returns whether a blank line separates it from the entry before.
    pub fn before_entry(&mut self, pos: usize) -> bool {
        let mut separated = false;
        while let Some(c) = self.c.next_before(pos) {
            if c.trailing && self.w.trailing_comment(c.text) {
                continue;
            }
            separated |= c.blank_before && self.w.blank();
            self.w.own_line_comment(c.text);
        }
        separated |= self.c.blank_before(pos) && self.w.blank();
        self.w.line();
        separated
    }

    pub fn file(&mut self, ast: &Ast) {
        let mut run = None;
        for item in &ast.items {
            let separated = self.before_entry(item.range().start as usize);
            let key = self.item(item);
            run = self.align(key, run, separated);
        }
        self.block_comments(self.src.len());
    }

    /// Puts the entry just printed, whose key ends at `key`, in the current
    /// alignment run if it is a one-line `key = value`; returns the run that
    /// goes on.
    fn align(&mut self, key: Option<Mark>, run: Option<usize>, separated: bool) -> Option<usize> {
        let key = key.filter(|k| self.w.one_line_since(*k))?;
        let run = match run {
            Some(r) if !separated => r,
            _ => self.w.new_run(),
        };
        self.w.align(key, run);
        Some(run)
    }

    /// Prints an item; for a `let`, returns where its name ends.
    fn item(&mut self, item: &Item) -> Option<Mark> {
        match item {
            Item::Import(i) => self.import(i),
            Item::Let(l) => return self.let_decl(l),
            Item::Decl(d) => self.decl(d),
            Item::Schema(s) => self.schema(s),
            Item::Enum(e) => self.enum_decl(e),
            Item::Union(u) => self.union_decl(u),
            Item::Error(r) => self.verbatim(*r),
        }
        None
    }

    fn import(&mut self, i: &Import) {
        self.token(i.range.start as usize, "import");
        self.inline_comments(i.path_range.start as usize);
        self.w.text(" ");
        self.copy(i.path_range);
        self.token(self.c.find(i.path_range.end as usize, 'a'), " as");
        self.inline_comments(i.alias.range.start as usize);
        self.w.text(" ");
        self.copy(i.alias.range);
    }

    /// `let name = value`; returns where the name ends, when it is on the
    /// line of its `let` (a comment may come between them).
    fn let_decl(&mut self, l: &Let) -> Option<Mark> {
        self.token(l.range.start as usize, "let");
        let start = self.w.mark();
        self.inline_comments(l.name.range.start as usize);
        self.w.text(" ");
        self.copy(l.name.range);
        let key = self.w.mark();
        // The grammar allows no comment between the name and the value.
        self.w.text(" = ");
        self.expr(&l.value);
        (key.line == start.line).then_some(key)
    }

    fn decl(&mut self, d: &Decl) {
        self.token(d.keyword.start as usize, d.kind.keyword());
        if let Some(label) = &d.label {
            self.inline_comments(label.range.start as usize);
            self.w.text(" ");
            self.copy(label.range);
        }
        self.inline_comments(d.body.range.start as usize);
        self.w.text(" ");
        self.record(&d.body);
    }

    /// `{ … }`: on one line when written on one line, otherwise one entry a
    /// line, with no commas.
    pub fn record(&mut self, r: &Record) {
        let (open, end) = (r.range.start as usize, r.range.end as usize);
        let close = end.saturating_sub(1);
        self.inline_comments(open);
        let multi = self.has_newline(open, end) && (!r.entries.is_empty() || self.c.any_before(close));
        if !multi {
            self.token(open, if r.entries.is_empty() { "{" } else { "{ " });
            for (i, e) in r.entries.iter().enumerate() {
                if i > 0 {
                    self.w.text(", ");
                }
                self.inline_comments(entry_range(e).start as usize);
                self.entry(e);
            }
            self.token(close, if r.entries.is_empty() { "}" } else { " }" });
            return;
        }
        self.token(open, "{");
        self.w.open();
        let mut run = None;
        for e in &r.entries {
            let separated = self.before_entry(entry_range(e).start as usize);
            let key = self.entry(e);
            run = self.align(key, run, separated);
        }
        self.block_comments(close);
        self.w.close();
        self.w.line();
        self.token(close, "}");
    }

    /// Prints an entry; for a `key = value`, returns where the key ends.
    fn entry(&mut self, e: &Entry) -> Option<Mark> {
        match e {
            Entry::Field(f) => {
                self.copy(f.key.range);
                match &f.value.kind {
                    ExprKind::Record(body) if f.block => {
                        self.inline_comments(body.range.start as usize);
                        self.w.text(" ");
                        self.record(body);
                    }
                    _ => {
                        let key = self.w.mark();
                        // An assignment is one token to the grammar: no comment inside.
                        self.w.text(" = ");
                        self.expr(&f.value);
                        return Some(key);
                    }
                }
            }
            Entry::Labeled(l) => {
                self.copy(l.key.range);
                self.inline_comments(l.label.range.start as usize);
                self.w.text(" ");
                self.copy(l.label.range);
                self.inline_comments(l.body.range.start as usize);
                self.w.text(" ");
                self.record(&l.body);
            }
            Entry::Spread(s) => {
                self.token(s.range.start as usize, "..");
                self.inline_comments(s.expr.range.start as usize);
                self.expr(&s.expr);
            }
            Entry::Error(r) => self.verbatim(*r),
        }
        None
    }

    pub fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Record(r) => self.record(r),
            ExprKind::List(items) => {
                self.sequence(e.range.start as usize, e.range.end as usize, items, ("[", "]"));
            }
            ExprKind::Tagged { tag, body } => {
                self.copy(tag.range);
                self.inline_comments(body.range.start as usize);
                self.w.text(" ");
                self.record(body);
            }
            ExprKind::Call { func, args } => {
                self.copy(func.range);
                let open = self.c.find(func.range.end as usize, '(');
                self.sequence(open, e.range.end as usize, args, ("(", ")"));
            }
            ExprKind::Error => self.verbatim(e.range),
            // Strings (escapes, `"""` and their indentation), numbers and
            // paths are kept exactly as written.
            _ => self.copy(e.range),
        }
    }

    /// A list or arguments, between brackets at `open` and `end - 1`: on one
    /// line when written on one line, otherwise one item a line, each with a
    /// comma.
    pub fn sequence(&mut self, open: usize, end: usize, items: &[Expr], brackets: (&str, &str)) {
        let close = end.saturating_sub(1);
        self.inline_comments(open);
        let multi = self.has_newline(open, end) && (!items.is_empty() || self.c.any_before(close));
        self.token(open, brackets.0);
        if !multi {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.w.text(", ");
                }
                self.inline_comments(item.range.start as usize);
                self.expr(item);
            }
            self.token(close, brackets.1);
            return;
        }
        self.w.open();
        for item in items {
            self.before_entry(item.range.start as usize);
            self.expr(item);
            self.w.text(",");
        }
        self.block_comments(close);
        self.w.close();
        self.w.line();
        self.token(close, brackets.1);
    }
}
