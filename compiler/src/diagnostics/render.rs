//! Renderers: one diagnostic type, many outputs. All are deterministic for
//! the same input (no colour unless asked, no timestamps).

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;
use serde_json::{Value, json};

use super::{Diagnostic, FileId, Severity, SourceMap, Span, line_col};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Source snippets with carets (codespan-reporting).
    Terminal,
    /// `file:line:col: CODE message`
    Short,
    Json,
    /// SARIF 2.1.0, for code-scanning uploads.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…`).
    Github,
}

pub fn render(format: Format, diags: &[Diagnostic], map: &dyn SourceMap, color: bool) -> String {
    match format {
        Format::Terminal => terminal(diags, map, color),
        Format::Short => short(diags, map),
        Format::Json => json(diags, map),
        Format::Sarif => sarif(diags, map),
        Format::Github => github(diags, map),
    }
}

struct Pos {
    line: usize,
    col: usize,
    end_line: usize,
    end_col: usize,
}

fn pos(map: &dyn SourceMap, span: Span) -> Pos {
    let text = map.text(span.file);
    let (line, col) = line_col(text, span.range.start);
    let (end_line, end_col) = line_col(text, span.range.end);
    Pos { line, col, end_line, end_col }
}

pub fn terminal(diags: &[Diagnostic], map: &dyn SourceMap, color: bool) -> String {
    let mut files = SimpleFiles::new();
    let mut ids: Vec<(FileId, usize)> = Vec::new();
    let mut id_of = |f: FileId, files: &mut SimpleFiles<String, String>| -> usize {
        if let Some((_, i)) = ids.iter().find(|(x, _)| *x == f) {
            return *i;
        }
        let i = files.add(map.path(f), map.text(f).to_string());
        ids.push((f, i));
        i
    };
    let config = term::Config::default();
    let mut out = String::new();
    for d in diags {
        let severity = match d.severity {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
        };
        let mut labels = vec![
            cs::Label::primary(id_of(d.primary.span.file, &mut files), d.primary.span.range.as_usize())
                .with_message(d.primary.message.clone()),
        ];
        for l in &d.secondary {
            labels.push(
                cs::Label::secondary(id_of(l.span.file, &mut files), l.span.range.as_usize())
                    .with_message(l.message.clone()),
            );
        }
        let mut notes: Vec<String> = d.notes.iter().map(|n| format!("note: {n}")).collect();
        if let Some(h) = &d.help {
            notes.push(format!("help: {h}"));
        }
        let diag = cs::Diagnostic::new(severity)
            .with_code(d.code.as_str())
            .with_message(d.message.clone())
            .with_labels(labels)
            .with_notes(notes);
        if color {
            let mut buf = term::termcolor::Ansi::new(Vec::new());
            // Writing into memory cannot fail; a span outside its file would be a bug upstream.
            let _ = term::emit_to_write_style(&mut buf, &config, &files, &diag);
            out.push_str(&String::from_utf8_lossy(&buf.into_inner()));
        } else {
            match term::emit_into_string(&config, &files, &diag) {
                Ok(s) => out.push_str(&s),
                Err(_) => out.push_str(&short(std::slice::from_ref(d), map)),
            }
        }
    }
    out
}

pub fn short(diags: &[Diagnostic], map: &dyn SourceMap) -> String {
    let mut out = String::new();
    for d in diags {
        let p = pos(map, d.primary.span);
        out.push_str(&format!("{}:{}:{}: {} {}\n", map.path(d.primary.span.file), p.line, p.col, d.code, d.message));
    }
    out
}

fn location(map: &dyn SourceMap, span: Span) -> Value {
    let p = pos(map, span);
    json!({
        "file": map.path(span.file),
        "start": { "line": p.line, "column": p.col, "offset": span.range.start },
        "end": { "line": p.end_line, "column": p.end_col, "offset": span.range.end },
    })
}

