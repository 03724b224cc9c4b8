//! `mspc tfc bootstrap --out DIR`: the Terraform root module declaring every
//! environment's Terraform Cloud project and one workspace per stack that
//! `mspc build` generates. Like a build, it needs a workspace that checks
//! clean, and replaces its output folder as a whole.

use std::path::PathBuf;
use std::process::ExitCode;

use mspc_compiler::emit::terraform;

use super::build::{load_clean, write};
use super::{CliError, Output};

pub struct BootstrapArgs {
    pub path: Option<PathBuf>,
    pub out: PathBuf,
}

pub fn bootstrap(args: BootstrapArgs, output: Output) -> Result<ExitCode, CliError> {
    let clean = match load_clean(args.path.as_deref(), &args.out, &output)? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let services: Vec<_> = clean.services.iter().map(|s| &**s).collect();
    let files = terraform::bootstrap(&clean.platform, &services);
    write(&args.out, &files, |_| false)?;
    let workspaces: usize = services.iter().map(|s| s.environments.len()).sum::<usize>() * terraform::ctx::STACKS.len();
    super::err(&format!(
        "wrote the Terraform Cloud bootstrap module ({workspaces} workspaces, applied in `{}`) to `{}`",
        terraform::bootstrap_workspace(&clean.platform),
        args.out.display()
    ));
    Ok(ExitCode::SUCCESS)
}
