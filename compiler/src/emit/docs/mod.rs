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

pub use index::{IndexEntry, index_of};

/// One service's page.
pub fn page_of(platform: &Platform, service: &Service, meta: &DocsMeta) -> OutputFile {
    OutputFile { path: page_path(&service.id), contents: page::page(platform, service, meta) }
}

pub fn page_path(service: &str) -> String {
    format!("docs/{service}.md")
}

const NOTICE: &str = "<!--\nGenerated documentation; DO NOT EDIT. Regenerate using this command: 'mspc build'\n";
const UPDATED: &str = "Last updated: ";
const FROM: &str = "Generated from: ";

/// The HTML comment every page starts with: do not edit, how to regenerate,
/// and the source revision and time when known.
fn generated_notice(meta: &DocsMeta, specs_url: Option<&str>) -> String {
    let mut out = String::from(NOTICE);
    if meta.timestamp.is_some() || meta.revision.is_some() {
        out.push('\n');
    }
    if let Some(t) = &meta.timestamp {
        out.push_str(&format!("{UPDATED}{t}\n"));
    }
    if let Some(rev) = &meta.revision {
        out.push_str(&format!("{FROM}{}\n", links::revision(specs_url, rev)));
    }
    out.push_str("-->\n\n");
    out
}

/// A page without the provenance of its notice (the revision and time it
/// was generated from): what stays the same when only that changes.
pub fn without_provenance(page: &str) -> String {
    let Some(start) = page.find(NOTICE).map(|i| i + NOTICE.len()) else { return page.to_string() };
    let end = start + page[start..].find("-->").unwrap_or(0);
    let only_provenance =
        page[start..end].lines().all(|l| l.is_empty() || l.starts_with(UPDATED) || l.starts_with(FROM));
    if only_provenance { format!("{}{}", &page[..start], &page[end..]) } else { page.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provenance_is_all_that_is_left_out() {
        let meta = |revision: Option<&str>, timestamp: Option<&str>| DocsMeta {
            revision: revision.map(String::from),
            timestamp: timestamp.map(String::from),
        };
        let plain = format!("# Page\n\n{}Text\n", generated_notice(&meta(None, None), None));
        let cited =
            format!("# Page\n\n{}Text\n", generated_notice(&meta(Some("abc123"), Some("2026-12-07T00:00:00Z")), None));
        assert_ne!(plain, cited);
        assert_eq!(without_provenance(&cited), plain);
        assert_eq!(without_provenance(&plain), plain);
        // Anything else in the notice, or no notice, is kept.
        let edited = cited.replace("Last updated", "Edited by hand\nLast updated");
        assert_eq!(without_provenance(&edited), edited);
        assert_eq!(without_provenance("# Page\n"), "# Page\n");
    }
}
