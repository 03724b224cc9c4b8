//! `mspc build`: Terraform for every stack of every environment, and the
//! operations docs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mspc_compiler::diagnostics::render;
use mspc_compiler::emit::docs::{self, DocsMeta};
use mspc_compiler::emit::{self, Filter, OutputFile};

use mspc_compiler::db::load;
use mspc_compiler::db::stored_facts::store_all;

use super::{Clean, CliError, Output, rebuild};
use crate::build_cache::{BuildRecord, Inputs, Plan, Record};
use crate::lint_cache::LintCache;
use crate::outdir;

pub struct BuildArgs {
    pub path: Option<PathBuf>,
    pub out: PathBuf,
    pub filter: Filter,
    pub jobs: usize,
    pub timestamp: bool,
    /// Compare instead of writing (`--check`).
    pub check: bool,
}

/// Loads and checks the workspace at `path`. On errors, prints them and
/// returns the exit code: nothing may be generated then.
pub fn load_clean(path: Option<&Path>, out: &Path, output: &Output) -> Result<Result<Clean, ExitCode>, CliError> {
    clean(super::Session::open(path.unwrap_or(Path::new(".")))?, out, output)
}

fn clean(session: super::Session, out: &Path, output: &Output) -> Result<Result<Clean, ExitCode>, CliError> {
    super::clean(session, |session, errors| {
        super::out(&render::render(output.format, errors, session, output.color));
        super::err(&format!("the workspace has errors: `{}` was not changed", out.display()));
    })
}

/// Where the pages say they come from: the checkout's commit, and the time
/// only when asked (`SOURCE_DATE_EPOCH` fixes it, for reproducible builds).
pub fn docs_meta(root: &Path, timestamp: bool) -> DocsMeta {
    let timestamp = timestamp.then(|| {
        let now = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map_or_else(std::time::SystemTime::now, |secs| {
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs)
            });
        humantime::format_rfc3339_seconds(now).to_string()
    });
    DocsMeta { revision: crate::git::revision(root), timestamp }
}

pub fn write(
    out: &Path,
    files: &[OutputFile],
    keep: impl Fn(&str) -> bool + Sync,
) -> Result<outdir::Written, CliError> {
    outdir::replace(out, files, keep).map_err(out_error)
}

pub fn out_error(e: outdir::OutError) -> CliError {
    match e {
        outdir::OutError::NotOurs(p) => CliError::NotOurOutput(p),
        outdir::OutError::NotAFolder(path, what) => CliError::NotAFile { path, what },
        outdir::OutError::Read(path, error) => CliError::Io { path, error },
        outdir::OutError::Io(path, error) => CliError::Write { path, error },
    }
}

/// Keeps the lint cache's facts current after a whole check, so that the
/// next build of a few changed files (`rebuild.rs`) and `mspc lint FILE`
/// find the others' facts. Best effort, like the cache itself.
fn store_facts(db: &mspc_compiler::db::Database, ws: mspc_compiler::db::Workspace, root: &Path) {
    if let Some(cache) = LintCache::open(root)
        && let Some(facts) = store_all(db, ws, &cache.read())
    {
        cache.write(&facts);
    }
}

pub fn run(args: BuildArgs, output: Output) -> Result<ExitCode, CliError> {
    let path = args.path.as_deref().unwrap_or(Path::new("."));
    // A whole build of this output: the record of the last one says what
    // can have changed (`build_cache.rs`). Whether the output is as it was
    // left is read on another thread from the start: it takes longest.
    let whole = args.filter.service.is_none() && args.filter.env.is_none() && !args.timestamp;
    let record = load::find_root(path).and_then(|root| BuildRecord::open(&root, &args.out));
    let previous = record.as_ref().filter(|_| whole && !args.check).and_then(BuildRecord::read);
    std::thread::scope(|scope| {
        let as_left = previous.as_ref().map(|p| scope.spawn(|| p.output_as_left(&args.out)));
        let session = super::Session::open(path)?;
        let inputs = Inputs::of(&session.loaded, crate::git::revision(&session.loaded.root));
        if let (Some(r), Some(previous), Some(as_left)) = (&record, previous.clone(), as_left)
            && let Some(code) = by_record(r, previous, as_left, &inputs, &session, &args.out)?
        {
            return Ok(code);
        }
        build_whole(&args, output, session, record.as_ref(), &inputs, whole)
    })
}

