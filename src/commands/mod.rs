//! The commands. Each returns an exit code, or a `CliError` for usage and
//! I/O failures (exit 2), printed with miette.

pub mod build;
pub mod check;
pub mod diff;
pub mod docs;
pub mod explain;
pub mod fleet;
pub mod fmt;
pub mod import;
pub mod init;
pub mod ir;
pub mod ops;
pub mod pg;
pub mod rebuild;
pub mod tfc;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use mspc_compiler::db::WorkspaceResult;
use mspc_compiler::db::load::{self, LoadError, Loaded};
use mspc_compiler::diagnostics::render::Format;
use mspc_compiler::diagnostics::{Diagnostic, FileId, SourceMap, suggest};
use mspc_compiler::ir::{Environment, Platform, Service};

/// Writes to stdout. A reader that went away (`mspc ir | head`) is not an
/// error worth a panic: the rest of the output is simply dropped.
pub fn out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Writes a line to stderr, ignoring a closed stream like `out`.
pub fn err(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

pub struct Output {
    pub format: Format,
    pub color: bool,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CliError {
    #[error("no `platform.msp` found in `{0}` or any folder above it")]
    #[diagnostic(
        code(mspc::no_workspace),
        help("a workspace is the folder holding `platform.msp`; run mspc inside one, or pass a path")
    )]
    NoWorkspace(PathBuf),
    #[error("`{0}` does not exist")]
    #[diagnostic(code(mspc::no_such_path))]
    NoSuchPath(PathBuf),
    #[error("cannot read `{path}`: {error}")]
    #[diagnostic(code(mspc::io))]
    Io { path: PathBuf, error: std::io::Error },
    #[error("cannot write `{path}`: {error}")]
    #[diagnostic(code(mspc::io))]
    Write { path: PathBuf, error: std::io::Error },
    #[error("refusing to write `{path}`: it is {what}")]
    #[diagnostic(
        code(mspc::not_a_file),
        help(
            "mspc writes only regular files inside the workspace and never through a link; remove it, or choose another path"
        )
    )]
    NotAFile { path: PathBuf, what: &'static str },
    #[error("`{0}` already exists; it was left as it is")]
    #[diagnostic(code(mspc::exists))]
    Exists(PathBuf),
    #[error("unknown diagnostic code `{0}`")]
    #[diagnostic(code(mspc::unknown_code), help("{1}"))]
    UnknownCode(String, String),
    #[error("refusing to replace `{0}`: it is not an mspc output folder")]
    #[diagnostic(
        code(mspc::not_our_output),
        help(
            "mspc replaces only an empty folder or one it created (marked by `.mspc-output`); choose another `--out`"
        )
    )]
    NotOurOutput(PathBuf),
    #[error("{what}")]
    #[diagnostic(code(mspc::unknown_target), help("{help}"))]
    NotFound { what: String, help: String },
    #[error("{0}")]
    #[diagnostic(code(mspc::usage))]
    Usage(String),
    #[error("{message}")]
    #[diagnostic(code(mspc::missing_program), help("{help}"))]
    MissingProgram { message: String, help: String },
    #[error("{message}")]
    #[diagnostic(code(mspc::failed))]
    Failed {
        message: String,
        #[help]
        help: Option<String>,
    },
    #[error("internal compiler error: {0}")]
    #[diagnostic(code(mspc::internal), help("this is a bug in mspc; please report it with the input that caused it"))]
    Internal(String),
}

impl From<crate::write::WriteError> for CliError {
    fn from(e: crate::write::WriteError) -> Self {
        use crate::write::WriteError;
        match e {
            WriteError::NotAFile { path, what } => CliError::NotAFile { path, what },
            WriteError::Exists(path) => CliError::Exists(path),
            WriteError::Io { path, error } => CliError::Write { path, error },
        }
    }
}

impl From<LoadError> for CliError {
    fn from(e: LoadError) -> Self {
        CliError::Io { path: e.path, error: e.error }
    }
}

/// `path` relative to the current folder when it is inside it, else as given.
pub fn from_cwd(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().ok().and_then(|c| std::fs::canonicalize(c).ok());
    match cwd.as_deref().and_then(|c| path.strip_prefix(c).ok()) {
        Some(rel) => rel.to_path_buf(),
        None => path.to_path_buf(),
    }
}

/// A loaded workspace and how to show its paths (relative to the current folder).
pub struct Session {
    pub loaded: Loaded,
    display_root: PathBuf,
}

