//! `mspc diff`: what the change from a git revision to the workspace now
//! does to the generated infrastructure, offline: both revisions are
//! checked and generated in memory, and their outputs compared
//! (`mspc_compiler::diff`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mspc_compiler::db::load::Loaded;
use mspc_compiler::db::{Database, WorkspaceResult};
use mspc_compiler::diagnostics::render::{self, Format};
use mspc_compiler::diff::{self, Action, causes, render as show};
use mspc_compiler::emit::docs::DocsMeta;
use mspc_compiler::emit::{self, Filter, OutputFile};

use super::{CliError, Session};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffFormat {
    Terminal,
    Markdown,
    Json,
}

pub struct DiffArgs {
    pub path: Option<PathBuf>,
    pub base: String,
    pub format: DiffFormat,
    pub fail_on: Vec<Action>,
    pub color: bool,
    pub jobs: usize,
}

/// One revision, generated.
struct Side {
    files: BTreeMap<String, String>,
    services: BTreeMap<String, String>,
    output: Vec<OutputFile>,
}

/// Generates a checked workspace. `Err`: it has errors (already shown).
fn generate(result: &WorkspaceResult, loaded: &Loaded, color: bool, jobs: usize, what: &str) -> Result<Side, CliError> {
    if let Some(e) = result.internal_errors.first() {
        return Err(CliError::Internal(e.clone()));
    }
    let db = &loaded.db;
    let files: BTreeMap<String, String> =
        loaded.workspace.files(db).iter().map(|f| (f.path(db).clone(), f.text(db).clone())).collect();
    if files.is_empty() {
        // The workspace did not exist at that revision: nothing was generated.
        return Ok(Side { files, services: BTreeMap::new(), output: Vec::new() });
    }
    if result.has_errors() {
        let errors: Vec<_> = result.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
        // On stderr: stdout is the diff's, which a workflow may parse.
        eprint!("{}", render::render(Format::Terminal, &errors, loaded, color));
        return Err(CliError::Failed {
            message: format!("{what} has errors: there is nothing to compare"),
            help: Some("`mspc check` shows them; mspc diff compares two workspaces that check clean".into()),
        });
    }
    let Some(platform) = result.platform.clone() else {
        return Err(CliError::Failed { message: format!("{what} has no `platform.msp`"), help: None });
    };
    // No revision or time in the pages: both sides alike.
    let meta = DocsMeta { revision: None, timestamp: None };
    let output = emit::build(&platform, &result.services, &Filter::default(), &meta, jobs);
    let services = result.services.iter().map(|s| (s.id.clone(), s.spec_path.clone())).collect();
    Ok(Side { files, services, output })
}

pub fn run(args: DiffArgs) -> Result<ExitCode, CliError> {
    let session = Session::open(args.path.as_deref().unwrap_or(Path::new(".")))?;
    let root = session.loaded.root.clone();
    let at = crate::at_revision::read(&root, &args.base).map_err(|message| CliError::Failed {
        message,
        help: Some("`--base` takes a git revision: a commit, branch or tag".into()),
    })?;
    let base_loaded = Loaded::with_problems(Database::default(), root.clone(), at.files);
    let base_what = format!("the workspace at `{}` ({})", args.base, at.commit);
    let base = generate(base_loaded.result(), &base_loaded, args.color, args.jobs, &base_what)?;
    let now = generate(session.result()?, &session.loaded, args.color, args.jobs, "the workspace")?;

    let mut changes = diff::changes(&base.output, &now.output);
    causes::attribute(
        &mut changes,
        &causes::Sources { files: &base.files, services: base.services },
        &causes::Sources { files: &now.files, services: now.services },
    );
    let base_name = format!("{} ({})", args.base, at.commit);
    let sides = show::Sides { base: &base_name, now: "the working tree" };
    let text = match args.format {
        DiffFormat::Terminal => show::terminal(&changes, &sides, args.color),
        DiffFormat::Markdown => show::markdown(&changes, &sides),
        DiffFormat::Json => {
            let mut s = serde_json::to_string_pretty(&show::json(&changes, &sides)).expect("JSON of plain data");
            s.push('\n');
            s
        }
    };
    super::out(&text);
    let failing: Vec<&str> = args.fail_on.iter().filter(|a| changes.count(**a) > 0).map(|a| a.name()).collect();
    if !failing.is_empty() {
        super::err(&format!("failing: the change would {} resources (`--fail-on`)", failing.join(" and ")));
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
