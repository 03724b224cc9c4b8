//! `mspc check` and `mspc lint`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::thread::JoinHandle;

use mspc_compiler::check::stdlib::stdlib;
use mspc_compiler::db::load;
use mspc_compiler::db::stored_facts::{StoredFacts, check_files, store_all};
use mspc_compiler::db::{SourceFile, WorkspaceResult, check_platform, file_facts};
use mspc_compiler::diagnostics::render::{self, Format};
use mspc_compiler::diagnostics::{Diagnostic, SourceMap};

use super::{CliError, Output, Session};
use crate::lint_cache::LintCache;

/// What to check, and how.
pub struct Mode {
    /// Warnings too (`mspc lint`).
    pub lints: bool,
    pub deny_warnings: bool,
    /// Use and refresh the lint cache (`mspc lint` without `--no-cache`).
    pub cache: bool,
}

pub fn run(paths: &[PathBuf], out: Output, mode: Mode) -> Result<ExitCode, CliError> {
    let default = [PathBuf::from(".")];
    let paths: &[PathBuf] = if paths.is_empty() { &default } else { paths };
    // Paths may lie in different workspaces: check each once.
    let mut sessions: Vec<(Session, Vec<String>, bool)> = Vec::new();
    let mut caches: HashMap<PathBuf, (LintCache, JoinHandle<StoredFacts>)> = HashMap::new();
    for p in paths {
        // The cache is read and parsed, and the stdlib parsed, while the
        // workspace loads (mostly waiting on the file system).
        if mode.cache
            && mode.lints
            && let Some(root) = load::find_root(p)
            && !caches.contains_key(&root)
            && let Some(cache) = LintCache::open(&root)
        {
            if caches.is_empty() {
                std::thread::spawn(stdlib);
            }
            let reader = cache.clone();
            caches.insert(root, (cache, std::thread::spawn(move || reader.read())));
        }
        let s = Session::open(p)?;
        let rel = s.relative(p).unwrap_or_default();
        let file = p.is_file();
        match sessions.iter_mut().find(|(o, _, _)| o.loaded.root == s.loaded.root) {
            Some((_, rels, files)) => {
                rels.push(rel);
                *files &= file;
            }
            None => sessions.push((s, vec![rel], file)),
        }
    }
    let mut code = 0u8;
    let (mut errors, mut warnings) = (0usize, 0usize);
    for (session, rels, only_files) in sessions {
        let cache = caches.remove(&session.loaded.root).map(|(cache, read)| (cache, read.join().unwrap_or_default()));
        let cached;
        let result = match cache {
            // Only files named (the pre-commit case): check those, and take
            // the other files' facts from the cache.
            Some((cache, stored)) if only_files => {
                cached = check_named(&session, &rels, &cache, stored);
                if let Some(e) = cached.internal_errors.first() {
                    return Err(CliError::Internal(e.clone()));
                }
                &cached
            }
            cache => {
                let result = session.result()?;
                if let Some((cache, stored)) = cache
                    && let Some(facts) = store_all(&session.loaded.db, session.loaded.workspace, &stored)
                {
                    cache.write(&facts);
                }
                result
            }
        };
        let shown: Vec<Diagnostic> = result
            .diagnostics
            .iter()
            .filter(|d| mode.lints || d.is_error())
            .filter(|d| within(&session.loaded.path(d.primary.span.file), &rels))
            .cloned()
            .collect();
        errors += shown.iter().filter(|d| d.is_error()).count();
        warnings += shown.iter().filter(|d| !d.is_error()).count();
        super::out(&render::render(out.format, &shown, &session as &dyn SourceMap, out.color));
        if !result.has_platform {
            return Err(CliError::NoWorkspace(session.loaded.root.clone()));
        }
    }
    if errors > 0 || (mode.deny_warnings && warnings > 0) {
        code = 1;
    }
    if matches!(out.format, Format::Terminal) {
        summary(errors, warnings);
    }
    Ok(ExitCode::from(code))
}

/// The workspace's result for the files at `rels`, checked afresh, with the
/// others' facts from the cache where they are still valid; the cache is
/// brought up to date.
fn check_named(session: &Session, rels: &[String], cache: &LintCache, stored: StoredFacts) -> WorkspaceResult {
    let loaded = &session.loaded;
    let named: Vec<_> = rels.iter().filter_map(|r| loaded.file(r)).collect();
    // When most files must be checked afresh (no cache, or a shared file
    // changed), the whole workspace's check, which runs on every core, is
    // the faster way to have them memoized.
    let files = loaded.workspace.files(&loaded.db);
    let sources = files.iter().filter(|f| f.path(&loaded.db).ends_with(".msp")).count();
    let warm = |misses: &[SourceFile]| {
        if misses.len() > sources / 2 {
            let _ = loaded.result();
        }
    };
    let checked = std::thread::scope(|scope| {
        // The named files are checked on another core (with its own handle
        // on the database) while this one matches the cache's keys and reads
        // its entries; the queries are memoized, so `check_files` finds them
        // done (or waits for them).
        let (db, ws) = (loaded.db.clone(), loaded.workspace);
        let named = &named;
        scope.spawn(move || {
            for f in named {
                file_facts(&db, ws, *f);
            }
            check_platform(&db, ws);
        });
        check_files(&loaded.db, ws, named, stored, warm)
    });
    if let Some(facts) = &checked.facts {
        cache.write(facts);
    }
    checked.result
}

fn within(file: &str, rels: &[String]) -> bool {
    rels.iter().any(|r| r.is_empty() || file == r || Path::new(file).starts_with(r))
}

fn summary(errors: usize, warnings: usize) {
    match (errors, warnings) {
        (0, 0) => super::err("ok: no problems found"),
        (e, 0) => super::err(&format!("{} found", super::plural(e, "error"))),
        (0, w) => super::err(&format!("{} found", super::plural(w, "warning"))),
        (e, w) => super::err(&format!("{} and {} found", super::plural(e, "error"), super::plural(w, "warning"))),
    }
}
