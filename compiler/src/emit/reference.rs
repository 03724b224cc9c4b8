//! The language reference (`mspc docs --reference`): every schema, field,
//! enum and union of the stdlib with its type, default, constraints and doc
//! comment, and an index of the diagnostic codes with their pages.
//!
//! Unlike the other back ends it reads the schema model (`check::stdlib`)
//! rather than a workspace's IR: the stdlib is the reference's whole input,
//! so the reference cannot drift from what the checker accepts.

use std::fmt::Write as _;

use indexmap::IndexMap;

use super::OutputFile;
use super::docs::markdown::{anchor, cell, code, link};
use crate::check::schema::{Constraint, FieldDef, SchemaIndex, Ty, VariantDef};
use crate::check::stdlib::{Stdlib, stdlib};
use crate::diagnostics::Code;
use crate::syntax::DeclKind;

/// `reference/index.md` and `reference/diagnostics/<CODE>.md`.
pub fn reference() -> Vec<OutputFile> {
    let std = stdlib();
    let mut files = vec![OutputFile { path: "reference/index.md".into(), contents: language(std) }];
    for c in Code::ALL {
        if let Some(page) = c.page() {
            files.push(OutputFile { path: format!("reference/{}", page_path(*c)), contents: page.to_string() });
        }
    }
    files
}

fn page_path(c: Code) -> String {
    format!("diagnostics/{}.md", c.as_str())
}

/// Where the declarations go: each root and what it reaches, in field order,
/// then whatever no root reaches.
const SECTIONS: &[(&str, Option<&str>, &str)] = &[
    (
        "Services and jobs",
        Some("Service"),
        "`service <id> { … }` declares a long-running HTTP service and `job <id> { … }` a Cloud Run job; both are checked against `Service`.",
    ),
    ("The platform block", Some("Platform"), "`platform { … }`, once, in the workspace root's `platform.msp`."),
    (
        "Interpolation values",
        None,
        "Values that strings can interpolate with `${…}`. mspc computes them; they are not written.",
    ),
];

fn language(std: &Stdlib) -> String {
    let index = &std.index;
    let mut out = String::from("# The `.msp` language reference\n\n");
    let _ = writeln!(
        out,
        "<!--\nGenerated documentation; DO NOT EDIT. Regenerate using this command: 'mspc docs --reference'\n\nGenerated from the stdlib of mspc {}\n-->\n",
        env!("CARGO_PKG_VERSION")
    );
    out.push_str(
        "Every declaration, field, enum and union variant that `.msp` files can use, generated from the \
         doc comments of the stdlib (`stdlib/*.msp`), which is also what the checker, completion and hover \
         read. Fields are optional (`?`), have a default, or are required.\n\n",
    );

    let mut placed: Vec<&str> = Vec::new();
    let mut sections: Vec<(&str, &str, Vec<&str>)> = Vec::new();
    for (title, root, intro) in SECTIONS {
        let names = match root {
            Some(r) => reachable(index, r, &placed),
            None => index
                .schemas
                .keys()
                .chain(index.enums.keys())
                .map(String::as_str)
                .filter(|n| !placed.contains(n))
                .collect(),
        };
        placed.extend(&names);
        sections.push((title, intro, names));
    }

    out.push_str("## Contents\n\n");
    for (title, _, names) in &sections {
        let _ = writeln!(out, "- {}", link(title, &format!("#{}", anchor(title))));
        for n in names {
            let _ = writeln!(out, "  - {}", link(n, &format!("#{}", anchor(n))));
        }
    }
    let _ = writeln!(out, "- {}\n", link("Diagnostic codes", "#diagnostic-codes"));

    for (title, intro, names) in &sections {
        let _ = writeln!(out, "## {title}\n\n{intro}\n");
        for name in names {
            if let Some(s) = index.schemas.get(*name) {
                let _ = writeln!(out, "### {name}\n");
                doc(&mut out, s.doc.as_deref(), "");
                fields(&mut out, &s.fields, "");
            } else if let Some(e) = index.enums.get(*name) {
                let _ = writeln!(out, "### {name}\n");
                doc(&mut out, e.doc.as_deref(), "");
                if e.is_union {
                    let bare =
                        e.variants.iter().find(|v| v.bare_ok()).map(|v| format!("a bare tag ({})", code(&v.name)));
                    let has_body = |v: &&VariantDef| v.fields.as_ref().is_some_and(|f| !f.is_empty());
                    let body = (e.variants.iter().filter(has_body).find(|v| !v.bare_ok()))
                        .or_else(|| e.variants.iter().find(has_body))
                        .map(|v| format!("a tag with a body ({})", code(&format!("{} {{ … }}", v.name))));
                    let forms: Vec<String> = bare.into_iter().chain(body).collect();
                    let _ = writeln!(out, "A tagged union: written as {}.\n", forms.join(" or "));
                } else {
                    out.push_str("An enum: written as one of these bare names.\n\n");
                }
                for v in &e.variants {
                    let summary = match &v.fields {
                        Some(_) if !v.bare_ok() => " (takes a body)",
                        Some(f) if !f.is_empty() => " (bare, or with a body)",
                        _ => "",
                    };
                    let _ = writeln!(out, "- {}{summary}\n", code(&v.name));
                    doc(&mut out, v.doc.as_deref(), "  ");
                    if let Some(f) = &v.fields {
                        fields(&mut out, f, "  ");
                    }
                }
            }
        }
    }

    diagnostics(&mut out);
    out.trim_end().to_string() + "\n"
}

