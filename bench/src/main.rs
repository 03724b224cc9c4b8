//! `mspc-bench workload --services N [--seed S] --out DIR`
//! `mspc-bench lsp [--services N] [--seed S] [--iterations N] [--mspc PATH] [--json] [--keep]`

use std::path::PathBuf;
use std::process::ExitCode;

use mspc_bench::{lsp, workload};

const USAGE: &str = "\
usage:
  mspc-bench workload --services N [--seed S] --out DIR
      Write a generated workspace of N services and jobs into DIR (an empty
      folder, or an earlier output of this command, which is replaced).
      The same N and seed always give the same bytes.

  mspc-bench lsp [--services N] [--seed S] [--iterations N] [--mspc PATH] [--json] [--keep]
      Generate a workspace (default 200 services) into a temporary folder, run
      `<mspc> lsp` on it and time the initial load, edit → diagnostics,
      completion and hover (default 200 iterations each), and the server's
      peak memory. --mspc defaults to the `mspc` next to this binary
      (target/release/mspc). --json prints the report as JSON; --keep keeps
      the workspace.";

struct Args {
    rest: Vec<String>,
}

impl Args {
    /// The value of `--name`, removed from the arguments.
    fn value(&mut self, name: &str) -> Result<Option<String>, String> {
        let Some(i) = self.rest.iter().position(|a| a == name) else { return Ok(None) };
        if i + 1 >= self.rest.len() {
            return Err(format!("{name} needs a value"));
        }
        let v = self.rest.remove(i + 1);
        self.rest.remove(i);
        Ok(Some(v))
    }

    fn number<T: std::str::FromStr>(&mut self, name: &str, default: T) -> Result<T, String> {
        match self.value(name)? {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| format!("{name}: `{v}` is not a number")),
        }
    }

    fn flag(&mut self, name: &str) -> bool {
        let found = self.rest.iter().position(|a| a == name);
        if let Some(i) = found {
            self.rest.remove(i);
        }
        found.is_some()
    }

    fn done(self) -> Result<(), String> {
        match self.rest.first() {
            Some(a) => Err(format!("unexpected argument `{a}`")),
            None => Ok(()),
        }
    }
}

fn main() -> ExitCode {
    let mut argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.is_empty() || argv.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return if argv.is_empty() { ExitCode::from(2) } else { ExitCode::SUCCESS };
    }
    let command = argv.remove(0);
    let args = Args { rest: argv };
    let result = match command.as_str() {
        "workload" => workload_command(args),
        "lsp" => lsp_command(args),
        other => Err(Failure::Usage(format!("unknown command `{other}`\n\n{USAGE}"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Run(e)) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    Usage(String),
    Run(String),
}

impl From<String> for Failure {
    fn from(e: String) -> Failure {
        Failure::Usage(e)
    }
}

impl From<&str> for Failure {
    fn from(e: &str) -> Failure {
        Failure::Usage(e.to_string())
    }
}

fn services(args: &mut Args, default: Option<usize>) -> Result<usize, Failure> {
    let n = match default {
        Some(d) => args.number("--services", d)?,
        None => args
            .value("--services")?
            .ok_or("--services N is required")?
            .parse()
            .map_err(|_| "--services: not a number")?,
    };
    if n == 0 {
        return Err(Failure::Usage("--services must be at least 1".into()));
    }
    Ok(n)
}

fn workload_command(mut args: Args) -> Result<(), Failure> {
    let n = services(&mut args, None)?;
    let seed = args.number("--seed", 1u64)?;
    let out = PathBuf::from(args.value("--out")?.ok_or("--out DIR is required")?);
    args.done()?;
    let w = workload::generate(n, seed);
    w.write(&out).map_err(Failure::Run)?;
    println!(
        "wrote {} files ({} bytes) of {n} services (seed {seed}) into {}",
        w.files.len(),
        w.bytes(),
        out.display()
    );
    Ok(())
}

fn lsp_command(mut args: Args) -> Result<(), Failure> {
    let n = services(&mut args, Some(200))?;
    let seed = args.number("--seed", 1u64)?;
    let iterations = args.number("--iterations", 200usize)?;
    if iterations == 0 {
        return Err(Failure::Usage("--iterations must be at least 1".into()));
    }
    let mspc = match args.value("--mspc")? {
        Some(p) => PathBuf::from(p),
        None => {
            let exe = std::env::current_exe().map_err(|e| Failure::Run(format!("cannot find this binary: {e}")))?;
            exe.with_file_name(format!("mspc{}", std::env::consts::EXE_SUFFIX))
        }
    };
    let json = args.flag("--json");
    let keep = args.flag("--keep");
    args.done()?;
    let report = lsp::run(&lsp::Options { services: n, seed, iterations, mspc, keep }).map_err(Failure::Run)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report.to_json()).expect("JSON values serialize"));
    } else {
        print!("{}", report.table());
    }
    Ok(())
}
