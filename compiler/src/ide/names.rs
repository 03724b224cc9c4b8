//! Every name in a file and what it refers to, found by walking the syntax
//! tree with the type the stdlib expects at each place, the way the checker
//! resolves them. Go to definition looks up the name under the cursor;
//! references and rename gather the names with the same target across the
//! workspace; highlighting colours them all.

use crate::check::schema::{EnumDef, FieldDef, Ty, VariantDef};
use crate::check::stdlib::stdlib;
use crate::check::value::CtxRoot;
use crate::db::{self, Db, FileScope, SourceFile, Workspace};
use crate::diagnostics::Span;
use crate::syntax::{
    Attr, DeclKind, Entry, Expr, ExprKind, Field, FieldDecl, Ident, Item, Record, StrPart, TextRange, TypeExpr, Variant,
};

use super::Location;

/// What a name stands for; two names refer to the same thing exactly when
/// their targets are equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Let {
        file: SourceFile,
        name: String,
    },
    Import {
        file: SourceFile,
        alias: String,
    },
    /// The file an import path names.
    File(SourceFile),
    /// A `service` or `job` (by item index): its label.
    Decl {
        file: SourceFile,
        item: u32,
    },
    /// An environment of the declaration at `item`.
    Env {
        file: SourceFile,
        item: u32,
        name: String,
    },
    /// A schema, field or variant of the stdlib, or one of the files' own
    /// schema declarations.
    Stdlib(Span),
    /// An entry of a record reached through a path: `defaults.instances`,
    /// `sizes.large`.
    Entry(Location),
}

/// What a piece of text is, for highlighting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Keyword,
    /// A `service` or `job` id.
    DeclLabel,
    EnvLabel,
    EnvUse,
    /// The label of any other labeled block (`secret_volumes creds { … }`).
    Label,
    /// A key the schema declares.
    Field,
    /// A map key, or a key no schema declares.
    Key,
    Variant,
    Let,
    Alias,
    ImportPath,
    Function,
    /// `service` or `environment` before a field: the compiler's context.
    Context,
    ContextField,
    /// `defaults` read inside an environment.
    Defaults,
    /// A field read through a path: `small.memory`.
    Member,
    /// A name nothing defines (already an error).
    Unresolved,
    /// A whole string literal, interpolations included.
    Str,
    /// A `${…}` inside a string.
    Interp,
    Number,
    Operator,
    Decorator,
    TypeName,
    FieldDecl,
    VariantDecl,
    /// A bare name given to an attribute: `@only(service)`.
    AttrArg,
}

impl Role {
    /// Roles that are a name one can navigate from (not literals or punctuation).
    pub fn is_name(self) -> bool {
        !matches!(self, Role::Str | Role::Interp | Role::Number | Role::Operator)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub range: TextRange,
    pub role: Role,
    pub target: Option<Target>,
    /// The name is where its target is declared.
    pub decl: bool,
    /// A bare `let` used where this enum or union is expected: a variant of
    /// the new name would win over the `let` after a rename.
    pub expects: Option<&'static str>,
}

/// Every occurrence in `file`, in tree order (not sorted; strings contain
/// their interpolations).
pub fn occurrences(db: &dyn Db, ws: Workspace, file: SourceFile) -> &[Occurrence] {
    file_occurrences(db, ws, file)
}

// Memoized: references and rename walk every file of the workspace, and
// only the edited one changes between requests.
#[salsa::tracked(returns(ref))]
fn file_occurrences(db: &dyn Db, ws: Workspace, file: SourceFile) -> Vec<Occurrence> {
    let mut w = Walker {
        db,
        ws,
        file,
        text: file.text(db),
        scope: db::file_scope(db, ws, file),
        out: Vec::new(),
        decl: None,
        in_env: false,
        fuel: 0,
    };
    w.file();
    w.out
}

/// The name at `offset`: one that contains it, else one that ends there
/// (the cursor just after a word).
pub fn at(occurrences: &[Occurrence], offset: u32) -> Option<&Occurrence> {
    let names = || occurrences.iter().filter(|o| o.role.is_name());
    names()
        .filter(|o| o.range.start <= offset && offset < o.range.end)
        // Nested names (a path segment inside a decorator's range) win: the smallest.
        .min_by_key(|o| o.range.len())
        .or_else(|| names().find(|o| o.range.end == offset && !o.range.is_empty()))
}

/// One environment of a declaration, written as a labeled block
/// (`environment dev { … }`) or as an entry of the map (`environment = { dev = { … } }`).
pub struct EnvEntry<'a> {
    pub label: &'a Ident,
    pub body: &'a Record,
    /// The whole block or entry.
    pub range: TextRange,
}

