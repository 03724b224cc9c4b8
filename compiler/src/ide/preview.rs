//! What `mspc build` would write for one environment (Terraform) or one
//! service (its operations page), for the editor's preview. It reads the
//! service's own check, so a broken file elsewhere in the workspace does not
//! hide the preview of a clean service.

use crate::db::{self, Db, SourceFile, Workspace};
use crate::emit::{self, docs};
use crate::syntax::{DeclKind, Entry, Item};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreviewKind {
    Terraform,
    Docs,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preview {
    pub title: String,
    /// `terraform` or `markdown`.
    pub language: &'static str,
    pub content: String,
}

/// The declaration at `offset`, or the only one in the file; and the
/// environment: `environment` if given, else the block at `offset`, else the
/// service's first.
pub fn preview(
    db: &dyn Db,
    ws: Workspace,
    file: SourceFile,
    offset: u32,
    environment: Option<&str>,
    kind: PreviewKind,
) -> Result<Preview, String> {
    let ast = &db::parse(db, file).ast;
    let decls = db::file_decls(db, file);
    let (item, _) = decls
        .iter()
        .find(|(i, _)| ast.items[*i as usize].range().contains(offset))
        .or_else(|| if decls.len() == 1 { decls.first() } else { None })
        .copied()
        .ok_or_else(|| "no service or job here: put the cursor inside one".to_string())?;
    let Item::Decl(decl) = &ast.items[item as usize] else {
        return Err("no service or job here".into());
    };
    let name = decl.label.as_ref().map_or_else(|| decl.kind.keyword().to_string(), |l| l.name.clone());
    let checked = db::check_service(db, ws, file, item);
    let service = checked.ir.clone().ok_or_else(|| {
        format!("`{name}` has errors: fix them to preview what it generates (see the Problems panel)")
    })?;
    let platform = db::check_platform(db, ws)
        .ir
        .clone()
        .ok_or_else(|| "the workspace's platform.msp is missing or has errors".to_string())?;
    let wanted_env = environment.map(str::to_string).or_else(|| {
        decl.body.entries.iter().find_map(|e| match e {
            Entry::Labeled(l) if l.key.name == "environment" && l.range.contains(offset) => Some(l.label.name.clone()),
            _ => None,
        })
    });
    match kind {
        PreviewKind::Terraform => {
            let env = match &wanted_env {
                Some(id) => service
                    .environments
                    .iter()
                    .find(|e| &e.id == id)
                    .ok_or_else(|| format!("`{name}` has no environment `{id}`"))?,
                None => service.environments.first().ok_or_else(|| format!("`{name}` has no environments"))?,
            };
            let files = emit::terraform::environment(&platform, &service, env);
            Ok(Preview {
                title: format!("{} · {} · Terraform", service.id, env.id),
                language: "terraform",
                content: concatenate(&files, "#"),
            })
        }
        PreviewKind::Docs => {
            let meta = docs::DocsMeta::default();
            let page = docs::page_path(&service.id);
            let files = docs::docs(&platform, std::slice::from_ref(&service), &[&*service], &meta);
            let content = files
                .into_iter()
                .find(|f| f.path == page)
                .map(|f| f.contents)
                .ok_or_else(|| format!("no page was generated for `{}`", service.id))?;
            Ok(Preview { title: format!("{} · operations page", service.id), language: "markdown", content })
        }
    }
}

/// Files one after another, each under a comment naming its path.
fn concatenate(files: &[emit::OutputFile], comment: &str) -> String {
    let mut out = String::new();
    for f in files {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("{comment} ── {} ──\n\n", f.path));
        out.push_str(&f.contents);
    }
    out
}

/// Each environment of each service or job in the file: (its label's range,
/// its id), where the editor shows "Preview Terraform".
pub fn environments(db: &dyn Db, file: SourceFile) -> Vec<(crate::syntax::TextRange, String)> {
    let ast = &db::parse(db, file).ast;
    let mut out = Vec::new();
    for item in &ast.items {
        if let Item::Decl(d) = item {
            if d.kind == DeclKind::Platform {
                continue;
            }
            for e in &d.body.entries {
                if let Entry::Labeled(l) = e
                    && l.key.name == "environment"
                {
                    out.push((l.range, l.label.name.clone()));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ide::fixture::Fixture;

    fn examples_service(env_cursor: &str) -> Fixture {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
        let teams = std::fs::read_to_string(root.join("teams.msp")).unwrap();
        let platform = std::fs::read_to_string(root.join("platform.msp")).unwrap();
        let rr = std::fs::read_to_string(root.join("services/releaseregistry/releaseregistry.msp")).unwrap();
        let rr = rr.replacen(env_cursor, &format!("{env_cursor}$0"), 1);
        Fixture::new(&format!(
            "//- platform.msp\n{platform}//- teams.msp\n{teams}//- services/releaseregistry/releaseregistry.msp\n{rr}"
        ))
    }

    #[test]
    fn terraform_of_the_environment_at_the_cursor() {
        let f = examples_service("environment dev {\n    project_id");
        let p = preview(f.db(), f.ws(), f.file, f.offset, None, PreviewKind::Terraform).unwrap();
        assert_eq!(p.title, "releaseregistry · dev · Terraform");
        assert!(p.content.contains("# ── terraform/releaseregistry/dev/cloudrun/main.tf ──"), "{}", &p.content[..200]);
        assert!(p.content.contains("releaseregistry-dev-6bac"));
        assert!(!p.content.contains("releaseregistry-prod-5421\""));
        let prod = preview(f.db(), f.ws(), f.file, f.offset, Some("prod"), PreviewKind::Terraform).unwrap();
        assert!(prod.content.contains("releaseregistry-prod-5421"));
        let missing = preview(f.db(), f.ws(), f.file, f.offset, Some("staging"), PreviewKind::Terraform);
        assert_eq!(missing.unwrap_err(), "`releaseregistry` has no environment `staging`");
    }

    #[test]
    fn docs_page_and_errors() {
        let f = examples_service("environment dev {");
        let p = preview(f.db(), f.ws(), f.file, f.offset, None, PreviewKind::Docs).unwrap();
        assert_eq!(p.language, "markdown");
        assert!(p.content.starts_with("# Release Registry"), "{}", &p.content[..100]);
        let broken = Fixture::new("service x {\n  $0name = 1\n}\n");
        let err = preview(broken.db(), broken.ws(), broken.file, broken.offset, None, PreviewKind::Terraform);
        assert!(err.unwrap_err().starts_with("`x` has errors"));
        let empty = Fixture::new("let a = 1$0\n");
        assert!(preview(empty.db(), empty.ws(), empty.file, empty.offset, None, PreviewKind::Docs).is_err());
    }

    #[test]
    fn environments_for_code_lenses() {
        let f = examples_service("environment dev {");
        let envs: Vec<String> = environments(f.db(), f.file).into_iter().map(|(_, e)| e).collect();
        assert_eq!(envs, ["prod", "dev"]);
    }
}