impl Session {
    pub fn open(path: &Path) -> Result<Session, CliError> {
        if !path.exists() {
            return Err(CliError::NoSuchPath(path.to_path_buf()));
        }
        let root = load::find_root(path).ok_or_else(|| CliError::NoWorkspace(path.to_path_buf()))?;
        let loaded = Loaded::from_disk(&root)?;
        let display_root = from_cwd(&root);
        Ok(Session { loaded, display_root })
    }

    /// The workspace's result. An internal error found while checking is the
    /// command's error (exit 2), whatever else the result holds.
    pub fn result(&self) -> Result<&WorkspaceResult, CliError> {
        let result = self.loaded.result();
        if let Some(e) = result.internal_errors.first() {
            return Err(CliError::Internal(e.clone()));
        }
        Ok(result)
    }

    /// The workspace-relative path of `path`, if it is inside the workspace.
    pub fn relative(&self, path: &Path) -> Option<String> {
        let abs = std::fs::canonicalize(path).ok()?;
        let rel = abs.strip_prefix(&self.loaded.root).ok()?;
        Some(load::slash_path(rel))
    }
}

impl SourceMap for Session {
    fn path(&self, file: FileId) -> String {
        let rel = self.loaded.path(file);
        if rel.starts_with('<') || self.display_root.as_os_str().is_empty() {
            return rel;
        }
        self.display_root.join(rel).to_string_lossy().into_owned()
    }

    fn text(&self, file: FileId) -> &str {
        self.loaded.text(file)
    }
}

/// A workspace that checked clean, ready to generate from.
pub struct Clean {
    pub session: Session,
    pub platform: Arc<Platform>,
    pub services: Vec<Arc<Service>>,
}

/// Loads and checks the workspace at `path` (default: the current folder).
/// On errors, `report` shows them and the command exits 1 (`Ok(Err(1))`):
/// nothing may be generated then.
pub fn load_clean(
    path: Option<&Path>,
    report: impl FnOnce(&Session, &[Diagnostic]),
) -> Result<Result<Clean, ExitCode>, CliError> {
    clean(Session::open(path.unwrap_or(Path::new(".")))?, report)
}

/// Checks a loaded workspace, as `load_clean` does.
pub fn clean(
    session: Session,
    report: impl FnOnce(&Session, &[Diagnostic]),
) -> Result<Result<Clean, ExitCode>, CliError> {
    let result = session.result()?;
    if result.has_errors() {
        let errors: Vec<_> = result.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
        report(&session, &errors);
        return Ok(Err(ExitCode::from(1)));
    }
    let Some(platform) = result.platform.clone() else {
        return Err(CliError::NoWorkspace(session.loaded.root.clone()));
    };
    let services = result.services.clone();
    Ok(Ok(Clean { session, platform, services }))
}

/// The service `id` among `services`; `partial` says services were left out
/// for their errors, which the help then mentions.
pub fn find_service<'a>(services: &'a [Arc<Service>], id: &str, partial: bool) -> Result<&'a Service, CliError> {
    if let Some(s) = services.iter().find(|s| s.id == id) {
        return Ok(s);
    }
    let ids = services.iter().map(|s| s.id.as_str());
    let mut help = suggest::did_you_mean(id, ids.clone()).unwrap_or_else(|| listing("services", ids));
    if partial {
        help.push_str("; services with errors are left out (`mspc check` shows them)");
    }
    Err(CliError::NotFound { what: format!("no service `{id}` in the workspace"), help })
}

pub fn find_environment<'a>(
    services: &'a [Arc<Service>],
    service: &str,
    env: &str,
    partial: bool,
) -> Result<(&'a Service, &'a Environment), CliError> {
    let s = find_service(services, service, partial)?;
    match s.environments.iter().find(|e| e.id == env) {
        Some(e) => Ok((s, e)),
        None => {
            let ids = s.environments.iter().map(|e| e.id.as_str());
            let help = suggest::did_you_mean(env, ids.clone()).unwrap_or_else(|| listing("environments", ids));
            Err(CliError::NotFound { what: format!("`{service}` has no environment `{env}`"), help })
        }
    }
}

/// "1 error", "2 errors".
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// "the services are `a`, `b`, …" (the first ten).
pub fn listing<'a>(what: &str, ids: impl Iterator<Item = &'a str>) -> String {
    let ids: Vec<String> = ids.map(|i| format!("`{i}`")).collect();
    match ids.len() {
        0 => format!("there are no {what}"),
        n if n > 10 => format!("the {what} are {}, and {} more", ids[..10].join(", "), n - 10),
        _ => format!("the {what} are {}", ids.join(", ")),
    }
}
