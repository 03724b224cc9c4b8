//! The stdlib's declarations: `schema`, `enum` and `union`, fields with
//! their types and attributes. Laid out as the stdlib writes them: a field
//! a line, enum variants with a comma, union variants without.

use super::print::Printer;
use crate::syntax::{Attr, EnumDecl, FieldDecl, Ident, SchemaDecl, TypeExpr, UnionDecl, Variant};

/// `list<list<…>>` is not counted by the parser's bracket limit; deeper
/// types than this are copied as written.
const MAX_TYPE_DEPTH: usize = 32;

impl Printer<'_> {
    fn keyword_and_name(&mut self, at: u32, keyword: &str, name: &Ident) {
        self.token(at as usize, keyword);
        self.inline_comments(name.range.start as usize);
        self.w.text(" ");
        self.copy(name.range);
    }

    /// The `{` after `from`, and whether the body up to `close` is multi-line.
    fn body(&mut self, from: usize, close: usize, empty: bool) -> (usize, bool) {
        let open = self.c.find(from, '{');
        self.inline_comments(open);
        self.w.text(" ");
        let multi = self.has_newline(open, close + 1) && (!empty || self.c.any_before(close));
        (open, multi)
    }

    pub fn schema(&mut self, s: &SchemaDecl) {
        self.keyword_and_name(s.range.start, "schema", &s.name);
        for a in &s.attrs {
            self.inline_comments(a.range.start as usize);
            self.w.text(" ");
            self.attr(a);
        }
        let after = s.attrs.last().map_or(s.name.range.end, |a| a.range.end) as usize;
        self.fields(after, (s.range.end as usize).saturating_sub(1), &s.fields);
    }

    /// `{ fields }` from the `{` after `from` to the `}` at `close`.
    fn fields(&mut self, from: usize, close: usize, fields: &[FieldDecl]) {
        let (open, multi) = self.body(from, close, fields.is_empty());
        if !multi {
            self.token(open, if fields.is_empty() { "{" } else { "{ " });
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    self.w.text(", ");
                }
                self.inline_comments(f.range.start as usize);
                self.field(f);
            }
            self.token(close, if fields.is_empty() { "}" } else { " }" });
            return;
        }
        self.token(open, "{");
        self.w.open();
        for f in fields {
            self.before_entry(f.range.start as usize);
            self.field(f);
        }
        self.close_block(close);
    }

    fn close_block(&mut self, close: usize) {
        self.block_comments(close);
        self.w.close();
        self.w.line();
        self.token(close, "}");
    }

    /// `name: type = default @attr…`
    fn field(&mut self, f: &FieldDecl) {
        self.copy(f.name.range);
        self.token(self.c.find(f.name.range.end as usize, ':'), ":");
        self.inline_comments(f.ty.range.start as usize);
        self.w.text(" ");
        self.type_expr(&f.ty, 0);
        if let Some(d) = &f.default {
            self.token(self.c.find(f.ty.range.end as usize, '='), " =");
            self.inline_comments(d.range.start as usize);
            self.w.text(" ");
            self.expr(d);
        }
        for a in &f.attrs {
            self.inline_comments(a.range.start as usize);
            self.w.text(" ");
            self.attr(a);
        }
    }

    fn type_expr(&mut self, t: &TypeExpr, depth: usize) {
        if depth > MAX_TYPE_DEPTH {
            self.verbatim(t.range);
            return;
        }
        self.copy(t.name.range);
        if let Some(arg) = &t.arg {
            self.token(self.c.find(t.name.range.end as usize, '<'), "<");
            self.inline_comments(arg.range.start as usize);
            self.type_expr(arg, depth + 1);
            self.token(self.c.find(arg.range.end as usize, '>'), ">");
        }
        if t.optional {
            self.token((t.range.end as usize).saturating_sub(1), "?");
        }
    }

    /// `@name` or `@name(args)`, with the parentheses as written.
    fn attr(&mut self, a: &Attr) {
        self.token(a.range.start as usize, "@");
        self.inline_comments(a.name.range.start as usize);
        self.copy(a.name.range);
        if self.slice(a.range).ends_with(')') {
            let open = self.c.find(a.name.range.end as usize, '(');
            self.sequence(open, a.range.end as usize, &a.args, ("(", ")"));
        }
    }

    pub fn enum_decl(&mut self, e: &EnumDecl) {
        self.keyword_and_name(e.range.start, "enum", &e.name);
        let close = (e.range.end as usize).saturating_sub(1);
        self.variants(e.name.range.end as usize, close, &e.variants, true);
    }

    pub fn union_decl(&mut self, u: &UnionDecl) {
        self.keyword_and_name(u.range.start, "union", &u.name);
        let close = (u.range.end as usize).saturating_sub(1);
        self.variants(u.name.range.end as usize, close, &u.variants, false);
    }

    fn variants(&mut self, from: usize, close: usize, variants: &[Variant], commas: bool) {
        let (open, multi) = self.body(from, close, variants.is_empty());
        if !multi {
            self.token(open, if variants.is_empty() { "{" } else { "{ " });
            for (i, v) in variants.iter().enumerate() {
                if i > 0 {
                    self.w.text(", ");
                }
                self.inline_comments(v.name.range.start as usize);
                self.variant(v);
            }
            self.token(close, if variants.is_empty() { "}" } else { " }" });
            return;
        }
        self.token(open, "{");
        self.w.open();
        for v in variants {
            self.before_entry(v.name.range.start as usize);
            self.variant(v);
            if commas {
                self.w.text(",");
            }
        }
        self.close_block(close);
    }

    /// A variant: a bare name, or a union variant's `name { fields }`.
    fn variant(&mut self, v: &Variant) {
        self.copy(v.name.range);
        let Some(fields) = &v.fields else { return };
        let open = self.c.find(v.name.range.end as usize, '{');
        let last = fields.last().map_or(open + 1, |f| f.range.end as usize);
        let close = self.c.find(last, '}');
        self.fields(v.name.range.end as usize, close, fields);
    }
}
