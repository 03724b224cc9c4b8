//! Reading generated Terraform in tests: build a workspace, parse a stack's
//! `main.tf` with hcl-rs, and look up resources and attributes by path.

#![allow(dead_code)]

use std::collections::BTreeMap;

use hcl::{Block, Body, Expression, Structure};

/// Every generated file of a workspace, by path.
pub struct Build {
    pub files: BTreeMap<String, String>,
}

impl Build {
    /// Checks `files` (plus the fixtures' platform unless given) and
    /// generates everything. Panics with the diagnostics if it does not check.
    pub fn of(files: &[(&str, &str)]) -> Build {
        let ws = super::workspace(files);
        let r = ws.result();
        let shown = mspc_compiler::diagnostics::render::short(&r.diagnostics, &ws);
        assert!(!r.has_errors(), "the workspace does not check:\n{shown}{:?}", r.internal_errors);
        let platform = r.platform.as_ref().expect("platform");
        let out = mspc_compiler::emit::build(platform, &r.services, &Default::default(), &Default::default(), 1);
        Build { files: out.into_iter().map(|f| (f.path, f.contents)).collect() }
    }

    pub fn examples() -> Build {
        Build::workspace("examples")
    }

    /// A workspace on disk, relative to the repository.
    pub fn workspace(rel: &str) -> Build {
        let ws = mspc_compiler::db::load::Loaded::from_disk(&super::repo_root().join(rel)).unwrap();
        let r = ws.result();
        assert!(!r.has_errors(), "{rel} does not check");
        let out = mspc_compiler::emit::build(
            r.platform.as_ref().unwrap(),
            &r.services,
            &Default::default(),
            &Default::default(),
            1,
        );
        Build { files: out.into_iter().map(|f| (f.path, f.contents)).collect() }
    }

    pub fn file(&self, path: &str) -> &str {
        self.files.get(path).unwrap_or_else(|| panic!("no file {path}; have:\n{}", self.paths().join("\n")))
    }

    pub fn paths(&self) -> Vec<String> {
        self.files.keys().cloned().collect()
    }

    /// `terraform/<service>/<env>/<stack>/main.tf`, parsed.
    pub fn stack(&self, service: &str, env: &str, stack: &str) -> Module {
        let text = self.file(&format!("terraform/{service}/{env}/{stack}/main.tf")).to_string();
        let body: Body = hcl::parse(&text).unwrap_or_else(|e| panic!("generated HCL does not parse: {e}\n{text}"));
        Module { body, text }
    }
}

pub struct Module {
    pub body: Body,
    pub text: String,
}

impl Module {
    fn top(&self, kind: &str, ty: &str, name: &str) -> Option<Node<'_>> {
        self.body.blocks().find(|b| b.identifier() == kind && labels(b) == [ty, name]).map(|b| Node(&b.body))
    }

    pub fn resource(&self, ty: &str, name: &str) -> Node<'_> {
        self.top("resource", ty, name).unwrap_or_else(|| panic!("no resource {ty}.{name} in:\n{}", self.text))
    }

    pub fn has_resource(&self, ty: &str, name: &str) -> bool {
        self.top("resource", ty, name).is_some()
    }

    pub fn data(&self, ty: &str, name: &str) -> Node<'_> {
        self.top("data", ty, name).unwrap_or_else(|| panic!("no data {ty}.{name} in:\n{}", self.text))
    }

    /// Names of the resources of a type.
    pub fn resources_of(&self, ty: &str) -> Vec<String> {
        self.body
            .blocks()
            .filter(|b| b.identifier() == "resource" && labels(b).first().map(String::as_str) == Some(ty))
            .map(|b| labels(b)[1].clone())
            .collect()
    }

    /// A top-level block without labels, or with one (`terraform`, `provider "google"`).
    pub fn block(&self, ident: &str, label: Option<&str>) -> Node<'_> {
        self.body
            .blocks()
            .find(|b| b.identifier() == ident && labels(b).first().map(String::as_str) == label)
            .map(|b| Node(&b.body))
            .unwrap_or_else(|| panic!("no block {ident} {label:?}"))
    }
}

fn labels(b: &Block) -> Vec<String> {
    b.labels.iter().map(|l| l.as_str().to_string()).collect()
}

/// A block's body; paths like `settings.backup_configuration.enabled` go
/// through nested blocks (the first of each name) and object attributes.
#[derive(Clone, Copy)]
pub struct Node<'a>(pub &'a Body);

impl<'a> Node<'a> {
    pub fn expr(&self, path: &str) -> Option<Expression> {
        let (head, rest) = match path.split_once('.') {
            Some((h, r)) => (h, Some(r)),
            None => (path, None),
        };
        for s in self.0.iter() {
            match s {
                Structure::Attribute(a) if a.key.as_str() == head => {
                    return match rest {
                        None => Some(a.expr.clone()),
                        Some(r) => object_path(&a.expr, r),
                    };
                }
                Structure::Block(b) if b.identifier() == head => {
                    return match rest {
                        None => None,
                        Some(r) => Node(&b.body).expr(r),
                    };
                }
                _ => {}
            }
        }
        None
    }

    /// The expression at `path` as Terraform text (`google_project.project.project_id`, `"x"`, `true`).
    pub fn text(&self, path: &str) -> Option<String> {
        self.expr(path).map(|e| hcl::format::to_string(&e).unwrap_or_default())
    }

    pub fn str(&self, path: &str) -> Option<String> {
        match self.expr(path)? {
            Expression::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn bool(&self, path: &str) -> Option<bool> {
        match self.expr(path)? {
            Expression::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn int(&self, path: &str) -> Option<i64> {
        match self.expr(path)? {
            Expression::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// Nested blocks named `name` (e.g. every `env` of a container).
    pub fn blocks(&self, name: &str) -> Vec<Node<'a>> {
        self.0.blocks().filter(|b| b.identifier() == name).map(|b| Node(&b.body)).collect()
    }

    /// The first nested block at `path` (`template.containers`).
    pub fn child(&self, path: &str) -> Node<'a> {
        let mut node = *self;
        for seg in path.split('.') {
            node = node.blocks(seg).into_iter().next().unwrap_or_else(|| panic!("no block {seg} in {path}"));
        }
        node
    }

    pub fn has(&self, path: &str) -> bool {
        self.expr(path).is_some() || self.0.blocks().any(|b| b.identifier() == path)
    }
}

fn object_path(e: &Expression, path: &str) -> Option<Expression> {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let Expression::Object(o) = e else { return None };
    let v = o.iter().find(|(k, _)| {
        let k = hcl::format::to_string(*k).unwrap_or_default();
        k.trim_matches('"') == head
    })?;
    match rest {
        None => Some(v.1.clone()),
        Some(r) => object_path(v.1, r),
    }
}
