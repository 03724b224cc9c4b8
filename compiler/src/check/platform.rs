//! The root `platform.msp`: the organisation's constants.

use std::sync::Arc;

use super::eval::{Evaluator, Scope};
use super::stdlib::stdlib;
use super::typeck::{Checker, Spans};
use crate::db::{self, Db, Workspace};
use crate::diagnostics::{self, Code, Diagnostic, Span};
use crate::ir;
use crate::syntax::{DeclKind, Item, TextRange};

pub const PLATFORM_FILE: &str = "platform.msp";

#[derive(Clone, Debug, PartialEq, Default)]
pub struct CheckedPlatform {
    pub ir: Option<Arc<ir::Platform>>,
    pub diagnostics: Vec<Diagnostic>,
    /// Whether the workspace has a `platform.msp` at all.
    pub found: bool,
    /// Schema fields and variants the platform block sets.
    pub used: std::collections::BTreeSet<String>,
    pub internal_error: Option<String>,
}

pub fn check_platform(db: &dyn Db, ws: Workspace) -> CheckedPlatform {
    let Some(file) = db::file_index(db, ws).by_path.get(PLATFORM_FILE).copied() else {
        return CheckedPlatform::default();
    };
    let fid = file.id(db);
    let parse = db::parse(db, file);
    let Some(decl) = parse.ast.items.iter().find_map(|i| match i {
        Item::Decl(d) if d.kind == DeclKind::Platform => Some(d),
        _ => None,
    }) else {
        let d = Diagnostic::new(
            Code::MisplacedPlatform,
            Span::new(fid, TextRange::empty(0)),
            "`platform.msp` has no `platform { … }` block",
        )
        .with_label("expected a platform block in this file")
        .with_help("add `platform { billing_account = \"…\", … }`; see `mspc explain E0112`");
        return CheckedPlatform {
            ir: None,
            diagnostics: vec![d],
            found: true,
            used: Default::default(),
            internal_error: None,
        };
    };
    let mut ev = Evaluator::new(db, ws);
    let rec = ev.record(&decl.body, Scope { file, defaults: None });
    let mut diags = ev.take_diagnostics();
    let mut spans = Spans::default();
    let (json, used) = {
        let mut checker = Checker::new(DeclKind::Platform, &mut diags, &mut spans);
        let schema = stdlib().index.schema("Platform");
        let json = checker.record(&rec, &schema.fields, "Platform", "", Span::new(fid, decl.keyword), None);
        (json, std::mem::take(&mut checker.used))
    };

    diagnostics::normalize(&mut diags);
    let mut internal_error = None;
    let ir = match json {
        Some(j) if !diags.iter().any(Diagnostic::is_error) => match serde_json::from_value::<ir::Platform>(j) {
            Ok(p) => Some(Arc::new(p)),
            Err(e) => {
                internal_error = Some(format!("the checked platform does not fit the IR: {e}"));
                None
            }
        },
        _ => None,
    };
    CheckedPlatform { ir, diagnostics: diags, found: true, used, internal_error }
}
