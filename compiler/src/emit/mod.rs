//! Back ends. They read only the IR.

pub mod alerts;
pub mod docs;
pub mod fleet;
pub mod ops;
pub mod reference;
pub mod terraform;

/// A generated file, relative to the output folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub contents: String,
}

use crate::ir::{Platform, Service};

/// Which services and environments to generate.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub service: Option<String>,
    pub env: Option<String>,
}

impl Filter {
    pub fn wants(&self, service: &str, env: &str) -> bool {
        self.service.as_deref().is_none_or(|s| s == service) && self.env.as_deref().is_none_or(|e| e == env)
    }

    /// Whether any of the service's environments is wanted: its page is
    /// regenerated then.
    pub fn wants_service(&self, service: &Service) -> bool {
        service.environments.iter().any(|e| self.wants(&service.id, &e.id))
    }
}

/// Every file of a build, sorted by path: the Terraform of the wanted
/// environments, the pages of their services and the docs index.
/// Environments are generated in parallel on `threads` threads (0: one per
/// core); the result does not depend on the thread count.
/// Everything a build writes for one service (its environments' stacks and
/// its page), without the index: what a rebuild that regenerates only some
/// services writes for each.
pub fn service_files(platform: &Platform, service: &Service, meta: &docs::DocsMeta) -> Vec<OutputFile> {
    let mut files: Vec<OutputFile> =
        service.environments.iter().flat_map(|e| terraform::environment(platform, service, e)).collect();
    files.push(docs::page_of(platform, service, meta));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

pub fn build(
    platform: &Platform,
    services: &[std::sync::Arc<Service>],
    filter: &Filter,
    meta: &docs::DocsMeta,
    threads: usize,
) -> Vec<OutputFile> {
    use rayon::prelude::*;
    let jobs: Vec<(&Service, &crate::ir::Environment)> = services
        .iter()
        .flat_map(|s| s.environments.iter().map(move |e| (&**s, e)))
        .filter(|(s, e)| filter.wants(&s.id, &e.id))
        .collect();
    let pages: Vec<&Service> = services.iter().map(|s| &**s).filter(|s| filter.wants_service(s)).collect();
    // The docs are one task beside the environments, not after them.
    let generate = || -> Vec<OutputFile> {
        let (mut files, docs) = rayon::join(
            || jobs.par_iter().flat_map_iter(|(s, e)| terraform::environment(platform, s, e)).collect::<Vec<_>>(),
            || docs::docs(platform, services, &pages, meta),
        );
        files.extend(docs);
        files
    };
    let mut files = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(generate),
        Err(_) => generate(),
    };
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}
