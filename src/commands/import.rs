//! `mspc import`: MSP `service.yaml` specs → `.msp` files. Needs no workspace.
//!
//! Every spec is converted before anything is written. Nothing is written if
//! any target exists (without `--force`), nor, for specs named one by one,
//! if any has errors, so a failed run leaves the folder as it was. A `--tree`
//! writes the specs that convert cleanly and names the others (exit 1): a
//! migration converts what it can.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mspc_compiler::check::file::load_problem_diagnostic;
use mspc_compiler::db::load;
use mspc_compiler::diagnostics::render::{self, Format};
use mspc_compiler::diagnostics::{Diagnostic, FileId};
use mspc_compiler::import::{self, Options};

use super::{CliError, Output};
use crate::write;

pub struct ImportArgs {
    pub paths: Vec<PathBuf>,
    pub tree: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub stdout: bool,
    pub force: bool,
}

/// One spec: where it is, and the folder its `.msp` goes to (or the file,
/// for `--out FILE`).
struct Job {
    yaml: PathBuf,
    out_dir: PathBuf,
    out_file: Option<PathBuf>,
}

pub fn run(args: ImportArgs, output: Output) -> Result<ExitCode, CliError> {
    let jobs = jobs(&args)?;
    // The specs as shown in diagnostics: (path, text).
    let mut specs: Vec<(String, String)> = Vec::new();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    // Per spec: its conversion (none when it could not be read), and
    // whether it has errors.
    let mut converted: Vec<Option<import::Imported>> = Vec::new();
    let mut failed: Vec<bool> = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        // Bounded like a workspace file: a huge file, a pipe or bytes that
        // are not UTF-8 are reported, not read (each is an error).
        let (text, problem) = load::read_named(&job.yaml);
        if let Some(problem) = problem {
            diagnostics.push(load_problem_diagnostic(FileId(i as u32), &problem));
            specs.push((job.yaml.display().to_string(), text));
            converted.push(None);
            failed.push(true);
            continue;
        }
        let got = import::import(&text, FileId(i as u32), &Options::default());
        diagnostics.extend(got.diagnostics.iter().cloned());
        specs.push((job.yaml.display().to_string(), text));
        failed.push(got.diagnostics.iter().any(Diagnostic::is_error));
        converted.push(Some(got));
    }
    if !diagnostics.is_empty() {
        super::out(&render::render(output.format, &diagnostics, &specs, output.color));
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let terminal = matches!(output.format, Format::Terminal);
    let s = if errors == 1 { "" } else { "s" };
    // One spec's errors keep the others of a tree from being written only
    // when nothing would be: a migration converts what it can.
    let partial = args.tree.is_some() && failed.iter().any(|f| !f);
    if errors > 0 && !partial {
        if terminal {
            super::err(&format!("{errors} error{s} found; nothing was written"));
        }
        return Ok(ExitCode::from(1));
    }
    let failed_specs: Vec<String> =
        jobs.iter().zip(&failed).filter(|(_, f)| **f).map(|(j, _)| j.yaml.display().to_string()).collect();
    let exit = if failed_specs.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) };
    let ok: Vec<(&Job, &import::Imported)> = jobs
        .iter()
        .zip(&converted)
        .zip(&failed)
        .filter_map(|((job, got), failed)| got.as_ref().filter(|_| !failed).map(|g| (job, g)))
        .collect();
    if args.stdout {
        for (_, got) in &ok {
            super::out(got.msp.as_deref().unwrap_or_default());
        }
        return Ok(exit);
    }

    // (target, contents, source when it is a file carried along)
    let mut writes: Vec<(PathBuf, String)> = Vec::new();
    for (job, got) in ok {
        let (Some(id), Some(msp)) = (&got.id, &got.msp) else {
            return Err(CliError::Internal(format!("{}: converted without a result", job.yaml.display())));
        };
        let target = job.out_file.clone().unwrap_or_else(|| job.out_dir.join(format!("{id}.msp")));
        let from = job.yaml.parent().unwrap_or(Path::new("."));
        let to = target.parent().unwrap_or(Path::new(".")).to_path_buf();
        writes.push((target, msp.clone()));
        // The README and table schemas are read from beside the `.msp` file.
        let mut carried: Vec<String> = vec!["README.md".into()];
        carried.extend(got.bigquery_tables.iter().map(|t| format!("{t}.bigquerytable.json")));
        // Schemas an older spec wrote inline are written from it instead.
        carried.retain(|name| !got.generated.iter().any(|(g, _)| g == name));
        writes.extend(got.generated.iter().map(|(name, text)| (to.join(name), text.clone())));
        for name in carried {
            let src = from.join(&name);
            // Only a regular file of the spec's own folder: a link there
            // (`README.md -> ~/.ssh/id_rsa`) would copy in a file from anywhere.
            if !std::fs::symlink_metadata(&src).is_ok_and(|m| m.is_file()) || same_file(&src, &to.join(&name)) {
                continue;
            }
            let (text, problem) = load::read_named(&src);
            if let Some(problem) = problem {
                let why = load_problem_diagnostic(FileId(0), &problem).message;
                return Err(CliError::Failed {
                    message: format!("cannot carry `{}` along: {why}", src.display()),
                    help: Some(
                        "the README and BigQuery schemas are copied beside the `.msp` file; fix or remove it".into(),
                    ),
                });
            }
            writes.push((to.join(&name), text));
        }
    }
    // A link, dangling or not, counts as existing: it is never replaced.
    let existing: Vec<&PathBuf> =
        writes.iter().map(|(p, _)| p).filter(|p| std::fs::symlink_metadata(p).is_ok()).collect();
    if !args.force && !existing.is_empty() {
        for p in &existing {
            super::err(&format!("error: `{}` exists; pass --force to overwrite it", p.display()));
        }
        super::err("nothing was written");
        return Ok(ExitCode::from(2));
    }
    for (path, text) in &writes {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|error| CliError::Write { path: dir.to_path_buf(), error })?;
        }
        // Through a temporary file: a killed run never leaves a half-written
        // file where `--force` overwrote one, and a link is refused, not followed.
        write::replace(path, text.as_bytes())?;
        super::err(&format!("wrote {}", path.display()));
    }
    if !failed_specs.is_empty() && terminal {
        let n = failed_specs.len();
        super::err(&format!(
            "{errors} error{s} found; {n} spec{} not written: {}",
            if n == 1 { " was" } else { "s were" },
            failed_specs.join(", ")
        ));
    }
    Ok(exit)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn jobs(args: &ImportArgs) -> Result<Vec<Job>, CliError> {
    let Some(root) = &args.tree else {
        if args.paths.is_empty() {
            return Err(CliError::Usage("name a `service.yaml`, or a folder with `--tree`".into()));
        }
        if args.out.is_some() && args.paths.len() > 1 {
            return Err(CliError::Usage("`--out FILE` takes one spec; convert several one at a time".into()));
        }
        return args
            .paths
            .iter()
            .map(|p| {
                if !p.is_file() {
                    return Err(CliError::NoSuchPath(p.clone()));
                }
                let dir = p.parent().unwrap_or(Path::new("")).to_path_buf();
                Ok(Job { yaml: p.clone(), out_dir: dir, out_file: args.out.clone() })
            })
            .collect();
    };
    if !root.is_dir() {
        return Err(CliError::NoSuchPath(root.clone()));
    }
    // `DIR/services/<id>/service.yaml`, or `DIR/<id>/service.yaml` when DIR is
    // the `services` folder itself.
    let services = if root.join("services").is_dir() { root.join("services") } else { root.clone() };
    let mut found = Vec::new();
    let entries = std::fs::read_dir(&services).map_err(|error| CliError::Io { path: services.clone(), error })?;
    for e in entries {
        let e = e.map_err(|error| CliError::Io { path: services.clone(), error })?;
        let yaml = e.path().join("service.yaml");
        if yaml.is_file() {
            let rel = e.path().strip_prefix(root).map(Path::to_path_buf).unwrap_or_default();
            let out_dir = match &args.out {
                Some(out) => out.join(rel),
                None => e.path(),
            };
            found.push(Job { yaml, out_dir, out_file: None });
        }
    }
    found.sort_by(|a, b| a.yaml.cmp(&b.yaml));
    if found.is_empty() {
        return Err(CliError::Usage(format!("no `services/<id>/service.yaml` under `{}`", root.display())));
    }
    Ok(found)
}
