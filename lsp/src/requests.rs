//! One function per request: compiler answers (`mspc_compiler::ide`) turned
//! into protocol values. Each runs on a blocking thread with its own snapshot;
//! salsa may cancel it by unwinding (caught in `server.rs`).

use mspc_compiler::db::{Database, SourceFile, Workspace};
use mspc_compiler::ide::{self, completion, folding, hover, inlay, navigation, preview, symbols, tokens};
use mspc_compiler::syntax::TextRange;
use tower_lsp_server::ls_types as lsp;
use tower_lsp_server::ls_types::Uri;

use crate::convert::Files;
use crate::line_index::LineIndex;

/// A request about one file.
pub struct Ctx<'a> {
    pub db: &'a Database,
    pub ws: Workspace,
    pub file: SourceFile,
    pub root: &'a std::path::Path,
    pub uri: &'a Uri,
}

impl Ctx<'_> {
    fn text(&self) -> &str {
        self.file.text(self.db)
    }
    fn index(&self) -> LineIndex<'_> {
        LineIndex::new(self.text())
    }
    fn offset(&self, p: lsp::Position) -> u32 {
        self.index().offset(p)
    }
    fn files(&self) -> Files<'_> {
        Files::new(self.db, self.ws, self.root)
    }
}

pub fn completion(c: &Ctx, pos: lsp::Position) -> Vec<lsp::CompletionItem> {
    let idx = c.index();
    completion::completions(c.db, c.ws, c.file, idx.offset(pos))
        .into_iter()
        .map(|item| lsp::CompletionItem {
            label: item.label.clone(),
            kind: Some(completion_kind(&item.kind)),
            detail: item.detail.clone(),
            documentation: item.documentation.clone().map(markdown_doc),
            sort_text: item.sort_text.clone(),
            filter_text: Some(item.label.clone()),
            insert_text_format: Some(if item.is_snippet {
                lsp::InsertTextFormat::SNIPPET
            } else {
                lsp::InsertTextFormat::PLAIN_TEXT
            }),
            text_edit: Some(lsp::CompletionTextEdit::Edit(lsp::TextEdit {
                range: idx.range(item.replace),
                new_text: item.insert_text,
            })),
            ..Default::default()
        })
        .collect()
}

fn completion_kind(k: &completion::CompletionKind) -> lsp::CompletionItemKind {
    use completion::CompletionKind as K;
    match k {
        K::Field => lsp::CompletionItemKind::FIELD,
        K::Block => lsp::CompletionItemKind::STRUCT,
        K::EnumVariant => lsp::CompletionItemKind::ENUM_MEMBER,
        K::UnionTag => lsp::CompletionItemKind::ENUM_MEMBER,
        K::Let => lsp::CompletionItemKind::VARIABLE,
        K::Module => lsp::CompletionItemKind::MODULE,
        K::Environment => lsp::CompletionItemKind::REFERENCE,
        K::File => lsp::CompletionItemKind::FILE,
        K::Snippet => lsp::CompletionItemKind::SNIPPET,
        K::Keyword => lsp::CompletionItemKind::KEYWORD,
    }
}

fn markdown_doc(value: String) -> lsp::Documentation {
    lsp::Documentation::MarkupContent(lsp::MarkupContent { kind: lsp::MarkupKind::Markdown, value })
}

pub fn hover(c: &Ctx, pos: lsp::Position) -> Option<lsp::Hover> {
    let h = hover::hover(c.db, c.ws, c.file, c.offset(pos))?;
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent { kind: lsp::MarkupKind::Markdown, value: h.markdown }),
        range: Some(c.index().range(h.range)),
    })
}

pub fn definition(c: &Ctx, pos: lsp::Position) -> Vec<lsp::Location> {
    let files = c.files();
    navigation::definition(c.db, c.ws, c.file, c.offset(pos)).into_iter().filter_map(|l| files.location(l)).collect()
}

pub fn references(c: &Ctx, pos: lsp::Position, include_declaration: bool) -> Vec<lsp::Location> {
    let files = c.files();
    navigation::references(c.db, c.ws, c.file, c.offset(pos), include_declaration)
        .into_iter()
        .filter_map(|l| files.location(l))
        .collect()
}

