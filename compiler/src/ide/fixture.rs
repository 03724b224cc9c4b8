//! Test workspaces written as one string: `//- path` lines start files, and
//! `$0` marks the cursor (or `$0…$0` a range). Without a `platform.msp` the
//! tests' standard platform is added.

use crate::db::load::Loaded;
use crate::db::{Database, SourceFile};
use crate::syntax::TextRange;

pub const PLATFORM: &str = include_str!("../../../tests/fixtures/platform.msp");

pub struct Fixture {
    pub loaded: Loaded,
    /// The file holding the cursor (the first file if none does).
    pub file: SourceFile,
    /// The cursor, or the start of the marked range.
    pub offset: u32,
    pub range: Option<TextRange>,
}

impl Fixture {
    /// `text` without `//-` lines is one file, `services/a.msp`.
    pub fn new(text: &str) -> Fixture {
        let mut files: Vec<(String, String)> = Vec::new();
        if text.trim_start().starts_with("//-") {
            for chunk in text.split("//-").filter(|c| !c.trim().is_empty()) {
                let (path, body) = chunk.split_once('\n').unwrap_or((chunk, ""));
                files.push((path.trim().to_string(), body.to_string()));
            }
        } else {
            files.push(("services/a.msp".into(), text.to_string()));
        }
        if !files.iter().any(|(p, _)| p == "platform.msp") {
            files.push(("platform.msp".into(), PLATFORM.into()));
        }
        let mut cursor: Option<(String, u32, Option<TextRange>)> = None;
        for (path, body) in &mut files {
            let marks: Vec<usize> = body.match_indices("$0").map(|(i, _)| i).collect();
            match marks.as_slice() {
                [] => {}
                [at] => {
                    cursor = Some((path.clone(), *at as u32, None));
                }
                [a, b] => {
                    cursor = Some((path.clone(), *a as u32, Some(TextRange::new(*a, *b - 2))));
                }
                _ => panic!("more than two cursor marks in {path}"),
            }
            *body = body.replace("$0", "");
        }
        files.sort();
        let first = files[0].0.clone();
        let loaded = Loaded::from_files(Database::default(), "/ws".into(), files);
        let (path, offset, range) = cursor.unwrap_or((first, 0, None));
        let file = loaded.file(&path).expect("the cursor's file is loaded");
        Fixture { loaded, file, offset, range }
    }

    pub fn db(&self) -> &Database {
        &self.loaded.db
    }

    pub fn ws(&self) -> crate::db::Workspace {
        self.loaded.workspace
    }

    pub fn text(&self) -> &str {
        self.file.text(&self.loaded.db)
    }

    /// The file's text at a range of another file, for assertions.
    pub fn text_at(&self, file: crate::diagnostics::FileId, range: TextRange) -> String {
        if let Some(f) = crate::check::stdlib::stdlib().file(file) {
            return f.text[range.as_usize()].to_string();
        }
        let f = self.loaded.workspace.files(&self.loaded.db)[file.0 as usize];
        f.text(&self.loaded.db)[range.as_usize()].to_string()
    }

    /// The path of a file id (stdlib files: `<stdlib>/…`).
    pub fn path(&self, file: crate::diagnostics::FileId) -> String {
        crate::diagnostics::SourceMap::path(&self.loaded, file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_cursor_and_platform() {
        let f = Fixture::new("//- teams.msp\nlet a = 1\n//- services/x.msp\nservice x { na$0me = 1 }\n");
        assert_eq!(f.file.path(f.db()), "services/x.msp");
        assert_eq!(&f.text()[f.offset as usize..], "me = 1 }\n");
        assert!(f.loaded.file("platform.msp").is_some());
        let r = Fixture::new("let $0abc$0 = 1");
        assert_eq!(&r.text()[r.range.unwrap().as_usize()], "abc");
    }
}
