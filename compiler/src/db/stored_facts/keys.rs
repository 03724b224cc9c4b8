//! What each stored entry is keyed by: hashes of the texts its facts were
//! computed from.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};

use super::{Key, StoredFacts, StoredNames, sources};
use crate::check::platform::PLATFORM_FILE;
use crate::db::queries::{FileIndex, ImportError, file_decls, file_refs, file_scope};
use crate::db::{Db, SourceFile, Workspace};

/// The keys of every file, and the names of each (stored, or parsed when
/// its text changed).
pub(super) struct Keys<'a> {
    /// Of each workspace file: its text and load problem.
    pub(super) content: HashMap<&'a str, Key>,
    names: HashMap<&'a str, Cow<'a, StoredNames>>,
    /// Of the non-source files under each folder holding a source.
    beside: HashMap<&'a str, Key>,
    /// Of the platform's sources.
    platform: Key,
}

impl<'a> Keys<'a> {
    pub(super) fn new(
        db: &'a dyn Db,
        ws: Workspace,
        index: &'a FileIndex,
        named: &BTreeSet<&str>,
        stored: &'a StoredFacts,
    ) -> Keys<'a> {
        let content: HashMap<&str, Key> =
            index.by_path.iter().map(|(p, f)| (p.as_str(), hash(&(f.text(db), f.problem(db))))).collect();
        let names: HashMap<&str, Cow<StoredNames>> = sources(index)
            .map(|(path, file)| {
                let n = match stored.files.get(path) {
                    Some(s) if !named.contains(path.as_str()) && s.text == content[path.as_str()] => {
                        Cow::Borrowed(&s.names)
                    }
                    _ => Cow::Owned(names_of(db, ws, *file)),
                };
                (path.as_str(), n)
            })
            .collect();
        let folders: BTreeSet<&str> = names.iter().filter(|(_, n)| n.has_decls).map(|(p, _)| folder(p)).collect();
        let beside = folders.into_iter().map(|dir| (dir, beside(index, &content, dir))).collect();
        let mut keys = Keys { content, names, beside, platform: 0 };
        keys.platform = keys.closure(PLATFORM_FILE);
        keys
    }

    /// Of the sources `path` reads, itself included: the texts of its
    /// imports, theirs, and so on, and the paths among them that no file
    /// has (an import that resolves once the file appears).
    fn closure(&self, path: &str) -> Key {
        let mut seen: BTreeMap<&str, Option<Key>> = BTreeMap::new();
        let mut stack = vec![path];
        while let Some(p) = stack.pop() {
            if seen.contains_key(p) {
                continue;
            }
            seen.insert(p, self.content.get(p).copied());
            if let Some(n) = self.names.get(p) {
                stack.extend(n.imports.iter().filter_map(|(_, to)| to.as_deref()));
            }
        }
        hash(&seen)
    }

    /// Of everything checking `path` reads besides the stdlib (the front
    /// end's key on the mspc build covers it): its path and sources, the
    /// platform's sources (rules read the platform), and, when it declares
    /// services, the other files beside it.
    pub(super) fn context(&self, path: &str) -> Key {
        let has_decls = self.names.get(path).is_some_and(|n| n.has_decls);
        let beside = if has_decls { self.beside.get(folder(path)) } else { None };
        hash(&(path, self.closure(path), self.platform, beside))
    }
}

/// `services/a/a.msp` → `services/a`; `a.msp` → ``.
fn folder(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// The non-source files under `dir` (all of them for the root): a service
/// reads `<dir>/README.md` and `<dir>/<table>.bigquerytable.json`.
fn beside(index: &FileIndex, content: &HashMap<&str, Key>, dir: &str) -> Key {
    let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
    let under: Vec<(&str, Key)> = index
        .by_path
        .range(prefix.clone()..)
        .take_while(|(p, _)| p.starts_with(&prefix))
        .filter(|(p, _)| !p.ends_with(".msp"))
        .map(|(p, _)| (p.as_str(), content[p.as_str()]))
        .collect();
    hash(&under)
}

fn hash(value: &impl Hash) -> Key {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

pub(super) fn names_of(db: &dyn Db, ws: Workspace, file: SourceFile) -> StoredNames {
    let scope = file_scope(db, ws, file);
    let imports = scope
        .imports
        .iter()
        .map(|(alias, i)| {
            let to = match &i.target {
                Ok(t) => Some(t.path(db).clone()),
                Err(ImportError::NotFound(p)) => Some(p.clone()),
                Err(_) => None,
            };
            (alias.clone(), to)
        })
        .collect();
    let uses =
        file_refs(db, file).members.iter().filter(|(alias, _)| scope.imports.contains_key(alias)).cloned().collect();
    StoredNames { imports, uses, has_decls: !file_decls(db, file).is_empty() }
}