pub fn prepare_rename(c: &Ctx, pos: lsp::Position) -> Result<lsp::PrepareRenameResponse, String> {
    let range = navigation::prepare_rename(c.db, c.ws, c.file, c.offset(pos))?;
    Ok(lsp::PrepareRenameResponse::Range(c.index().range(range)))
}

pub fn rename(c: &Ctx, pos: lsp::Position, new_name: &str) -> Result<lsp::WorkspaceEdit, String> {
    let edits = navigation::rename(c.db, c.ws, c.file, c.offset(pos), new_name)?;
    Ok(c.files().workspace_edit(&edits))
}

pub fn document_symbols(c: &Ctx) -> Vec<lsp::DocumentSymbol> {
    let idx = c.index();
    symbols::document_symbols(c.db, c.file).iter().map(|s| document_symbol(&idx, s)).collect()
}

#[allow(deprecated)] // `deprecated` is a required field of the struct.
fn document_symbol(idx: &LineIndex, s: &symbols::Symbol) -> lsp::DocumentSymbol {
    lsp::DocumentSymbol {
        name: if s.name.is_empty() { "_".into() } else { s.name.clone() },
        detail: s.detail.clone(),
        kind: symbol_kind(&s.kind),
        tags: None,
        deprecated: None,
        range: idx.range(s.range),
        selection_range: idx.range(s.selection),
        children: (!s.children.is_empty()).then(|| s.children.iter().map(|c| document_symbol(idx, c)).collect()),
    }
}

fn symbol_kind(k: &symbols::SymbolKind) -> lsp::SymbolKind {
    use symbols::SymbolKind as K;
    match k {
        K::Service => lsp::SymbolKind::MODULE,
        K::Job => lsp::SymbolKind::EVENT,
        K::Platform => lsp::SymbolKind::PACKAGE,
        K::Environment => lsp::SymbolKind::NAMESPACE,
        K::Block => lsp::SymbolKind::OBJECT,
        K::Field => lsp::SymbolKind::FIELD,
        K::Let => lsp::SymbolKind::CONSTANT,
        K::Import => lsp::SymbolKind::MODULE,
    }
}

/// Workspace symbols of one host.
pub fn workspace_symbols(
    db: &Database,
    ws: Workspace,
    root: &std::path::Path,
    query: &str,
) -> Vec<lsp::WorkspaceSymbol> {
    let files = Files::new(db, ws, root);
    symbols::workspace_symbols(db, ws, query)
        .into_iter()
        .filter_map(|s| {
            let location = files.location(s.location)?;
            Some(lsp::WorkspaceSymbol {
                name: s.name,
                kind: symbol_kind(&s.kind),
                tags: None,
                container_name: s.container,
                location: lsp::OneOf::Left(location),
                data: None,
            })
        })
        .collect()
}

pub fn semantic_tokens(c: &Ctx) -> lsp::SemanticTokens {
    let idx = c.index();
    let mut data = Vec::new();
    let (mut line, mut col) = (0, 0);
    for t in tokens::semantic_tokens(c.db, c.ws, c.file) {
        let start = idx.position(t.range.start);
        let end = idx.position(t.range.end);
        // Tokens are single-line; anything else is skipped rather than sent wrong.
        if end.line != start.line || end.character <= start.character {
            continue;
        }
        let Some(kind) = tokens::TOKEN_KINDS.iter().position(|(k, _)| *k == t.kind) else { continue };
        let delta_line = start.line - line;
        let delta_start = if delta_line == 0 { start.character - col } else { start.character };
        data.push(lsp::SemanticToken {
            delta_line,
            delta_start,
            length: end.character - start.character,
            token_type: kind as u32,
            token_modifiers_bitset: t.modifiers,
        });
        line = start.line;
        col = start.character;
    }
    lsp::SemanticTokens { result_id: None, data }
}

pub fn semantic_legend() -> lsp::SemanticTokensLegend {
    lsp::SemanticTokensLegend {
        token_types: tokens::TOKEN_KINDS.iter().map(|(_, name)| lsp::SemanticTokenType::new(name)).collect(),
        token_modifiers: tokens::MODIFIERS.iter().map(|m| lsp::SemanticTokenModifier::new(m)).collect(),
    }
}