pub fn json(diags: &[Diagnostic], map: &dyn SourceMap) -> String {
    let items: Vec<Value> = diags
        .iter()
        .map(|d| {
            json!({
                "code": d.code.as_str(),
                "name": d.code.name(),
                "severity": d.severity.as_str(),
                "message": d.message,
                "location": location(map, d.primary.span),
                "label": d.primary.message,
                "related": d.secondary.iter().map(|l| json!({ "message": l.message, "location": location(map, l.span) })).collect::<Vec<_>>(),
                "notes": d.notes,
                "help": d.help,
                "fix": d.fix.as_ref().map(|f| json!({
                    "message": f.message,
                    "edits": f.laid_out(|id| Some(map.text(id))).iter().map(|(s, text)| json!({ "location": location(map, *s), "replacement": text })).collect::<Vec<_>>(),
                })),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&Value::Array(items)).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

fn sarif_region(map: &dyn SourceMap, span: Span) -> Value {
    let p = pos(map, span);
    json!({ "startLine": p.line, "startColumn": p.col, "endLine": p.end_line, "endColumn": p.end_col })
}

/// A relative path is resolved against `%SRCROOT%`; an absolute one becomes a `file://` URI.
fn artifact(map: &dyn SourceMap, file: FileId) -> Value {
    let path = map.path(file);
    let encode = |p: &str| p.replace('%', "%25").replace(' ', "%20");
    if path.starts_with('/') {
        json!({ "uri": format!("file://{}", encode(&path)) })
    } else {
        json!({ "uri": encode(&path), "uriBaseId": "%SRCROOT%" })
    }
}

fn sarif_location(map: &dyn SourceMap, span: Span, message: Option<&str>) -> Value {
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": artifact(map, span.file),
            "region": sarif_region(map, span),
        }
    });
    if let Some(m) = message.filter(|m| !m.is_empty()) {
        loc["message"] = json!({ "text": m });
    }
    loc
}

pub fn sarif(diags: &[Diagnostic], map: &dyn SourceMap) -> String {
    let mut codes: Vec<super::Code> = diags.iter().map(|d| d.code).collect();
    codes.sort();
    codes.dedup();
    let rules: Vec<Value> = codes
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "name": c.name(),
                "shortDescription": { "text": c.summary() },
                "helpUri": format!("{}/{}.md", DOCS_URL, c.as_str()),
                "defaultConfiguration": { "level": c.default_severity().as_str() },
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str(&format!("\nhelp: {h}"));
            }
            let mut r = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": codes.iter().position(|c| *c == d.code).unwrap_or(0),
                "level": d.severity.as_str(),
                "message": { "text": text },
                "locations": [sarif_location(map, d.primary.span, None)],
            });
            if !d.secondary.is_empty() {
                r["relatedLocations"] = Value::Array(
                    d.secondary
                        .iter()
                        .enumerate()
                        .map(|(i, l)| {
                            let mut loc = sarif_location(map, l.span, Some(&l.message));
                            loc["id"] = json!(i);
                            loc
                        })
                        .collect(),
                );
            }
            if let Some(f) = &d.fix {
                r["fixes"] = json!([{
                    "description": { "text": f.message },
                    "artifactChanges": f.laid_out(|id| Some(map.text(id))).iter().map(|(s, text)| json!({
                        "artifactLocation": artifact(map, s.file),
                        "replacements": [{ "deletedRegion": sarif_region(map, *s), "insertedContent": { "text": text } }],
                    })).collect::<Vec<_>>(),
                }]);
            }
            r
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "mspc",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": DOCS_URL,
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

/// Where each code's page is published.
pub const DOCS_URL: &str = "https://github.com/mspc-dev/mspc/blob/main/docs/diagnostics";

fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn gh_escape_prop(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn github(diags: &[Diagnostic], map: &dyn SourceMap) -> String {
    let mut out = String::new();
    for d in diags {
        let p = pos(map, d.primary.span);
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut msg = d.message.clone();
        if let Some(h) = &d.help {
            msg.push_str(&format!("\nhelp: {h}"));
        }
        out.push_str(&format!(
            "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            gh_escape_prop(&map.path(d.primary.span.file)),
            p.line,
            p.col,
            p.end_line,
            p.end_col,
            gh_escape_prop(&format!("{} {}", d.code, d.code.name())),
            gh_escape_data(&msg)
        ));
    }
    out
}
