//! The operations docs back end: one page per service (`docs/<id>.md`) and
//! an index grouped by owner (`docs/index.md`), from the IR only.

mod diagram;
mod index;
pub(crate) mod links;
pub mod markdown;
mod page;

use crate::emit::OutputFile;
use crate::ir::{Platform, Service};

/// What the pages say about where and when they were generated. Both are
/// optional so that the output is a function of the workspace alone unless
/// the user asks for more.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocsMeta {
    /// The workspace's git commit, when it is a checkout.
    pub revision: Option<String>,
    /// A UTC timestamp, only with `--timestamp`.
    pub timestamp: Option<String>,
}

/// The pages of `services` and the index of `all` services.
pub fn docs(
    platform: &Platform,
    all: &[std::sync::Arc<Service>],
    services: &[&Service],
    meta: &DocsMeta,
) -> Vec<OutputFile> {
    let mut files: Vec<OutputFile> = services
        .iter()
        .map(|s| OutputFile { path: page_path(&s.id), contents: page::page(platform, s, meta) })
        .collect();
    files.push(OutputFile { path: "docs/index.md".into(), contents: index::index(platform, all, meta) });
    files
}

pub fn page_path(service: &str) -> String {
    format!("docs/{service}.md")
}

/// The HTML comment every page starts with: do not edit, how to regenerate,
/// and the source revision and time when known.
fn generated_notice(meta: &DocsMeta, specs_url: Option<&str>) -> String {
    let mut out =
        String::from("<!--\nGenerated documentation; DO NOT EDIT. Regenerate using this command: 'mspc build'\n");
    if meta.timestamp.is_some() || meta.revision.is_some() {
        out.push('\n');
    }
    if let Some(t) = &meta.timestamp {
        out.push_str(&format!("Last updated: {t}\n"));
    }
    if let Some(rev) = &meta.revision {
        out.push_str(&format!("Generated from: {}\n", links::revision(specs_url, rev)));
    }
    out.push_str("-->\n\n");
    out
}