pub fn folding_ranges(c: &Ctx) -> Vec<lsp::FoldingRange> {
    let idx = c.index();
    folding::folding_ranges(c.db, c.file)
        .into_iter()
        .filter_map(|f| {
            let start_line = idx.line(f.start);
            let mut end_line = idx.line(f.end);
            // Keep a block's closing bracket visible when folded.
            if matches!(f.kind, folding::FoldKind::Region) && end_line > start_line {
                end_line -= 1;
            }
            (end_line > start_line).then_some(lsp::FoldingRange {
                start_line,
                start_character: None,
                end_line,
                end_character: None,
                kind: Some(match f.kind {
                    folding::FoldKind::Region => lsp::FoldingRangeKind::Region,
                    folding::FoldKind::Comment => lsp::FoldingRangeKind::Comment,
                    folding::FoldKind::Imports => lsp::FoldingRangeKind::Imports,
                }),
                collapsed_text: None,
            })
        })
        .collect()
}

pub fn inlay_hints(c: &Ctx, range: lsp::Range) -> Vec<lsp::InlayHint> {
    let idx = c.index();
    inlay::inlay_hints(c.db, c.ws, c.file, idx.text_range(range))
        .into_iter()
        .map(|h| lsp::InlayHint {
            position: idx.position(h.offset),
            label: lsp::InlayHintLabel::String(h.label),
            kind: None,
            text_edits: None,
            tooltip: h.tooltip.map(|t| {
                lsp::InlayHintTooltip::MarkupContent(lsp::MarkupContent { kind: lsp::MarkupKind::Markdown, value: t })
            }),
            padding_left: Some(h.padding_left),
            padding_right: None,
            data: None,
        })
        .collect()
}

pub fn code_actions(c: &Ctx, range: lsp::Range) -> Vec<lsp::CodeActionOrCommand> {
    let files = c.files();
    ide::actions::code_actions(c.db, c.ws, c.file, c.index().text_range(range))
        .into_iter()
        .map(|a| {
            lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: a.title,
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: files.diagnostic(&a.diagnostic).map(|(_, d)| vec![d]),
                edit: Some(files.workspace_edit(&a.edits)),
                command: None,
                is_preferred: Some(a.preferred),
                disabled: None,
                data: None,
            })
        })
        .collect()
}

pub fn code_lenses(c: &Ctx) -> Vec<lsp::CodeLens> {
    let idx = c.index();
    preview::environments(c.db, c.file)
        .into_iter()
        .map(|(range, env)| lsp::CodeLens {
            range: idx.range(TextRange::new(range.start as usize, range.start as usize)),
            command: Some(lsp::Command {
                title: "Preview Terraform".into(),
                command: "mspc.previewTerraform".into(),
                arguments: Some(vec![serde_json::json!(c.uri.as_str()), serde_json::json!(env)]),
            }),
            data: None,
        })
        .collect()
}

/// The whole document, formatted; nothing when it is already formatted or
/// does not parse (the diagnostics say why).
pub fn formatting(c: &Ctx) -> Vec<lsp::TextEdit> {
    let text = c.text();
    match mspc_compiler::fmt::format(text) {
        Ok(formatted) if formatted != text => {
            vec![lsp::TextEdit { range: c.index().range(TextRange::new(0, text.len())), new_text: formatted }]
        }
        _ => Vec::new(),
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewParams {
    pub uri: Uri,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub position: Option<lsp::Position>,
    pub kind: PreviewKindParam,
}

#[derive(serde::Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum PreviewKindParam {
    Terraform,
    Docs,
}

#[derive(serde::Serialize)]
pub struct PreviewResult {
    pub title: String,
    pub language: String,
    pub content: String,
}

pub fn preview(c: &Ctx, p: &PreviewParams) -> Result<PreviewResult, String> {
    let offset = p.position.map_or(0, |pos| c.offset(pos));
    let kind = match p.kind {
        PreviewKindParam::Terraform => preview::PreviewKind::Terraform,
        PreviewKindParam::Docs => preview::PreviewKind::Docs,
    };
    let r = preview::preview(c.db, c.ws, c.file, offset, p.environment.as_deref(), kind)?;
    Ok(PreviewResult { title: r.title, language: r.language.into(), content: r.content })
}
