//! `mspc init`: writes the skeleton of a new service or job into
//! `services/<id>/<id>.msp` of the workspace. The skeleton itself is
//! `mspc_compiler::scaffold`'s; this finds the workspace, refuses ids and
//! files that exist, draws the project-id suffixes and writes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mspc_compiler::db::load::{self, Loaded};
use mspc_compiler::scaffold::{self, Refusal, Request};
use mspc_compiler::syntax::{DeclKind, Item};

use super::CliError;
use crate::write;

pub struct InitArgs {
    pub kind: DeclKind,
    pub id: String,
    pub owners: Vec<String>,
    /// Empty: `dev` and `prod`.
    pub environments: Vec<String>,
    /// Inside the workspace (default: the current folder).
    pub path: Option<PathBuf>,
}

pub fn run(args: InitArgs) -> Result<ExitCode, CliError> {
    let start = args.path.unwrap_or_else(|| PathBuf::from("."));
    if !start.exists() {
        return Err(CliError::NoSuchPath(start));
    }
    let root = load::find_root(&start).ok_or_else(|| CliError::NoWorkspace(start.clone()))?;
    let environments =
        if args.environments.is_empty() { vec!["dev".to_string(), "prod".to_string()] } else { args.environments };
    let request = Request { kind: args.kind, id: args.id, owners: args.owners, environments };
    let kind = request.kind.keyword();
    if let Err(refusal) = scaffold::validate(&request) {
        return refuse(refusal);
    }

    let loaded = Loaded::from_disk(&root)?;
    if let Some((other, file)) = declared(&loaded, &request.id) {
        return Ok(refuse_input(&format!(
            "a {} `{}` already exists in `{}`; choose another id",
            other.keyword(),
            request.id,
            show(&root.join(file))
        )));
    }
    let rel = format!("services/{0}/{0}.msp", request.id);
    let target = root.join(&rel);
    // A link, even a dangling one, counts: it is never written through.
    if std::fs::symlink_metadata(&target).is_ok() {
        return Ok(refuse_input(&format!("`{}` already exists; it was left as it is", show(&target))));
    }

    let mut suffixes = Suffixes::default();
    let text = match scaffold::skeleton(&request, &mut || suffixes.next()) {
        Ok(text) => text,
        Err(refusal) => return refuse(refusal),
    };
    // The folders are created inside the workspace only (a `services` link
    // out of it is refused), and the file complete or not at all, never
    // over anything that appeared since the check above.
    let dir = write::create_dir_inside(&root, &format!("services/{}", request.id))?;
    write::create(&dir.join(format!("{}.msp", request.id)), text.as_bytes())?;
    super::out(&format!("created {kind} `{}` in {}\n", request.id, show(&target)));
    super::err("next: replace the TODOs, then run `mspc lint`");
    Ok(ExitCode::SUCCESS)
}

/// Bad input exits 1 with its reason; a skeleton mspc cannot build is a bug (exit 2).
fn refuse(refusal: Refusal) -> Result<ExitCode, CliError> {
    match refusal {
        Refusal::Input(message) => Ok(refuse_input(&message)),
        Refusal::Internal(message) => Err(CliError::Internal(message)),
    }
}

fn refuse_input(message: &str) -> ExitCode {
    super::err(&format!("error: {message}"));
    ExitCode::from(1)
}

/// The service or job declared as `id` anywhere in the workspace, and its
/// file. Read from each file's syntax tree, so a workspace with errors (or an
/// unfinished service) still counts.
fn declared(loaded: &Loaded, id: &str) -> Option<(DeclKind, String)> {
    let db = &loaded.db;
    loaded.workspace.files(db).iter().find_map(|&file| {
        let parse = mspc_compiler::db::parse(db, file);
        parse.ast.items.iter().find_map(|item| match item {
            Item::Decl(d) if d.kind != DeclKind::Platform && d.label.as_ref().is_some_and(|l| l.name == id) => {
                Some((d.kind, file.path(db).clone()))
            }
            _ => None,
        })
    })
}

/// A path relative to the current folder when it is inside it.
fn show(path: &Path) -> String {
    super::from_cwd(path).display().to_string()
}

/// Random project-id suffixes: `SUFFIX_LEN` hex characters each, from the
/// system's random source. Where that cannot be read, std's hasher keys
/// (seeded from the OS per process) mixed with the time, the process id and
/// a counter, so two inits in the same instant still differ.
#[derive(Default)]
struct Suffixes {
    count: u64,
}

impl Suffixes {
    fn next(&mut self) -> String {
        self.count += 1;
        let bits = getrandom::u64().unwrap_or_else(|_| self.fallback());
        let hex = format!("{bits:016x}");
        hex[hex.len() - scaffold::SUFFIX_LEN..].to_string()
    }

    fn fallback(&self) -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        h.write_u128(now.as_nanos());
        h.write_u32(std::process::id());
        h.write_u64(self.count);
        h.finish()
    }
}
