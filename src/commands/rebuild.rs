//! A build that regenerates only the services whose sources changed, when
//! the build's record (`build_cache.rs`) says that is all that changed.
//!
//! Which services a changed file can affect: a service's own `.msp` file,
//! the services it declares (before and after); a README or table schema,
//! the services declared beside it. A file that another file imports, the
//! platform, or a `.msp` file that declares no service can affect anything:
//! the whole build runs then. The workspace is checked as `mspc lint FILE`
//! checks it (`check_files`: the affected files afresh, the others' facts
//! from the lint cache, which a whole build keeps current), so a clash with
//! an unchanged service (a project id taken) is still an error; on any error,
//! or when the cache holds too little, the whole build runs and reports.
//!
//! The affected services' stacks and pages, and the index (from the record's
//! entries of the others), are written with `outdir::update_within`, which
//! reads and touches only those services' folders, their pages and the index,
//! once the build has seen that the output is as the record left it.

use std::collections::{BTreeMap, BTreeSet};

use mspc_compiler::db::stored_facts::check_files;
use mspc_compiler::db::{SourceFile, check_platform, check_service, file_decls, file_scope};
use mspc_compiler::emit::docs::{DocsMeta, IndexEntry, index_of, page_path};
use mspc_compiler::emit::{self, OutputFile};
use mspc_compiler::syntax::DeclKind;

use super::{CliError, Session};
use crate::build_cache::{Known, Record};
use crate::lint_cache::LintCache;
use crate::outdir;

/// What a targeted rebuild will write.
pub struct Prepared {
    /// The services it regenerates (and those it removes).
    pub services: Vec<String>,
    /// The record, brought up to date but for the output's stats.
    pub record: Record,
    /// The output groups it rewrites: each service's folder and page, the index.
    pub roots: Vec<String>,
    /// Everything under those roots.
    pub files: Vec<OutputFile>,
}

impl Prepared {
    /// Writes it into `out`. `Ok(None)`: the output is not one to update
    /// there; nothing was written.
    pub fn write(&self, out: &std::path::Path) -> Result<Option<outdir::Updated>, CliError> {
        let roots: Vec<&str> = self.roots.iter().map(String::as_str).collect();
        outdir::update_within(out, &roots, &self.files).map_err(super::build::out_error)
    }
}

/// Checks and regenerates the services `changed` files can affect, writing
/// nothing. `Ok(None)`: it cannot (see the module's comment).
pub fn prepare(
    session: &Session,
    mut record: Record,
    changed: &[String],
    meta: &DocsMeta,
) -> Result<Option<Prepared>, CliError> {
    let loaded = &session.loaded;
    let (db, ws) = (&loaded.db, loaded.workspace);
    // The spec files to check afresh and the services they declared.
    let mut specs: BTreeSet<String> = BTreeSet::new();
    for path in changed {
        if path == mspc_compiler::check::platform::PLATFORM_FILE || record.imported.contains(path) {
            return Ok(None);
        }
        if path.ends_with(".msp") {
            if !record.services.values().any(|k| &k.spec == path) {
                return Ok(None);
            }
            specs.insert(path.clone());
        } else {
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
            let beside: Vec<&Known> =
                record.services.values().filter(|k| k.spec.rsplit_once('/').map_or("", |(d, _)| d) == dir).collect();
            if beside.is_empty() {
                return Ok(None);
            }
            specs.extend(beside.into_iter().map(|k| k.spec.clone()));
        }
    }
    let named: Vec<SourceFile> = specs.iter().filter_map(|p| loaded.file(p)).collect();
    if named.len() != specs.len() {
        return Ok(None);
    }
    let Some(cache) = LintCache::open(&loaded.root) else { return Ok(None) };
    let stored = cache.read();
    // Few stored facts still holding: the whole build, on every core, is faster.
    let sources = loaded.workspace.files(db).iter().filter(|f| f.path(db).ends_with(".msp")).count();
    let mut too_many = false;
    let checked = check_files(db, ws, &named, stored, |misses| {
        if misses.len() > named.len() + sources / 20 {
            // Checked on every core instead; the whole build that follows
            // finds it memoized.
            too_many = true;
            let _ = loaded.result();
        }
    });
    if too_many {
        return Ok(None);
    }
    if let Some(facts) = &checked.facts {
        cache.write(facts);
    }
    if let Some(e) = checked.result.internal_errors.first() {
        return Err(CliError::Internal(e.clone()));
    }
    if checked.result.has_errors() {
        return Ok(None);
    }
    let Some(platform) = check_platform(db, ws).ir.clone() else { return Ok(None) };

    // The affected services, as checked now.
    let mut services = Vec::new();
    for file in &named {
        for (item, kind) in file_decls(db, *file).iter() {
            if !matches!(*kind, DeclKind::Service | DeclKind::Job) {
                continue;
            }
            match check_service(db, ws, *file, *item).ir.clone() {
                Some(ir) => services.push(ir),
                None => return Ok(None),
            }
        }
    }
    let gone: Vec<String> =
        record.services.iter().filter(|(_, k)| specs.contains(&k.spec)).map(|(id, _)| id.clone()).collect();
    for id in &gone {
        record.services.remove(id);
    }
    for s in &services {
        let known = Known { spec: s.spec_path.clone(), entry: IndexEntry::of(s) };
        if record.services.insert(s.id.clone(), known).is_some() {
            // Declared twice: the check would have said so; be safe.
            return Ok(None);
        }
    }
    // Files these specs import now are imported: a later change to them
    // must rebuild everything.
    for file in &named {
        for info in file_scope(db, ws, *file).imports.values() {
            if let Ok(target) = &info.target {
                record.imported.insert(target.path(db).clone());
            }
        }
    }

    let mut files: Vec<OutputFile> = Vec::new();
    for s in &services {
        files.extend(emit::service_files(&platform, s, meta));
    }
    let entries: Vec<IndexEntry> = record.services.values().map(|k| k.entry.clone()).collect();
    files.push(OutputFile { path: "docs/index.md".into(), contents: index_of(&platform, &entries, meta) });
    files.sort_by(|a, b| a.path.cmp(&b.path));

    let ids: BTreeSet<String> = gone.iter().cloned().chain(services.iter().map(|s| s.id.clone())).collect();
    let mut roots: Vec<String> = Vec::new();
    for id in &ids {
        roots.push(format!("terraform/{id}"));
        roots.push(page_path(id));
    }
    roots.push("docs/index.md".into());
    Ok(Some(Prepared { services: ids.into_iter().collect(), record, roots, files }))
}

/// What a whole build records of its services and imports.
pub fn known(
    session: &Session,
    services: &[std::sync::Arc<mspc_compiler::ir::Service>],
) -> (BTreeMap<String, Known>, BTreeSet<String>) {
    let loaded = &session.loaded;
    let (db, ws) = (&loaded.db, loaded.workspace);
    let known = services
        .iter()
        .map(|s| (s.id.clone(), Known { spec: s.spec_path.clone(), entry: IndexEntry::of(s) }))
        .collect();
    let mut imported = BTreeSet::new();
    for f in loaded.workspace.files(db).iter().filter(|f| f.path(db).ends_with(".msp")) {
        for info in file_scope(db, ws, *f).imports.values() {
            if let Ok(target) = &info.target {
                imported.insert(target.path(db).clone());
            }
        }
    }
    (known, imported)
}