/// `root` and the schemas, enums and unions its fields reach, depth-first in
/// field order, skipping those already placed.
fn reachable<'a>(index: &'a SchemaIndex, root: &'a str, placed: &[&str]) -> Vec<&'a str> {
    let mut out: Vec<&'a str> = Vec::new();
    let mut stack = vec![root];
    while let Some(name) = stack.pop() {
        if out.contains(&name) || placed.contains(&name) {
            continue;
        }
        out.push(name);
        let mut next: Vec<&'a str> = Vec::new();
        let mut visit = |fields: &'a IndexMap<String, FieldDef>| {
            for f in fields.values() {
                if let Some(n) = named(&f.ty) {
                    next.push(n);
                }
            }
        };
        if let Some(s) = index.schemas.get(name) {
            visit(&s.fields);
        } else if let Some(e) = index.enums.get(name) {
            for v in &e.variants {
                if let Some(f) = &v.fields {
                    visit(f);
                }
            }
        }
        stack.extend(next.into_iter().rev());
    }
    out
}

fn named(ty: &Ty) -> Option<&str> {
    match ty {
        Ty::List(t) | Ty::Map(t) => named(t),
        Ty::Schema(n) | Ty::Enum(n) | Ty::Union(n) => Some(n),
        _ => None,
    }
}

/// A doc comment as a paragraph, indented to sit inside a list item.
fn doc(out: &mut String, doc: Option<&str>, indent: &str) {
    let Some(doc) = doc.map(str::trim).filter(|d| !d.is_empty()) else {
        return;
    };
    for line in doc.lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{indent}{}", line.trim_end());
        }
    }
    out.push('\n');
}

fn fields(out: &mut String, fields: &IndexMap<String, FieldDef>, indent: &str) {
    for f in fields.values() {
        let optional = if f.optional { "?" } else { "" };
        let ty = match named(&f.ty) {
            Some(_) => type_link(&f.ty) + optional,
            None => code(&format!("{}{optional}", f.ty.syntax())),
        };
        let mut facts = vec![ty];
        if f.label {
            facts.push("given by the block's label".into());
        } else if let Some(d) = f.default_text() {
            facts.push(format!("default {}", code(&d)));
        } else if f.required() {
            facts.push("required".into());
        } else {
            facts.push("optional".into());
        }
        match f.only {
            Some(DeclKind::Service) => facts.push("services only".into()),
            Some(DeclKind::Job) => facts.push("jobs only".into()),
            _ => {}
        }
        if let Some(of) = &f.defaults_of {
            facts.push(format!("inherited by every {} entry", code(of)));
        }
        facts.extend(f.constraints.iter().map(constraint));
        let _ = writeln!(out, "{indent}- {}: {}\n", code(&f.name), facts.join("; "));
        doc(out, f.doc.as_deref(), &format!("{indent}  "));
    }
}

/// The type as written in the stdlib, with the schema, enum or union name in
/// it linked to its section.
fn type_link(ty: &Ty) -> String {
    match ty {
        Ty::List(t) => format!("`list<`{}`>`", type_link(t)),
        Ty::Map(t) => format!("`map<`{}`>`", type_link(t)),
        Ty::Schema(n) | Ty::Enum(n) | Ty::Union(n) => link(&code(n), &format!("#{}", anchor(n))),
        t => t.syntax(),
    }
}

fn constraint(c: &Constraint) -> String {
    match c {
        Constraint::Range(lo, hi) => format!("from {} to {}", code(&lo.text), code(&hi.text)),
        Constraint::Len(lo, Some(hi)) if lo == hi => format!("length exactly {lo}"),
        Constraint::Len(lo, Some(hi)) => format!("length {lo} to {hi}"),
        Constraint::Len(lo, None) => format!("length at least {lo}"),
        Constraint::Pattern(p) => format!("{} (matches {})", p.what, code(p.regex.as_str())),
        Constraint::MultipleOf(n) => format!("a multiple of {}", code(&n.text)),
        Constraint::Unique => "items distinct".into(),
        Constraint::UniqueBy(f) => format!("items have distinct {}", code(f)),
        Constraint::KeyPattern(p) => format!("keys: {} (matches {})", p.what, code(p.regex.as_str())),
    }
}

fn diagnostics(out: &mut String) {
    out.push_str("## Diagnostic codes\n\n");
    out.push_str(
        "Every diagnostic mspc reports has a stable code. Errors (`E…`) stop `mspc check` and `mspc build`; \
         warnings (`W…`) are lints, reported by `mspc lint`. `mspc explain <CODE>` prints a code's page.\n\n",
    );
    out.push_str("| CODE | NAME | SEVERITY | SUMMARY |\n| --- | --- | --- | --- |\n");
    for c in Code::ALL {
        let code_cell =
            if c.page().is_some() { link(c.as_str(), &format!("./{}", page_path(*c))) } else { c.as_str().into() };
        let _ = writeln!(
            out,
            "| {code_cell} | {} | {} | {} |",
            code(c.name()),
            c.default_severity().as_str(),
            cell(c.summary())
        );
    }
}
