//! Platform rules: checks across fields that the schema cannot express, each
//! with its own code (reference sections 1.3–1.8). They read the typed `spec`
//! and point at source through `Spans`.

pub mod alerts;
mod auth;
pub mod cron;
mod lints;
pub mod names;
mod probes;
pub mod resources;
mod rollout;
mod schedule;
pub mod secrets;

use super::spec;
use super::typeck::Spans;
use crate::diagnostics::{Code, Diagnostic, Span};
use crate::ir;
use crate::syntax::DeclKind;

pub struct RuleCtx<'a> {
    pub spec: &'a spec::Service,
    pub spans: &'a Spans,
    pub kind: DeclKind,
    /// The service's name in `service <id>`.
    pub decl_span: Span,
    pub platform: Option<&'a ir::Platform>,
    /// The spec file's folder, relative to the root ("" at the root).
    pub spec_dir: &'a str,
    /// Reads another file of the workspace by relative path.
    pub read: &'a dyn Fn(&str) -> Option<String>,
    pub diags: Vec<Diagnostic>,
}

impl<'a> RuleCtx<'a> {
    /// Where a value at `path` was written, or the nearest thing that was.
    pub fn at(&self, path: &str) -> Span {
        self.spans.nearest(path).unwrap_or(self.decl_span)
    }

    pub fn key_at(&self, path: &str) -> Span {
        self.spans.key(path).unwrap_or_else(|| self.at(path))
    }

    pub fn env_label(&self, env: &str) -> Span {
        self.spans.key(&format!("environment.{env}")).unwrap_or(self.decl_span)
    }

    /// Whether the field at `path` was written but failed to check (so the
    /// spec holds no value for it, and rules must not judge its absence).
    pub fn failed(&self, path: &str) -> bool {
        self.spans.key(path).is_some() && !self.spans.checked(path)
    }

    pub fn emit(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// The environments by id. The iterator borrows the spec, not the
    /// context, so a rule can emit while it iterates.
    pub fn envs(&self) -> impl Iterator<Item = (&'a String, &'a spec::Environment)> + use<'a> {
        self.spec.environment.iter()
    }

    pub fn name(&self) -> &'a str {
        let spec = self.spec;
        spec.name.as_deref().unwrap_or(&spec.id)
    }
}

pub fn env_path(env: &str, rest: &str) -> String {
    if rest.is_empty() { format!("environment.{env}") } else { format!("environment.{env}.{rest}") }
}

pub fn run(ctx: &mut RuleCtx<'_>) {
    names::check(ctx);
    resources::check(ctx);
    rollout::check(ctx);
    secrets::check(ctx);
    probes::check(ctx);
    alerts::check(ctx);
    auth::check(ctx);
    schedule::check(ctx);
    lints::check(ctx);
}

/// A rule's diagnostic with its code's default severity.
pub fn diag(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(code, span, message)
}
