//! `mspc explain [CODE]`: the code's page (from `docs/diagnostics/`,
//! built into the binary), or the list of every code.

use std::process::ExitCode;

use mspc_compiler::diagnostics::{Code, suggest};

use super::CliError;

pub fn run(code: Option<&str>) -> Result<ExitCode, CliError> {
    let Some(code) = code else {
        super::out(&listing());
        return Ok(ExitCode::SUCCESS);
    };
    let Some(c) = Code::parse(code) else {
        let all = Code::ALL.iter().flat_map(|c| [c.as_str(), c.name()]);
        let help = suggest::did_you_mean(code, all)
            .unwrap_or_else(|| "codes look like `E0201`; `mspc explain` lists them all".into());
        return Err(CliError::UnknownCode(code.to_string(), help));
    };
    match c.page() {
        Some(page) => {
            super::out(page);
            Ok(ExitCode::SUCCESS)
        }
        None => Err(CliError::Internal(format!("no page for {c}"))),
    }
}

/// Every code, its name, and the first sentence of its page.
fn listing() -> String {
    let width = Code::ALL.iter().map(|c| c.name().len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in Code::ALL {
        let summary = c.page().map(summary).unwrap_or_default();
        out.push_str(&format!("{}  {:width$}  {summary}\n", c.as_str(), c.name()));
    }
    out
}

/// The first sentence of a page's first paragraph (after its heading), on
/// one line.
fn summary(page: &str) -> String {
    let paragraph: Vec<&str> = page
        .lines()
        .skip_while(|l| l.starts_with('#') || l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let text = paragraph.join(" ");
    match text.find(". ") {
        Some(i) => text[..=i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_is_the_first_sentence_after_the_heading() {
        assert_eq!(summary("# E1: x\n\nOne thing\nwrapped. And more.\n\nNext."), "One thing wrapped.");
        assert_eq!(summary("# E1: x\n\nNo full stop"), "No full stop");
    }
}