pub fn environments(kind: DeclKind, body: &Record) -> Vec<EnvEntry<'_>> {
    let Some((_, target)) = stdlib().index.defaults_field().filter(|_| kind != DeclKind::Platform) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in &body.entries {
        match e {
            Entry::Labeled(l) if l.key.name == target => {
                out.push(EnvEntry { label: &l.label, body: &l.body, range: l.range })
            }
            Entry::Field(f) if f.key.name == target => {
                if let ExprKind::Record(map) = &f.value.kind {
                    for inner in &map.entries {
                        if let Entry::Field(env) = inner
                            && let ExprKind::Record(r) = &env.value.kind
                        {
                            out.push(EnvEntry { label: &env.key, body: r, range: env.range });
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The location a target is defined at: where go to definition jumps.
pub fn definition(db: &dyn Db, ws: Workspace, target: &Target) -> Option<Location> {
    match target {
        Target::Import { file, alias } => {
            // The whole import line: the path is what it defines.
            let ast = &db::parse(db, *file).ast;
            ast.items.iter().find_map(|i| match i {
                Item::Import(im) if im.alias.name == *alias => Some(Location { file: file.id(db), range: im.range }),
                _ => None,
            })
        }
        _ => declaration(db, ws, target),
    }
}

/// The name that declares a target, as references list it.
pub fn declaration(db: &dyn Db, ws: Workspace, target: &Target) -> Option<Location> {
    let at = |file: SourceFile, range: TextRange| Some(Location { file: file.id(db), range });
    match target {
        Target::Let { file, name } => {
            let idx = *db::file_scope(db, ws, *file).lets.get(name)?;
            match db::parse(db, *file).ast.items.get(idx as usize)? {
                Item::Let(l) => at(*file, l.name.range),
                _ => None,
            }
        }
        Target::Import { file, alias } => at(*file, db::file_scope(db, ws, *file).imports.get(alias)?.alias_range),
        Target::File(file) => at(*file, TextRange::empty(0)),
        Target::Decl { file, item } => match db::parse(db, *file).ast.items.get(*item as usize)? {
            Item::Decl(d) => at(*file, d.label.as_ref()?.range),
            _ => None,
        },
        Target::Env { file, item, name } => match db::parse(db, *file).ast.items.get(*item as usize)? {
            Item::Decl(d) => {
                let envs = environments(d.kind, &d.body);
                at(*file, envs.iter().find(|e| e.label.name == *name)?.label.range)
            }
            _ => None,
        },
        Target::Stdlib(span) => Some(Location { file: span.file, range: span.range }),
        Target::Entry(loc) => Some(*loc),
    }
}

/// How many steps following `let`s and spreads one path may take: chains
/// are bounded, and so is a tree of spreads that fans out.
const FUEL: u32 = 256;

struct DeclCtx<'db> {
    item: u32,
    envs: Vec<&'db str>,
    /// The declaration's `defaults` entry.
    defaults: Option<&'db Field>,
}

/// What keys of a record mean.
#[derive(Clone, Copy)]
enum Shape {
    Fields(&'static indexmap::IndexMap<String, FieldDef>),
    Map(&'static Ty),
    Unknown,
}

fn shape_of(ty: Option<&'static Ty>) -> Shape {
    match ty {
        Some(Ty::Schema(name)) => stdlib().index.schemas.get(name).map_or(Shape::Unknown, |s| Shape::Fields(&s.fields)),
        Some(Ty::Map(elem)) => Shape::Map(elem),
        _ => Shape::Unknown,
    }
}

fn enum_of(ty: Option<&'static Ty>) -> Option<&'static EnumDef> {
    match ty {
        Some(Ty::Enum(name) | Ty::Union(name)) => stdlib().index.enums.get(name),
        _ => None,
    }
}

struct Walker<'db> {
    db: &'db dyn Db,
    ws: Workspace,
    file: SourceFile,
    text: &'db str,
    scope: &'db FileScope,
    out: Vec<Occurrence>,
    decl: Option<DeclCtx<'db>>,
    /// Inside an environment's body, where `defaults.…` can be read.
    in_env: bool,
    fuel: u32,
}

impl<'db> Walker<'db> {
    fn push(&mut self, range: TextRange, role: Role, target: Option<Target>) {
        self.out.push(Occurrence { range, role, target, decl: false, expects: None });
    }

    fn push_decl(&mut self, range: TextRange, role: Role, target: Option<Target>) {
        self.out.push(Occurrence { range, role, target, decl: true, expects: None });
    }

    fn here(&self, range: TextRange) -> Location {
        Location { file: self.file.id(self.db), range }
    }

    /// A keyword or operator written at `at`, if the text there really is it.
    fn word(&mut self, at: u32, word: &str, role: Role) {
        let end = at as usize + word.len();
        if self.text.get(at as usize..end) == Some(word) {
            self.push(TextRange::new(at as usize, end), role, None);
        }
    }

    /// The first `token` between two offsets (an `=`, `as`).
    fn between(&mut self, from: u32, to: u32, token: &str, role: Role) {
        if let Some(gap) = self.text.get(from as usize..to as usize)
            && let Some(i) = gap.find(token)
        {
            let start = from as usize + i;
            self.push(TextRange::new(start, start + token.len()), role, None);
        }
    }

    fn file(&mut self) {
        let ast = &db::parse(self.db, self.file).ast;
        for (i, item) in ast.items.iter().enumerate() {
            match item {
                Item::Import(im) => {
                    self.word(im.range.start, "import", Role::Keyword);
                    let target = im
                        .path
                        .as_deref()
                        .and_then(|p| db::resolve_import(self.file.path(self.db), p).ok())
                        .and_then(|p| db::file_index(self.db, self.ws).by_path.get(&p).copied());
                    self.push(im.path_range, Role::ImportPath, target.map(Target::File));
                    self.between(im.path_range.end, im.alias.range.start, "as", Role::Keyword);
                    let target = Target::Import { file: self.file, alias: im.alias.name.clone() };
                    self.push_decl(im.alias.range, Role::Alias, Some(target));
                }
                Item::Let(l) => {
                    self.word(l.range.start, "let", Role::Keyword);
                    let target = Target::Let { file: self.file, name: l.name.name.clone() };
                    self.push_decl(l.name.range, Role::Let, Some(target));
                    self.between(l.name.range.end, l.value.range.start, "=", Role::Operator);
                    self.expr(&l.value, None);
                }
                Item::Decl(d) => {
                    let schema = stdlib().index.decl_schema(d.kind);
                    self.push(d.keyword, Role::Keyword, schema.map(|s| Target::Stdlib(s.span)));
                    let item = i as u32;
                    if let Some(label) = &d.label {
                        let target = (d.kind != DeclKind::Platform).then_some(Target::Decl { file: self.file, item });
                        self.push_decl(label.range, Role::DeclLabel, target);
                    }
                    let defaults_key = stdlib().index.defaults_field().map(|(d, _)| d);
                    self.decl = Some(DeclCtx {
                        item,
                        envs: environments(d.kind, &d.body).iter().map(|e| e.label.name.as_str()).collect(),
                        defaults: d.body.entries.iter().find_map(|e| match e {
                            Entry::Field(f)
                                if d.kind != DeclKind::Platform && Some(f.key.name.as_str()) == defaults_key =>
                            {
                                Some(f)
                            }
                            _ => None,
                        }),
                    });
                    let shape = schema.map_or(Shape::Unknown, |s| Shape::Fields(&s.fields));
                    self.record(&d.body, shape, None, d.kind != DeclKind::Platform);
                    self.decl = None;
                }
                Item::Schema(s) => {
                    self.word(s.range.start, "schema", Role::Keyword);
                    self.type_name(&s.name, true);
                    s.attrs.iter().for_each(|a| self.attr(a));
                    s.fields.iter().for_each(|f| self.field_decl(f));
                }
                Item::Enum(e) => {
                    self.word(e.range.start, "enum", Role::Keyword);
                    self.variants(&e.name, &e.variants);
                }
                Item::Union(u) => {
                    self.word(u.range.start, "union", Role::Keyword);
                    self.variants(&u.name, &u.variants);
                }
                Item::Error(_) => {}
            }
        }
    }

    // ------------------------------------------------------------ schema declarations

    fn type_name(&mut self, name: &Ident, decl: bool) {
        let index = &stdlib().index;
        let span =
            index.schemas.get(&name.name).map(|s| s.span).or_else(|| index.enums.get(&name.name).map(|e| e.span));
        let target = if decl {
            Some(Target::Stdlib(Span::new(self.file.id(self.db), name.range)))
        } else {
            span.map(Target::Stdlib)
        };
        if decl {
            self.push_decl(name.range, Role::TypeName, target);
        } else {
            self.push(name.range, Role::TypeName, target);
        }
    }

    fn variants(&mut self, name: &Ident, variants: &'db [Variant]) {
        self.type_name(name, true);
        for v in variants {
            let target = Target::Stdlib(Span::new(self.file.id(self.db), v.name.range));
            self.push_decl(v.name.range, Role::VariantDecl, Some(target));
            for f in v.fields.iter().flatten() {
                self.field_decl(f);
            }
        }
    }

    fn field_decl(&mut self, f: &'db FieldDecl) {
        let target = Target::Stdlib(Span::new(self.file.id(self.db), f.name.range));
        self.push_decl(f.name.range, Role::FieldDecl, Some(target));
        self.type_expr(&f.ty);
        if let Some(d) = &f.default {
            self.between(f.ty.range.end, d.range.start, "=", Role::Operator);
            self.expr(d, None);
        }
        f.attrs.iter().for_each(|a| self.attr(a));
    }

    fn type_expr(&mut self, t: &TypeExpr) {
        self.type_name(&t.name, false);
        if let Some(arg) = &t.arg {
            self.type_expr(arg);
        }
    }

    fn attr(&mut self, a: &'db Attr) {
        self.push(TextRange { start: a.range.start, end: a.name.range.end }, Role::Decorator, None);
        for arg in &a.args {
            match &arg.kind {
                ExprKind::Path(segs) => segs.iter().for_each(|s| self.push(s.range, Role::AttrArg, None)),
                _ => self.expr(arg, None),
            }
        }
    }

    // ------------------------------------------------------------ records and values

    /// `top`: the body of a service or job, where environments and
    /// `defaults` are declared.
    fn record(&mut self, rec: &'db Record, shape: Shape, own: Option<&'static Ty>, top: bool) {
        for e in &rec.entries {
            self.entry(e, shape, own, top);
        }
    }

    /// `top`: an entry of a service's or job's body, where environments are declared.
    fn entry(&mut self, e: &'db Entry, shape: Shape, own: Option<&'static Ty>, top: bool) {
        let env_key = stdlib().index.defaults_field().map(|(_, target)| target).filter(|_| top);
        match e {
            Entry::Field(f) => {
                let ty = self.key(&f.key, shape);
                if !f.block {
                    self.between(f.key.range.end, f.value.range.start, "=", Role::Operator);
                }
                match &f.value.kind {
                    ExprKind::Record(map) if Some(f.key.name.as_str()) == env_key => self.env_map(map, ty),
                    _ => self.expr(&f.value, ty),
                }
            }
            Entry::Labeled(l) => {
                let elem = match self.key(&l.key, shape) {
                    Some(Ty::Map(t)) => Some(&**t),
                    _ => None,
                };
                let is_env = Some(l.key.name.as_str()) == env_key;
                if is_env {
                    self.env_label(&l.label);
                } else {
                    self.push_decl(l.label.range, Role::Label, None);
                }
                let outer = self.in_env;
                self.in_env |= is_env;
                self.record(&l.body, shape_of(elem), elem, false);
                self.in_env = outer;
            }
            Entry::Spread(s) => {
                self.word(s.range.start, "..", Role::Operator);
                self.expr(&s.expr, own);
            }
            Entry::Error(_) => {}
        }
    }

    /// `environment = { dev = { … } }`: the keys are environment labels.
    fn env_map(&mut self, map: &'db Record, ty: Option<&'static Ty>) {
        let elem = match ty {
            Some(Ty::Map(t)) => Some(&**t),
            _ => None,
        };
        for e in &map.entries {
            match e {
                Entry::Field(f) if matches!(f.value.kind, ExprKind::Record(_)) => {
                    self.env_label(&f.key);
                    if !f.block {
                        self.between(f.key.range.end, f.value.range.start, "=", Role::Operator);
                    }
                    let outer = std::mem::replace(&mut self.in_env, true);
                    self.expr(&f.value, elem);
                    self.in_env = outer;
                }
                _ => self.entry(e, shape_of(ty), ty, false),
            }
        }
    }

    fn env_label(&mut self, label: &Ident) {
        let target =
            self.decl.as_ref().map(|d| Target::Env { file: self.file, item: d.item, name: label.name.clone() });
        self.push_decl(label.range, Role::EnvLabel, target);
    }

    /// Marks a key, and returns the type its value has.
    fn key(&mut self, key: &Ident, shape: Shape) -> Option<&'static Ty> {
        match shape {
            Shape::Fields(fields) => match fields.get(&key.name) {
                Some(def) => {
                    self.push(key.range, Role::Field, Some(Target::Stdlib(def.span)));
                    Some(&def.ty)
                }
                None => {
                    self.push(key.range, Role::Key, None);
                    None
                }
            },
            Shape::Map(elem) => {
                self.push(key.range, Role::Key, None);
                Some(elem)
            }
            Shape::Unknown => {
                self.push(key.range, Role::Key, None);
                None
            }
        }
    }

    fn expr(&mut self, e: &'db Expr, ty: Option<&'static Ty>) {
        match &e.kind {
            ExprKind::Str(parts) => {
                self.push(e.range, Role::Str, None);
                for p in parts {
                    if let StrPart::Interp(segs, range) = p {
                        self.push(*range, Role::Interp, None);
                        self.path(segs, None, true);
                    }
                }
            }
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Duration(_) | ExprKind::Size(_) => {
                self.push(e.range, Role::Number, None)
            }
            ExprKind::Bool(_) => self.push(e.range, Role::Keyword, None),
            ExprKind::List(items) => {
                let elem = match ty {
                    Some(Ty::List(t)) => Some(&**t),
                    _ => None,
                };
                items.iter().for_each(|i| self.expr(i, elem));
            }
            ExprKind::Record(r) => self.record(r, shape_of(ty), ty, false),
            ExprKind::Tagged { tag, body } => {
                let variant = self.variant(&tag.name, ty);
                self.push(tag.range, Role::Variant, variant.map(|v| Target::Stdlib(v.span)));
                let shape = variant.and_then(|v| v.fields.as_ref()).map_or(Shape::Unknown, Shape::Fields);
                self.record(body, shape, None, false);
            }
            ExprKind::Call { func, args } => {
                self.push(func.range, Role::Function, None);
                args.iter().for_each(|a| self.expr(a, None));
            }
            ExprKind::Path(segs) => self.path(segs, ty, false),
            ExprKind::Error => {}
        }
    }

    /// The variant a bare name or tag means where `ty` is expected; where
    /// the type is unknown (a `let`'s value), any variant of that name.
    fn variant(&self, name: &str, ty: Option<&'static Ty>) -> Option<&'static VariantDef> {
        match ty {
            Some(_) => enum_of(ty)?.variant(name),
            None => stdlib().index.enums.values().find_map(|d| d.variant(name)),
        }
    }

    /// A path, resolved in the checker's order: the context (`service.x`,
    /// `environment.x`), `defaults`, a variant of the expected enum, a `let`,
    /// an import, an environment name.
    fn path(&mut self, segs: &'db [Ident], ty: Option<&'static Ty>, in_string: bool) {
        let Some(first) = segs.first() else {
            return;
        };
        let name = first.name.as_str();
        if segs.len() >= 2
            && let Some(root) = CtxRoot::from_name(name)
        {
            let schema = stdlib().index.context_schema(root);
            self.push(first.range, Role::Context, schema.map(|s| Target::Stdlib(s.span)));
            let field = schema.and_then(|s| s.fields.get(&segs[1].name));
            self.push(segs[1].range, Role::ContextField, field.map(|f| Target::Stdlib(f.span)));
            self.unresolved(&segs[2..], Role::Member);
            return;
        }
        if name == "defaults"
            && self.in_env
            && let Some(defaults) = self.decl.as_ref().and_then(|d| d.defaults)
        {
            self.push(first.range, Role::Defaults, Some(Target::Entry(self.here(defaults.key.range))));
            self.members(self.file, &defaults.value, &segs[1..]);
            return;
        }
        let expected = enum_of(ty);
        if segs.len() == 1
            && let Some(v) = expected.and_then(|e| e.variant(name))
        {
            self.push(first.range, Role::Variant, Some(Target::Stdlib(v.span)));
            return;
        }
        if let Some(&idx) = self.scope.lets.get(name) {
            let target = Target::Let { file: self.file, name: name.to_string() };
            let expects = expected.filter(|_| segs.len() == 1).map(|e| e.name.as_str());
            self.out.push(Occurrence {
                range: first.range,
                role: Role::Let,
                target: Some(target),
                decl: false,
                expects,
            });
            if let Some(value) = let_value(self.db, self.file, idx) {
                self.members(self.file, value, &segs[1..]);
            }
            return;
        }
        if let Some(import) = self.scope.imports.get(name) {
            self.push(first.range, Role::Alias, Some(Target::Import { file: self.file, alias: name.to_string() }));
            let Some(member) = segs.get(1) else {
                return;
            };
            let found = import.target.as_ref().ok().and_then(|&target| {
                let idx = *db::file_scope(self.db, self.ws, target).lets.get(&member.name)?;
                Some((target, idx))
            });
            match found {
                Some((target, idx)) => {
                    let t = Target::Let { file: target, name: member.name.clone() };
                    self.push(member.range, Role::Let, Some(t));
                    if let Some(value) = let_value(self.db, target, idx) {
                        self.members(target, value, &segs[2..]);
                    }
                }
                None => self.unresolved(&segs[1..], Role::Member),
            }
            return;
        }
        if segs.len() == 1 && !in_string {
            if matches!(ty, Some(Ty::Env))
                && let Some(d) = &self.decl
                && d.envs.contains(&name)
            {
                let target = Target::Env { file: self.file, item: d.item, name: name.to_string() };
                self.push(first.range, Role::EnvUse, Some(target));
                return;
            }
            if ty.is_none()
                && let Some(v) = self.variant(name, None)
            {
                self.push(first.range, Role::Variant, Some(Target::Stdlib(v.span)));
                return;
            }
        }
        self.unresolved(&segs[..1], Role::Unresolved);
        self.unresolved(&segs[1..], Role::Member);
    }

    fn unresolved(&mut self, segs: &[Ident], role: Role) {
        for s in segs {
            self.push(s.range, role, None);
        }
    }

    /// `rest` read from a value: each segment is an entry of a record.
    fn members(&mut self, file: SourceFile, value: &'db Expr, rest: &'db [Ident]) {
        let mut current = (file, Member::Expr(value));
        for (i, seg) in rest.iter().enumerate() {
            self.fuel = FUEL;
            match self.lookup(current.0, current.1, &seg.name) {
                Some((f, key, value)) => {
                    let loc = Location { file: f.id(self.db), range: key };
                    self.push(seg.range, Role::Member, Some(Target::Entry(loc)));
                    current = (f, value);
                }
                None => {
                    self.unresolved(&rest[i..], Role::Member);
                    return;
                }
            }
        }
    }

    fn burn(&mut self) -> Option<()> {
        self.fuel = self.fuel.checked_sub(1)?;
        Some(())
    }

    /// The entry `key` of a record value, as the evaluator reads it: written
    /// entries first (the first of a name wins; labeled blocks `key label {…}`
    /// together are one entry, a map of their labels), then the spreads, the
    /// later winning. Returns the entry's key (or label) and its value.
    fn lookup(
        &mut self,
        file: SourceFile,
        value: Member<'db>,
        key: &str,
    ) -> Option<(SourceFile, TextRange, Member<'db>)> {
        self.burn()?;
        let (file, rec) = match self.entries(file, value)? {
            (file, Entries::Labeled(rec, map)) => {
                return rec.entries.iter().find_map(|e| match e {
                    Entry::Labeled(l) if l.key.name == map && l.label.name == key => {
                        Some((file, l.label.range, Member::Body(&l.body)))
                    }
                    _ => None,
                });
            }
            (file, Entries::Record(rec)) => (file, rec),
        };
        for e in &rec.entries {
            match e {
                Entry::Field(f) if f.key.name == key => return Some((file, f.key.range, Member::Expr(&f.value))),
                Entry::Labeled(l) if l.key.name == key => {
                    return Some((file, l.key.range, Member::Labeled(rec, &l.key.name)));
                }
                _ => {}
            }
        }
        for e in rec.entries.iter().rev() {
            if let Entry::Spread(s) = e
                && let Some(found) = self.lookup(file, Member::Expr(&s.expr), key)
            {
                return Some(found);
            }
        }
        None
    }

    /// What a value holds entries of, through `let`s and imports. A tagged
    /// value has none: the evaluator reads no fields of it.
    fn entries(&mut self, file: SourceFile, value: Member<'db>) -> Option<(SourceFile, Entries<'db>)> {
        self.burn()?;
        match value {
            Member::Labeled(rec, map) => Some((file, Entries::Labeled(rec, map))),
            Member::Body(rec) => Some((file, Entries::Record(rec))),
            Member::Expr(e) => match &e.kind {
                ExprKind::Record(r) => Some((file, Entries::Record(r))),
                ExprKind::Path(segs) => {
                    let (f, v) = self.path_value(file, segs)?;
                    self.entries(f, v)
                }
                _ => None,
            },
        }
    }

    /// The value a path in `file` reads, through `let`s and imports.
    fn path_value(&mut self, file: SourceFile, segs: &'db [Ident]) -> Option<(SourceFile, Member<'db>)> {
        self.burn()?;
        let scope = db::file_scope(self.db, self.ws, file);
        let first = &segs.first()?.name;
        let (mut file, value, rest) = if let Some(&idx) = scope.lets.get(first) {
            (file, let_value(self.db, file, idx)?, &segs[1..])
        } else {
            let target = *scope.imports.get(first)?.target.as_ref().ok()?;
            let member = &segs.get(1)?.name;
            let idx = *db::file_scope(self.db, self.ws, target).lets.get(member)?;
            (target, let_value(self.db, target, idx)?, &segs[2..])
        };
        let mut value = Member::Expr(value);
        for seg in rest {
            let (f, _, v) = self.lookup(file, value, &seg.name)?;
            file = f;
            value = v;
        }
        Some((file, value))
    }
}

/// A value read through a path.
#[derive(Clone, Copy)]
enum Member<'db> {
    Expr(&'db Expr),
    /// The labeled blocks `key label { … }` of a record, for one `key`: a
    /// map from their labels to their bodies.
    Labeled(&'db Record, &'db str),
    /// One labeled block's body.
    Body(&'db Record),
}

/// What a value's entries are: a record's, or the labels of its blocks named `key`.
enum Entries<'db> {
    Record(&'db Record),
    Labeled(&'db Record, &'db str),
}

fn let_value(db: &dyn Db, file: SourceFile, item: u32) -> Option<&Expr> {
    match db::parse(db, file).ast.items.get(item as usize)? {
        Item::Let(l) => Some(&l.value),
        _ => None,
    }
}