/// The build, checking the whole workspace.
fn build_whole(
    args: &BuildArgs,
    output: Output,
    session: super::Session,
    record: Option<&BuildRecord>,
    inputs: &Inputs,
    whole: bool,
) -> Result<ExitCode, CliError> {
    let clean = match clean(session, &args.out, &output)? {
        Ok(c) => c,
        // `--check` keeps 1 for an output that is not current.
        Err(_) if args.check => return Ok(ExitCode::from(2)),
        Err(code) => return Ok(code),
    };
    let services = &clean.services;
    let f = &args.filter;
    match (&f.service, &f.env) {
        (Some(s), None) => {
            super::find_service(services, s, false)?;
        }
        (Some(s), Some(e)) => {
            super::find_environment(services, s, e, false)?;
        }
        (None, Some(e)) if !services.iter().any(|s| s.environments.iter().any(|x| &x.id == e)) => {
            let ids: std::collections::BTreeSet<&str> =
                services.iter().flat_map(|s| s.environments.iter().map(|x| x.id.as_str())).collect();
            let help = super::suggest::did_you_mean(e, ids.iter().copied())
                .unwrap_or_else(|| super::listing("environments", ids.into_iter()));
            return Err(CliError::NotFound { what: format!("no environment `{e}` in the workspace"), help });
        }
        _ => {}
    }
    let meta = docs_meta(&clean.session.loaded.root, args.timestamp);
    let files = emit::build(&clean.platform, services, f, &meta, args.jobs);
    // A filtered build regenerates only its environments and their services'
    // pages (and the index); the rest is kept. The language reference
    // (`mspc docs --reference`) is never a build's to remove.
    let mut regenerated: Vec<String> = services
        .iter()
        .flat_map(|s| s.environments.iter().map(move |e| (s, e)))
        .filter(|(s, e)| f.wants(&s.id, &e.id))
        .map(|(s, e)| format!("terraform/{}/{}/", s.id, e.id))
        .collect();
    let envs = regenerated.len();
    regenerated.extend(services.iter().filter(|s| f.wants_service(s)).map(|s| docs::page_path(&s.id)));
    regenerated.push("docs/index.md".into());
    let filtered = f.service.is_some() || f.env.is_some();
    let keep = |rel: &str| {
        rel.starts_with("reference/") || (filtered && !regenerated.iter().any(|p| rel.starts_with(p.as_str())))
    };
    if args.check {
        return check(&args.out, &files, keep);
    }
    let written = write(&args.out, &files, keep);
    let count = files.len();
    // What the next build needs: the record's services and imports, and the
    // lint cache's facts, taken once the generated files are freed (they
    // are most of the build's memory).
    drop(files);
    if let Some(r) = record {
        if whole && written.is_ok() {
            // The facts on another thread while this one stats the output.
            std::thread::scope(|scope| {
                let loaded = &clean.session.loaded;
                let (db, ws, root) = (loaded.db.clone(), loaded.workspace, loaded.root.clone());
                scope.spawn(move || store_facts(&db, ws, &root));
                let (known, imported) = rebuild::known(&clean.session, services);
                r.save(inputs, &args.out, known, imported);
            });
        } else {
            r.forget();
        }
    }
    let what = match written? {
        outdir::Written::Whole => format!("wrote {}", super::plural(count, "file")),
        outdir::Written::Updated(u) => {
            format!("wrote {} ({} unchanged, {} removed)", super::plural(u.written, "file"), u.unchanged, u.removed)
        }
    };
    super::err(&format!("{what} for {envs} environments to `{}`", args.out.display()));
    Ok(ExitCode::SUCCESS)
}

