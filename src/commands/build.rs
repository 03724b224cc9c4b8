//! `mspc build`: Terraform for every stack of every environment.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mspc_compiler::diagnostics::render;
use mspc_compiler::emit::{self, Filter};

use super::{CliError, Output, Session};
use crate::outdir;

pub struct BuildArgs {
    pub path: Option<PathBuf>,
    pub out: PathBuf,
    pub filter: Filter,
    pub jobs: usize,
}

pub fn run(args: BuildArgs, output: Output) -> Result<ExitCode, CliError> {
    let session = Session::open(args.path.as_deref().unwrap_or(Path::new(".")))?;
    let result = session.loaded.result();
    if let Some(e) = result.internal_errors.first() {
        return Err(CliError::Internal(e.clone()));
    }
    if result.has_errors() {
        let errors: Vec<_> = result.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
        super::out(&render::render(output.format, &errors, &session, output.color));
        super::err(&format!("the workspace has errors: `{}` was not changed", args.out.display()));
        return Ok(ExitCode::from(1));
    }
    let Some(platform) = &result.platform else {
        return Err(CliError::NoWorkspace(session.loaded.root.clone()));
    };
    let f = &args.filter;
    if let Some(s) = &f.service {
        let Some(svc) = result.services.iter().find(|x| &x.id == s) else {
            return Err(CliError::UnknownTarget(format!("service `{s}`")));
        };
        if let Some(e) = &f.env
            && !svc.environments.iter().any(|x| &x.id == e)
        {
            return Err(CliError::UnknownTarget(format!("environment `{e}` of `{s}`")));
        }
    } else if let Some(e) = &f.env
        && !result.services.iter().any(|s| s.environments.iter().any(|x| &x.id == e))
    {
        return Err(CliError::UnknownTarget(format!("environment `{e}`")));
    }
    let files = emit::build(platform, &result.services, f, args.jobs);
    // A filtered build regenerates only its environments; the rest is kept.
    let regenerated: Vec<String> = result
        .services
        .iter()
        .flat_map(|s| s.environments.iter().map(move |e| (s, e)))
        .filter(|(s, e)| f.wants(&s.id, &e.id))
        .map(|(s, e)| format!("terraform/{}/{}/", s.id, e.id))
        .collect();
    let filtered = f.service.is_some() || f.env.is_some();
    outdir::replace(&args.out, &files, |rel| filtered && !regenerated.iter().any(|p| rel.starts_with(p))).map_err(
        |e| match e {
            outdir::OutError::NotOurs(p) => CliError::NotOurOutput(p),
            outdir::OutError::Io(path, error) => CliError::Io { path, error },
        },
    )?;
    let envs = regenerated.len();
    super::err(&format!("wrote {} files for {envs} environments to `{}`", files.len(), args.out.display()));
    Ok(ExitCode::SUCCESS)
}
