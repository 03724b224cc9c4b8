//! The embedded stdlib: parsed and resolved once per process. It never
//! changes while mspc runs, so it lives outside salsa and costs no dependency
//! edges; its files get reserved ids at the top of the `FileId` range.

use std::sync::LazyLock;

use indexmap::IndexMap;

use super::schema::*;
use crate::diagnostics::{FileId, Span};
use crate::syntax::{self, Attr, DeclKind, ExprKind, FieldDecl, Item, Parse, TypeExpr};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/stdlib_files.rs"));
}

pub struct StdlibFile {
    pub id: FileId,
    /// `<stdlib>/service.msp`
    pub path: String,
    pub text: &'static str,
    pub parse: Parse,
}

pub struct Stdlib {
    pub files: Vec<StdlibFile>,
    pub index: SchemaIndex,
    /// Problems in the stdlib itself; a test keeps this empty.
    pub errors: Vec<String>,
}

impl Stdlib {
    pub fn file(&self, id: FileId) -> Option<&StdlibFile> {
        self.files.iter().find(|f| f.id == id)
    }

    pub fn is_stdlib(id: FileId) -> bool {
        id.0 >= FIRST_ID
    }

    /// The source text a span of the stdlib points into.
    pub fn text_of(&self, span: Span) -> &'static str {
        self.file(span.file).map_or("", |f| f.text)
    }
}

const FIRST_ID: u32 = u32::MAX - 64;

pub static STDLIB: LazyLock<Stdlib> = LazyLock::new(load);

pub fn stdlib() -> &'static Stdlib {
    &STDLIB
}

fn load() -> Stdlib {
    let mut errors = Vec::new();
    let files: Vec<StdlibFile> = embedded::STDLIB_FILES
        .iter()
        .enumerate()
        .map(|(i, (name, text))| {
            let parse = syntax::parse(text);
            for e in &parse.errors {
                errors.push(format!("{name}: {} at {:?}", e.message, e.range));
            }
            StdlibFile { id: FileId(FIRST_ID + i as u32), path: format!("<stdlib>/{name}"), text, parse }
        })
        .collect();

    // First pass: names, so types can refer forward.
    let mut kinds: IndexMap<String, char> = IndexMap::new();
    for f in &files {
        for item in &f.parse.ast.items {
            match item {
                Item::Schema(s) => kinds.insert(s.name.name.clone(), 's'),
                Item::Enum(e) => kinds.insert(e.name.name.clone(), 'e'),
                Item::Union(u) => kinds.insert(u.name.name.clone(), 'u'),
                _ => None,
            };
        }
    }
    let mut index = SchemaIndex::default();
    for f in &files {
        let mut r = Resolver { file: f, kinds: &kinds, errors: &mut errors };
        for item in &f.parse.ast.items {
            match item {
                Item::Schema(s) => {
                    let fields = r.fields(&s.fields);
                    let span = Span::new(f.id, s.name.range);
                    index.schemas.insert(
                        s.name.name.clone(),
                        SchemaDef { name: s.name.name.clone(), fields, doc: s.doc.clone(), span },
                    );
                }
                Item::Enum(e) => {
                    let variants = e
                        .variants
                        .iter()
                        .map(|v| VariantDef {
                            name: v.name.name.clone(),
                            fields: None,
                            doc: v.doc.clone(),
                            span: Span::new(f.id, v.name.range),
                        })
                        .collect();
                    index.enums.insert(
                        e.name.name.clone(),
                        EnumDef {
                            name: e.name.name.clone(),
                            variants,
                            is_union: false,
                            doc: e.doc.clone(),
                            span: Span::new(f.id, e.name.range),
                        },
                    );
                }
                Item::Union(u) => {
                    let variants = u
                        .variants
                        .iter()
                        .map(|v| VariantDef {
                            name: v.name.name.clone(),
                            fields: v.fields.as_ref().map(|fs| r.fields(fs)),
                            doc: v.doc.clone(),
                            span: Span::new(f.id, v.name.range),
                        })
                        .collect();
                    index.enums.insert(
                        u.name.name.clone(),
                        EnumDef {
                            name: u.name.name.clone(),
                            variants,
                            is_union: true,
                            doc: u.doc.clone(),
                            span: Span::new(f.id, u.name.range),
                        },
                    );
                }
                Item::Error(_) => {}
                other => r.errors.push(format!("{}: unexpected item at {:?}", f.path, other.range())),
            }
        }
    }
    for required in ["Service", "Environment", "Platform", "ServiceContext", "EnvironmentContext"] {
        if !index.schemas.contains_key(required) {
            errors.push(format!("the stdlib must declare `schema {required}`"));
        }
    }
    Stdlib { files, index, errors }
}

struct Resolver<'a> {
    file: &'a StdlibFile,
    kinds: &'a IndexMap<String, char>,
    errors: &'a mut Vec<String>,
}