/// A whole build that the record of the last one lets skip work: nothing
/// to do, or only some services to regenerate. `as_left` says whether the
/// output is as that build left it. `None`: the whole build must run.
fn by_record(
    r: &BuildRecord,
    previous: Record,
    as_left: std::thread::ScopedJoinHandle<'_, bool>,
    inputs: &Inputs,
    session: &super::Session,
    out: &Path,
) -> Result<Option<ExitCode>, CliError> {
    match r.plan(previous, inputs) {
        Plan::Current => {
            if as_left.join().unwrap_or(false) {
                super::err(&format!("`{}` is current: nothing changed since the last build", out.display()));
                return Ok(Some(ExitCode::SUCCESS));
            }
        }
        Plan::Changed(changed, previous) => {
            let meta = docs_meta(&session.loaded.root, false);
            let prepared = rebuild::prepare(session, previous, &changed, &meta)?;
            if as_left.join().unwrap_or(false)
                && let Some(p) = prepared
                && let Some(u) = p.write(out)?
            {
                let roots: Vec<&str> = p.roots.iter().map(String::as_str).collect();
                r.save_within(p.record, inputs, out, &roots);
                super::err(&format!(
                    "wrote {} ({} unchanged, {} removed) for {} to `{}`; the other services' sources did not change",
                    super::plural(u.written, "file"),
                    u.unchanged,
                    u.removed,
                    p.services.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", "),
                    out.display()
                ));
                return Ok(Some(ExitCode::SUCCESS));
            }
        }
        Plan::Whole => {}
    }
    Ok(None)
}

/// `build --check`: the output folder against what the build would write.
fn check(out: &Path, files: &[OutputFile], keep: impl Fn(&str) -> bool) -> Result<ExitCode, CliError> {
    let drift = outdir::compare(out, files, keep, same_output).map_err(|e| match e {
        outdir::OutError::NotAFolder(path, what) => CliError::NotAFile { path, what },
        outdir::OutError::NotOurs(path) => CliError::NotOurOutput(path),
        outdir::OutError::Read(path, error) | outdir::OutError::Io(path, error) => CliError::Io { path, error },
    })?;
    if drift.is_empty() {
        super::err(&format!("`{}` is what the build writes: {} files", out.display(), files.len()));
        return Ok(ExitCode::SUCCESS);
    }
    for (what, paths) in [("stale", &drift.stale), ("missing", &drift.missing), ("extra", &drift.extra)] {
        for p in paths {
            super::out(&format!("{what}: {}\n", out.join(p).display()));
        }
    }
    let marker = out.join(outdir::MARKER);
    if drift.stale.iter().any(|p| p == outdir::MARKER) && std::fs::read(&marker).is_ok_and(|b| b == outdir::BUSY) {
        super::err(&format!("a build into `{}` did not complete (it was interrupted)", out.display()));
    }
    super::err(&format!(
        "`{}` is not what the build writes: {} stale, {} missing, {} extra; run `mspc build` to update it",
        out.display(),
        drift.stale.len(),
        drift.missing.len(),
        drift.extra.len()
    ));
    Ok(ExitCode::from(1))
}

/// Equal contents, except that a page's provenance notice (the revision
/// and time it was generated from) is not compared: an output committed
/// with its sources cannot cite the commit that holds it.
fn same_output(rel: &str, have: &[u8], want: &[u8]) -> bool {
    if !rel.ends_with(".md") {
        return have == want;
    }
    match (std::str::from_utf8(have), std::str::from_utf8(want)) {
        (Ok(a), Ok(b)) => docs::without_provenance(a) == docs::without_provenance(b),
        _ => have == want,
    }
}
