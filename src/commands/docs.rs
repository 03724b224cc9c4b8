//! `mspc docs`: only the operations docs of a workspace (`<out>/docs/`), or,
//! with `--reference`, the language reference (`<out>/reference/`). Either
//! replaces its own folder inside the output and keeps the rest.

use std::path::PathBuf;
use std::process::ExitCode;

use mspc_compiler::emit::{docs, reference};

use super::build::{docs_meta, load_clean, write};
use super::{CliError, Output};

pub struct DocsArgs {
    pub path: Option<PathBuf>,
    pub out: PathBuf,
    pub reference: bool,
    pub timestamp: bool,
}

pub fn run(args: DocsArgs, output: Output) -> Result<ExitCode, CliError> {
    if args.reference {
        let files = reference::reference();
        write(&args.out, &files, |rel| !rel.starts_with("reference/"))?;
        super::err(&format!(
            "wrote the language reference ({} files) to `{}`",
            files.len(),
            args.out.join("reference").display()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let clean = match load_clean(args.path.as_deref(), &args.out, &output)? {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let meta = docs_meta(&clean.session.loaded.root, args.timestamp);
    let pages: Vec<_> = clean.services.iter().map(|s| &**s).collect();
    let files = docs::docs(&clean.platform, &clean.services, &pages, &meta);
    write(&args.out, &files, |rel| !rel.starts_with("docs/"))?;
    super::err(&format!("wrote {} pages to `{}`", files.len(), args.out.join("docs").display()));
    Ok(ExitCode::SUCCESS)
}
