//! What formatting must keep: the tree without its byte ranges, and the
//! comments' text in order. `format` checks both before returning, and the
//! tests compare with them.

use crate::syntax::*;

/// The tree with every range zeroed and the comments dropped: two files
/// with equal shapes mean the same, whatever their layout.
pub fn shape(ast: &Ast) -> Ast {
    let mut ast = ast.clone();
    ast.comments.clear();
    for item in &mut ast.items {
        item_shape(item);
    }
    ast
}

/// The comments' text (without trailing blanks), in order.
pub fn comment_texts<'a>(text: &'a str, ast: &Ast) -> Vec<&'a str> {
    ast.comments.iter().map(|c| text.get(c.range.as_usize()).unwrap_or("").trim_end()).collect()
}

const NONE: TextRange = TextRange { start: 0, end: 0 };

fn ident(i: &mut Ident) {
    i.range = NONE;
}

fn item_shape(item: &mut Item) {
    match item {
        Item::Import(i) => {
            i.path_range = NONE;
            ident(&mut i.alias);
            i.range = NONE;
        }
        Item::Let(l) => {
            ident(&mut l.name);
            expr(&mut l.value);
            l.range = NONE;
        }
        Item::Decl(d) => {
            d.keyword = NONE;
            d.label.iter_mut().for_each(ident);
            record(&mut d.body);
            d.range = NONE;
        }
        Item::Schema(s) => {
            ident(&mut s.name);
            s.attrs.iter_mut().for_each(attr);
            s.fields.iter_mut().for_each(field_decl);
            s.range = NONE;
        }
        Item::Enum(e) => {
            ident(&mut e.name);
            e.variants.iter_mut().for_each(variant);
            e.range = NONE;
        }
        Item::Union(u) => {
            ident(&mut u.name);
            u.variants.iter_mut().for_each(variant);
            u.range = NONE;
        }
        Item::Error(r) => *r = NONE,
    }
}

fn record(r: &mut Record) {
    r.range = NONE;
    for e in &mut r.entries {
        match e {
            Entry::Field(f) => {
                ident(&mut f.key);
                expr(&mut f.value);
                f.range = NONE;
            }
            Entry::Labeled(l) => {
                ident(&mut l.key);
                ident(&mut l.label);
                record(&mut l.body);
                l.range = NONE;
            }
            Entry::Spread(s) => {
                expr(&mut s.expr);
                s.range = NONE;
            }
            Entry::Error(r) => *r = NONE,
        }
    }
}

// Depth is bounded by the parser's bracket limit.
fn expr(e: &mut Expr) {
    e.range = NONE;
    match &mut e.kind {
        ExprKind::Str(parts) => {
            for p in parts {
                if let StrPart::Interp(path, r) = p {
                    path.iter_mut().for_each(ident);
                    *r = NONE;
                }
            }
        }
        ExprKind::List(items) => items.iter_mut().for_each(expr),
        ExprKind::Record(r) => record(r),
        ExprKind::Tagged { tag, body } => {
            ident(tag);
            record(body);
        }
        ExprKind::Call { func, args } => {
            ident(func);
            args.iter_mut().for_each(expr);
        }
        ExprKind::Path(path) => path.iter_mut().for_each(ident),
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::Duration(_)
        | ExprKind::Size(_)
        | ExprKind::Error => {}
    }
}

fn attr(a: &mut Attr) {
    ident(&mut a.name);
    a.args.iter_mut().for_each(expr);
    a.range = NONE;
}

fn field_decl(f: &mut FieldDecl) {
    ident(&mut f.name);
    type_expr(&mut f.ty);
    f.default.iter_mut().for_each(expr);
    f.attrs.iter_mut().for_each(attr);
    f.range = NONE;
}

fn type_expr(t: &mut TypeExpr) {
    // A loop: type arguments are not counted by the parser's bracket limit.
    let mut t = Some(t);
    while let Some(cur) = t {
        ident(&mut cur.name);
        cur.range = NONE;
        t = cur.arg.as_deref_mut();
    }
}

fn variant(v: &mut Variant) {
    ident(&mut v.name);
    v.fields.iter_mut().flatten().for_each(field_decl);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_does_not_change_the_shape_but_values_do() {
        let a = parse("let x = { a = 1, b = [\"s\"] }").ast;
        let b = parse("let   x = {\n  a = 1\n  b = [\n    \"s\",\n  ]\n}\n").ast;
        let c = parse("let x = { a = 2, b = [\"s\"] }").ast;
        assert_eq!(shape(&a), shape(&b));
        assert_ne!(shape(&a), shape(&c));
    }

    #[test]
    fn docs_are_part_of_the_shape() {
        let a = parse("/// doc\nlet x = 1").ast;
        let b = parse("/// doc\n\nlet x = 1").ast;
        assert_ne!(shape(&a), shape(&b));
    }
}