impl Resolver<'_> {
    fn err(&mut self, at: syntax::TextRange, msg: String) {
        let (line, col) = crate::diagnostics::line_col(self.file.text, at.start);
        self.errors.push(format!("{}:{line}:{col}: {msg}", self.file.path));
    }

    fn fields(&mut self, decls: &[FieldDecl]) -> IndexMap<String, FieldDef> {
        let mut out = IndexMap::new();
        for d in decls {
            let ty = self.ty(&d.ty);
            let mut def = FieldDef {
                name: d.name.name.clone(),
                ty,
                optional: d.ty.optional,
                default: d.default.clone(),
                constraints: Vec::new(),
                only: None,
                label: false,
                defaults_of: None,
                doc: d.doc.clone(),
                span: Span::new(self.file.id, d.name.range),
            };
            if d.doc.is_none() {
                self.err(d.name.range, format!("field `{}` has no doc comment", d.name.name));
            }
            for a in &d.attrs {
                self.attr(a, &mut def);
            }
            if out.insert(def.name.clone(), def).is_some() {
                self.err(d.name.range, format!("field `{}` declared twice", d.name.name));
            }
        }
        out
    }

    fn ty(&mut self, t: &TypeExpr) -> Ty {
        let arg = |r: &mut Self| match &t.arg {
            Some(a) => r.ty(a),
            None => {
                r.err(t.range, format!("`{}` needs a type argument", t.name.name));
                Ty::String
            }
        };
        match t.name.name.as_str() {
            "string" => Ty::String,
            "int" => Ty::Int,
            "float" => Ty::Float,
            "bool" => Ty::Bool,
            "duration" => Ty::Duration,
            "size" => Ty::Size,
            "secret" => Ty::Secret,
            "env" => Ty::Env,
            "list" => Ty::List(Box::new(arg(self))),
            "map" => Ty::Map(Box::new(arg(self))),
            other => match self.kinds.get(other) {
                Some('s') => Ty::Schema(other.into()),
                Some('e') => Ty::Enum(other.into()),
                Some(_) => Ty::Union(other.into()),
                None => {
                    self.err(t.name.range, format!("unknown type `{other}`"));
                    Ty::String
                }
            },
        }
    }

    fn attr(&mut self, a: &Attr, def: &mut FieldDef) {
        let text = self.file.text;
        let num = |r: &mut Self, i: usize| {
            let n = a.args.get(i).and_then(|e| literal_num(e, text));
            if n.is_none() {
                r.err(a.range, format!("`@{}` argument {} must be a number, duration or size", a.name.name, i + 1));
            }
            n
        };
        let string = |r: &mut Self, i: usize| {
            let s = a.args.get(i).and_then(|e| e.as_plain_str());
            if s.is_none() {
                r.err(a.range, format!("`@{}` argument {} must be a string", a.name.name, i + 1));
            }
            s
        };
        let ident = |r: &mut Self| match a.args.first().map(|e| &e.kind) {
            Some(ExprKind::Path(p)) if p.len() == 1 => Some(p[0].name.clone()),
            _ => {
                r.err(a.range, format!("`@{}` takes a name", a.name.name));
                None
            }
        };
        let pattern = |r: &mut Self| -> Option<Pattern> {
            let re = string(r, 0)?;
            let what = string(r, 1)?;
            match regex::Regex::new(&re) {
                Ok(regex) => Some(Pattern { regex, what }),
                Err(e) => {
                    r.err(a.range, format!("bad regex: {e}"));
                    None
                }
            }
        };
        match a.name.name.as_str() {
            "label" => def.label = true,
            "only" => match ident(self).as_deref() {
                Some("service") => def.only = Some(DeclKind::Service),
                Some("job") => def.only = Some(DeclKind::Job),
                _ => self.err(a.range, "`@only` takes `service` or `job`".into()),
            },
            "defaults_of" => def.defaults_of = ident(self),
            "range" => {
                if let (Some(lo), Some(hi)) = (num(self, 0), num(self, 1)) {
                    def.constraints.push(Constraint::Range(lo, hi));
                }
            }
            "len" => {
                let lo = num(self, 0).map_or(0, |n| n.value as usize);
                let hi = if a.args.len() > 1 { num(self, 1).map(|n| n.value as usize) } else { None };
                def.constraints.push(Constraint::Len(lo, hi));
            }
            "multiple_of" => {
                if let Some(n) = num(self, 0) {
                    def.constraints.push(Constraint::MultipleOf(n));
                }
            }
            "pattern" => {
                if let Some(p) = pattern(self) {
                    def.constraints.push(Constraint::Pattern(p));
                }
            }
            "key_pattern" => {
                if let Some(p) = pattern(self) {
                    def.constraints.push(Constraint::KeyPattern(p));
                }
            }
            "unique" => def.constraints.push(Constraint::Unique),
            "unique_by" => {
                if let Some(f) = ident(self) {
                    def.constraints.push(Constraint::UniqueBy(f));
                }
            }
            other => self.err(a.name.range, format!("unknown attribute `@{other}`")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdlib_is_clean() {
        let s = stdlib();
        assert!(s.errors.is_empty(), "stdlib errors:\n{}", s.errors.join("\n"));
        assert!(s.index.schemas["Environment"].fields.contains_key("project_id"));
        assert!(s.index.enums["Deploy"].is_union);
    }
}
