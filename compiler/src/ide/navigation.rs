//! Go to definition, find references and rename, over the names of
//! `names.rs`: a name's target says where it is defined, and every name
//! with the same target is a reference to it.

use super::names::{self, Occurrence, Target};
use super::{Location, TextEdit};
use crate::check::schema::{Subject, Violation, violations};
use crate::check::stdlib::stdlib;
use crate::db::{self, Db, SourceFile, Workspace};
use crate::syntax::{self, Item, TextRange};

pub fn definition(db: &dyn Db, ws: Workspace, file: SourceFile, offset: u32) -> Vec<Location> {
    let occurrences = names::occurrences(db, ws, file);
    names::at(occurrences, offset)
        .and_then(|o| o.target.as_ref())
        .and_then(|t| names::definition(db, ws, t))
        .into_iter()
        .collect()
}

pub fn references(
    db: &dyn Db,
    ws: Workspace,
    file: SourceFile,
    offset: u32,
    include_declaration: bool,
) -> Vec<Location> {
    let occurrences = names::occurrences(db, ws, file);
    let Some(target) = names::at(occurrences, offset).and_then(|o| o.target.clone()) else {
        return Vec::new();
    };
    let mut out: Vec<Location> = uses(db, ws, &target)
        .into_iter()
        .filter(|(_, o)| include_declaration || !o.decl)
        .map(|(f, o)| Location { file: f.id(db), range: o.range })
        .collect();
    // A file is not declared anywhere: its start is where it is, not a reference.
    if include_declaration && !matches!(target, Target::File(_)) {
        out.extend(names::declaration(db, ws, &target));
    }
    out.sort();
    out.dedup();
    out
}

/// Every occurrence of `target` in the files that can name it.
fn uses<'db>(db: &'db dyn Db, ws: Workspace, target: &Target) -> Vec<(SourceFile, &'db Occurrence)> {
    let msp = |f: &SourceFile| f.path(db).ends_with(".msp");
    let files: Vec<SourceFile> = match target {
        // Its own file, and the files importing it (`alias.name`).
        Target::Let { file, .. } => ws
            .files(db)
            .iter()
            .copied()
            .filter(|f| {
                f == file
                    || (msp(f) && db::file_scope(db, ws, *f).imports.values().any(|i| i.target.as_ref() == Ok(file)))
            })
            .collect(),
        Target::Import { file, .. } | Target::Decl { file, .. } | Target::Env { file, .. } => vec![*file],
        Target::File(_) | Target::Stdlib(_) | Target::Entry(_) => ws.files(db).iter().copied().filter(msp).collect(),
    };
    let mut out = Vec::new();
    for f in files {
        for o in names::occurrences(db, ws, f) {
            if o.target.as_ref() == Some(target) {
                out.push((f, o));
            }
        }
    }
    out
}

/// The range of the name that a rename replaces, or why it cannot be renamed.
pub fn prepare_rename(db: &dyn Db, ws: Workspace, file: SourceFile, offset: u32) -> Result<TextRange, String> {
    let (occurrence, _) = renamable(db, ws, file, offset)?;
    Ok(unquoted(file.text(db), occurrence.range))
}

pub fn rename(
    db: &dyn Db,
    ws: Workspace,
    file: SourceFile,
    offset: u32,
    new_name: &str,
) -> Result<Vec<TextEdit>, String> {
    let (_, target) = renamable(db, ws, file, offset)?;
    check_new_name(db, ws, &target, new_name)?;
    let found = uses(db, ws, &target);
    // A bare `let` where an enum is expected means the variant if one has its name.
    let index = &stdlib().index;
    if let Some(e) = found
        .iter()
        .find_map(|(_, o)| o.expects.filter(|e| index.enums.get(*e).is_some_and(|d| d.variant(new_name).is_some())))
    {
        return Err(format!(
            "`{new_name}` is a variant of `{e}`, and a use of this `let` expects one: it would mean the variant"
        ));
    }
    let mut edits: Vec<TextEdit> = found
        .into_iter()
        .map(|(f, o)| TextEdit { file: f.id(db), range: unquoted(f.text(db), o.range), new_text: new_name.to_string() })
        .collect();
    edits.sort();
    edits.dedup();
    Ok(edits)
}

/// The name at `offset` if it can be renamed, with its target.
fn renamable(db: &dyn Db, ws: Workspace, file: SourceFile, offset: u32) -> Result<(Occurrence, Target), String> {
    let occurrences = names::occurrences(db, ws, file);
    let Some(o) = names::at(occurrences, offset) else {
        return Err("there is no name here to rename".into());
    };
    let name = file.text(db).get(o.range.as_usize()).unwrap_or_default();
    match &o.target {
        Some(t @ (Target::Let { .. } | Target::Import { .. } | Target::Env { .. })) => Ok((o.clone(), t.clone())),
        Some(Target::Decl { .. }) => Err(format!(
            "`{name}` is a service id: it prefixes the project ids and names the generated resources, so it is changed by hand"
        )),
        Some(Target::File(_)) => Err("an import path names a file: move the file instead".into()),
        Some(Target::Stdlib(span)) if crate::check::stdlib::Stdlib::is_stdlib(span.file) => {
            Err(format!("`{name}` is defined by the stdlib, and cannot be renamed"))
        }
        Some(Target::Stdlib(_)) => Err(format!("`{name}` is a schema declaration, which only the stdlib may hold")),
        Some(Target::Entry(_)) => {
            Err(format!("`{name}` is a field read through a path; rename the `let` or field it comes from instead"))
        }
        None if o.role == names::Role::Keyword => Err(format!("`{name}` is a keyword")),
        None => Err(format!("`{name}` does not refer to anything that can be renamed")),
    }
}

/// Besides the grammar's keywords, words the language reads before names:
/// literals and the roots of context paths (`service.id`, `environment.id`,
/// `defaults.x`), and the one function. A binding with one of these names
/// would be shadowed, or not parse.
const RESERVED: &[&str] = &["true", "false", "environment", "defaults", "secret"];

fn check_new_name(db: &dyn Db, ws: Workspace, target: &Target, new: &str) -> Result<(), String> {
    if !syntax::is_ident(new) {
        return Err(format!(
            "`{new}` is not a name: names start with a letter or `_`, followed by letters, digits, `_` or `-`"
        ));
    }
    if syntax::KEYWORDS.contains(&new) || RESERVED.contains(&new) {
        return Err(format!("`{new}` is a reserved word"));
    }
    let taken = |file: SourceFile| {
        let scope = db::file_scope(db, ws, file);
        if scope.lets.contains_key(new) || scope.imports.contains_key(new) {
            Err(format!("`{new}` is already defined in {}", file.path(db)))
        } else {
            Ok(())
        }
    };
    match target {
        Target::Let { file, .. } | Target::Import { file, .. } => taken(*file),
        Target::Env { file, item, name } => {
            env_id_rules(new)?;
            if let Some(Item::Decl(d)) = db::parse(db, *file).ast.items.get(*item as usize)
                && names::environments(d.kind, &d.body).iter().any(|e| e.label.name == new && e.label.name != *name)
            {
                return Err(format!("this service already has an environment `{new}`"));
            }
            // In a stage list a `let` of the same name would win over the environment.
            taken(*file)
        }
        _ => Err("this cannot be renamed".into()),
    }
}

/// The constraints the stdlib puts on an environment's id (its `@label` field).
fn env_id_rules(new: &str) -> Result<(), String> {
    let Some(id) = stdlib().index.environment_schema().and_then(|s| s.fields.values().find(|f| f.label)) else {
        return Ok(());
    };
    match violations(&id.constraints, Subject::Str(new), false).next() {
        Some(Violation::NoMatch(p)) => Err(format!("an environment id must be {}: `{new}` is not", p.what)),
        Some(Violation::TooShort { min, max, .. }) => Err(length_rule(min, max)),
        Some(Violation::TooLong { min, max, .. }) => Err(length_rule(min, Some(max))),
        _ => Ok(()),
    }
}

fn length_rule(min: usize, max: Option<usize>) -> String {
    let most = max.map_or_else(String::new, |hi| format!(" and at most {hi}"));
    format!("an environment id has at least {min}{most} characters")
}

/// A quoted label (`environment "dev"`) is renamed inside its quotes.
fn unquoted(text: &str, range: TextRange) -> TextRange {
    match text.get(range.as_usize()) {
        Some(s) if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') => {
            TextRange { start: range.start + 1, end: range.end - 1 }
        }
        _ => range,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Database;
    use crate::db::load::Loaded;
    use crate::ide::fixture::Fixture;

    const WORKSPACE: &str = r#"//- teams.msp
/// Log settings.
let log_env = { SRC_LOG_LEVEL = "info" }
let debug_log_env = { ..log_env, SRC_LOG_LEVEL = "debug" }
let sizes = { large = { cpu = 2, memory = 4Gi } }
//- services/a.msp
import "../teams.msp" as teams

let small_instances = { cpu = 1, memory = 1Gi }
let internal = "not the variant"

service a {
  owners      = ["core", internal]
  description = "A"
  image       = "us.gcr.io/example/a"

  defaults {
    deploy    = rollout
    instances = small_instances
    env       = { ..teams.log_env, URL = "${environment.project_id}" }
  }

  environment dev {
    project_id = "a-${environment.id}-1a2b"
    category   = test
    instances  = { ..defaults.instances, memory = 2Gi }
    domain     = cloudflare { subdomain = "a", zone = "example.com" }
  }

  environment prod {
    project_id = "a-${environment.id}-1a2b"
    category   = internal
    instances  = teams.sizes.large
    env        = teams.debug_log_env
  }

  rollout { stages = [dev, prod] }
}
//- services/b.msp
import "../teams.msp" as t

job b {
  owners      = ["core"]
  description = "B"
  image       = "us.gcr.io/example/b"

  environment dev {
    project_id = "b-dev-1a2b"
    category   = test
    deploy     = manual
    env        = t.log_env
  }
}
"#;

    /// The file at `path` and the offset of `|` in `needle` (written
    /// without the `|`, it must occur once in the file).
    fn cursor(fx: &Fixture, path: &str, needle: &str) -> (SourceFile, u32) {
        let file = fx.loaded.file(path).expect("file exists");
        let plain = needle.replace('|', "");
        let text = file.text(fx.db());
        assert_eq!(text.matches(&plain).count(), 1, "`{plain}` must occur once in {path}");
        let at = text.find(&plain).expect("found") + needle.find('|').expect("a `|` marks the cursor");
        (file, at as u32)
    }

    fn definition_at(fx: &Fixture, path: &str, needle: &str) -> (String, String, TextRange) {
        let (file, offset) = cursor(fx, path, needle);
        let found = definition(fx.db(), fx.ws(), file, offset);
        assert_eq!(found.len(), 1, "one definition for {needle}: {found:?}");
        let loc = found[0];
        (fx.path(loc.file), fx.text_at(loc.file, loc.range), loc.range)
    }

    fn assert_clean(loaded: &Loaded) {
        let errors: Vec<String> =
            loaded.result().diagnostics.iter().filter(|d| d.is_error()).map(|d| d.message.clone()).collect();
        assert!(errors.is_empty(), "errors: {errors:?}");
    }

    #[test]
    fn the_workspace_under_test_is_clean() {
        assert_clean(&Fixture::new(WORKSPACE).loaded);
    }

    #[test]
    fn definition_of_lets_and_imports() {
        let fx = Fixture::new(WORKSPACE);
        let a = "services/a.msp";
        let (path, text, _) = definition_at(&fx, a, "instances = small_|instances");
        assert_eq!((path.as_str(), text.as_str()), (a, "small_instances"));
        // The cursor just after the name still finds it.
        let (_, text, _) = definition_at(&fx, a, "instances = small_instances|\n");
        assert_eq!(text, "small_instances");
        let (path, text, _) = definition_at(&fx, a, "..teams.log_e|nv");
        assert_eq!((path.as_str(), text.as_str()), ("teams.msp", "log_env"));
        let (path, text, _) = definition_at(&fx, a, "..te|ams.log_env");
        assert_eq!((path.as_str(), text.as_str()), (a, r#"import "../teams.msp" as teams"#));
        let (path, text, range) = definition_at(&fx, a, r#"import "../te|ams.msp""#);
        assert_eq!((path.as_str(), range), ("teams.msp", TextRange::empty(0)));
        assert_eq!(text, "");
        // In the imported file itself, a spread of a local `let`.
        let (path, text, _) = definition_at(&fx, "teams.msp", "{ ..log_|env");
        assert_eq!((path.as_str(), text.as_str()), ("teams.msp", "log_env"));
    }

    #[test]
    fn definition_of_entries_read_through_paths() {
        let fx = Fixture::new(WORKSPACE);
        let a = "services/a.msp";
        let (path, text, range) = definition_at(&fx, a, "..defaults.inst|ances");
        assert_eq!((path.as_str(), text.as_str()), (a, "instances"));
        let (_, defaults_entry) = cursor(&fx, a, "|instances = small_instances");
        assert_eq!(range.start, defaults_entry, "the `instances` of the defaults block");
        let (path, text, range) = definition_at(&fx, a, "teams.sizes.la|rge");
        assert_eq!((path.as_str(), text.as_str()), ("teams.msp", "large"));
        let (_, large) = cursor(&fx, "teams.msp", "|large = {");
        assert_eq!(range.start, large);
    }

    /// Paths read what the evaluator reads: labeled blocks are entries of
    /// their key, and a tagged value has no fields.
    #[test]
    fn paths_through_labeled_blocks_and_tagged_values() {
        let text = "//- services/x.msp\nlet shared = {\n  environment dev { project_id = \"x-dev\" }\n}\nlet domain = cloudflare { zone = \"example.com\" }\nlet a = shared.environment.dev.project_id\nlet b = domain.zone\n";
        let fx = Fixture::new(text);
        let x = "services/x.msp";
        let (_, text, range) = definition_at(&fx, x, "shared.environment.d|ev.project_id");
        assert_eq!((text.as_str(), range.start), ("dev", cursor(&fx, x, "environment |dev {").1));
        let (_, text, range) = definition_at(&fx, x, "shared.environ|ment.dev");
        assert_eq!((text.as_str(), range.start), ("environment", cursor(&fx, x, "|environment dev {").1));
        let (_, text, range) = definition_at(&fx, x, "dev.project_|id\n");
        assert_eq!((text.as_str(), range.start), ("project_id", cursor(&fx, x, "{ |project_id").1));
        let (file, offset) = cursor(&fx, x, "domain.zo|ne");
        assert_eq!(definition(fx.db(), fx.ws(), file, offset), vec![]);
        // As the checker reads them.
        let errors: Vec<String> =
            fx.loaded.result().diagnostics.iter().filter(|d| d.is_error()).map(|d| d.message.clone()).collect();
        assert_eq!(errors, ["a tagged value has no fields"]);
    }

    #[test]
    fn definition_of_environments_fields_and_variants() {
        let fx = Fixture::new(WORKSPACE);
        let a = "services/a.msp";
        let (path, text, range) = definition_at(&fx, a, "[d|ev, prod]");
        assert_eq!((path.as_str(), text.as_str()), (a, "dev"));
        assert_eq!(range.start, cursor(&fx, a, "environment |dev {").1);
        let (path, text, _) = definition_at(&fx, a, "cat|egory   = test");
        assert_eq!((path.as_str(), text.as_str()), ("<stdlib>/environment.msp", "category"));
        // A bare name where an enum is expected is the variant, even with a `let` of that name.
        let (path, text, _) = definition_at(&fx, a, "category   = inter|nal");
        assert_eq!((path.as_str(), text.as_str()), ("<stdlib>/environment.msp", "internal"));
        // Elsewhere the `let` wins.
        let (path, text, _) = definition_at(&fx, a, r#""core", inter|nal]"#);
        assert_eq!((path.as_str(), text.as_str()), (a, "internal"));
        let (path, text, _) = definition_at(&fx, a, "deploy    = roll|out");
        assert_eq!((path.as_str(), text.as_str()), ("<stdlib>/environment.msp", "rollout"));
        let (path, text, _) = definition_at(&fx, a, "cloud|flare {");
        assert_eq!((path.as_str(), text.as_str()), ("<stdlib>/environment.msp", "cloudflare"));
        // A field of the variant's body.
        let (path, text, _) = definition_at(&fx, a, "{ sub|domain");
        assert_eq!((path.as_str(), text.as_str()), ("<stdlib>/environment.msp", "subdomain"));
        let (path, text, _) = definition_at(&fx, a, "sta|ges");
        assert_eq!((path.as_str(), text.as_str()), ("<stdlib>/service.msp", "stages"));
    }

    #[test]
    fn definition_of_keywords_and_interpolations() {
        let fx = Fixture::new(WORKSPACE);
        let (path, text, _) = definition_at(&fx, "services/a.msp", "ser|vice a");
        assert_eq!((path.as_str(), text.as_str()), ("<stdlib>/service.msp", "Service"));
        let (path, text, _) = definition_at(&fx, "services/b.msp", "jo|b b");
        assert_eq!((path.as_str(), text.as_str()), ("<stdlib>/service.msp", "Service"));
        let (path, text, _) = definition_at(&fx, "platform.msp", "plat|form {");
        assert_eq!((path.as_str(), text.as_str()), ("<stdlib>/platform.msp", "Platform"));
        let (path, text, _) = definition_at(&fx, "services/a.msp", "${environment.proj|ect_id}");
        assert_eq!((path.as_str(), text.as_str()), ("<stdlib>/context.msp", "project_id"));
        let (path, text, _) = definition_at(&fx, "services/a.msp", "${envi|ronment.project_id}");
        assert_eq!((path.as_str(), text.as_str()), ("<stdlib>/context.msp", "EnvironmentContext"));
    }

    #[test]
    fn nothing_to_find_in_strings_numbers_and_space() {
        let fx = Fixture::new(WORKSPACE);
        for needle in [r#""us.gcr.io/ex|ample/a""#, "memory = 4|Gi", "\n|\nservice a", "$|{environment.project_id}"] {
            let (file, offset) = cursor(&fx, if needle.contains("4") { "teams.msp" } else { "services/a.msp" }, needle);
            assert_eq!(definition(fx.db(), fx.ws(), file, offset), vec![], "{needle}");
        }
    }

    fn reference_texts(fx: &Fixture, path: &str, needle: &str, decl: bool) -> Vec<(String, String)> {
        let (file, offset) = cursor(fx, path, needle);
        references(fx.db(), fx.ws(), file, offset, decl)
            .into_iter()
            .map(|l| (fx.path(l.file), fx.text_at(l.file, l.range)))
            .collect()
    }

    #[test]
    fn references_of_a_let_across_files() {
        let fx = Fixture::new(WORKSPACE);
        let refs = reference_texts(&fx, "services/b.msp", "t.log_|env", false);
        let paths: Vec<&str> = refs.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["services/a.msp", "services/b.msp", "teams.msp"], "{refs:?}");
        assert!(refs.iter().all(|(_, t)| t == "log_env"));
        let with_decl = reference_texts(&fx, "teams.msp", "let log_|env", true);
        assert_eq!(with_decl.len(), 4, "{with_decl:?}");
        assert_eq!(with_decl.iter().filter(|(p, _)| p == "teams.msp").count(), 2);
    }

    #[test]
    fn references_of_imports_and_environments() {
        let fx = Fixture::new(WORKSPACE);
        let alias = reference_texts(&fx, "services/a.msp", "as te|ams", false);
        assert_eq!(alias.len(), 3, "{alias:?}");
        assert!(alias.iter().all(|(p, t)| p == "services/a.msp" && t == "teams"));
        assert_eq!(reference_texts(&fx, "services/a.msp", "as te|ams", true).len(), 4);
        let env = reference_texts(&fx, "services/a.msp", "environment pr|od {", true);
        assert_eq!(env, vec![("services/a.msp".to_string(), "prod".to_string()); 2]);
        // `b`'s environment `dev` is another environment.
        let other = reference_texts(&fx, "services/b.msp", "environment d|ev", true);
        assert_eq!(other, vec![("services/b.msp".to_string(), "dev".to_string())]);
    }

    #[test]
    fn references_of_a_stdlib_field_span_the_workspace() {
        let fx = Fixture::new(WORKSPACE);
        let refs = reference_texts(&fx, "services/b.msp", "proj|ect_id", false);
        assert_eq!(refs.iter().filter(|(p, _)| p == "services/a.msp").count(), 2);
        assert_eq!(refs.iter().filter(|(p, _)| p == "services/b.msp").count(), 1);
    }

    /// Applies edits and reloads the workspace from the new texts.
    fn apply(fx: &Fixture, edits: &[TextEdit]) -> Loaded {
        let files = fx
            .ws()
            .files(fx.db())
            .iter()
            .map(|f| {
                let mut text = f.text(fx.db()).clone();
                let mut mine: Vec<&TextEdit> = edits.iter().filter(|e| e.file == f.id(fx.db())).collect();
                mine.sort_by_key(|e| std::cmp::Reverse(e.range.start));
                for e in mine {
                    text.replace_range(e.range.as_usize(), &e.new_text);
                }
                (f.path(fx.db()).clone(), text)
            })
            .collect();
        Loaded::from_files(Database::default(), "/ws".into(), files)
    }

    fn rename_at(fx: &Fixture, path: &str, needle: &str, new: &str) -> Result<Vec<TextEdit>, String> {
        let (file, offset) = cursor(fx, path, needle);
        rename(fx.db(), fx.ws(), file, offset, new)
    }

    #[test]
    fn rename_a_let_used_through_an_import() {
        let fx = Fixture::new(WORKSPACE);
        let (file, offset) = cursor(&fx, "services/a.msp", "..teams.log_|env");
        let range = prepare_rename(fx.db(), fx.ws(), file, offset).expect("renamable");
        assert_eq!(fx.text_at(file.id(fx.db()), range), "log_env");
        let edits = rename_at(&fx, "services/a.msp", "..teams.log_|env", "base_env").expect("renamed");
        assert_eq!(edits.len(), 4, "{edits:?}");
        let after = apply(&fx, &edits);
        assert_clean(&after);
        let teams = after.file("teams.msp").expect("teams").text(&after.db).clone();
        assert!(teams.contains("let base_env = {") && teams.contains("{ ..base_env,"), "{teams}");
        let b = after.file("services/b.msp").expect("b").text(&after.db).clone();
        assert!(b.contains("env        = t.base_env"), "{b}");
    }

    #[test]
    fn rename_an_environment_and_its_stages() {
        let fx = Fixture::new(WORKSPACE);
        let edits = rename_at(&fx, "services/a.msp", "[d|ev, prod]", "staging").expect("renamed");
        assert_eq!(edits.len(), 2);
        let after = apply(&fx, &edits);
        assert_clean(&after);
        let a = after.file("services/a.msp").expect("a").text(&after.db).clone();
        assert!(a.contains("environment staging {") && a.contains("[staging, prod]"), "{a}");
        // `b`'s own `dev` is untouched.
        assert!(after.file("services/b.msp").expect("b").text(&after.db).contains("environment dev {"));
    }

    #[test]
    fn rename_inside_quotes_and_of_import_aliases() {
        let fx = Fixture::new(
            "service q {\n  owners = [\"x\"]\n  description = \"Q\"\n  image = \"us.gcr.io/example/q\"\n  \
             environment \"dev\" {\n    project_id = \"q-${environment.id}-1a2b\"\n    category = test\n    deploy = rollout\n  }\n  \
             rollout { stages = [d$0ev] }\n}\n",
        );
        assert_clean(&fx.loaded);
        let edits = rename(fx.db(), fx.ws(), fx.file, fx.offset, "qa").expect("renamed");
        let after = apply(&fx, &edits);
        assert_clean(&after);
        let text = after.file("services/a.msp").expect("a").text(&after.db).clone();
        assert!(text.contains("environment \"qa\" {") && text.contains("stages = [qa]"), "{text}");

        let fx = Fixture::new(WORKSPACE);
        let edits = rename_at(&fx, "services/b.msp", "as |t", "shared").expect("renamed");
        let after = apply(&fx, &edits);
        assert_clean(&after);
        assert!(after.file("services/b.msp").expect("b").text(&after.db).contains("= shared.log_env"));
    }

    #[test]
    fn rename_refusals() {
        let fx = Fixture::new(WORKSPACE);
        let a = "services/a.msp";
        let refused = |path: &str, needle: &str| {
            let (file, offset) = cursor(&fx, path, needle);
            prepare_rename(fx.db(), fx.ws(), file, offset).expect_err(needle)
        };
        assert!(refused(a, "cat|egory   = test").contains("stdlib"));
        assert!(refused(a, "category   = te|st").contains("stdlib"));
        assert!(refused(a, "ser|vice a").contains("stdlib"));
        assert!(refused(a, "service |a {").contains("service id"));
        assert!(refused(a, "\"us.gcr.io/exa|mple/a\"").contains("no name"));
        assert!(refused(a, "..defaults.inst|ances").contains("path"));

        let err = |needle: &str, new: &str| rename_at(&fx, a, needle, new).expect_err(new);
        assert!(err("= small_|instances", "1small").contains("not a name"));
        assert!(err("= small_|instances", "small instances").contains("not a name"));
        assert!(err("= small_|instances", "true").contains("reserved"));
        assert!(err("= small_|instances", "teams").contains("already defined"));
        assert!(err("= small_|instances", "internal").contains("already defined"));
        assert!(err("[d|ev, prod]", "prod").contains("already has an environment"));
        assert!(err("[d|ev, prod]", "Dev").contains("lowercase letters and digits"));
        assert!(err("[d|ev, prod]", "internal").contains("already defined"));
        assert!(err("[d|ev, prod]", "abcdefghijklmnopqrstu").contains("at most 20"));
        // `owners = ["core", internal]` is a string position: renaming there is fine;
        // a `let` used where `Category` is expected cannot take a variant's name.
        let fx2 = Fixture::new(
            "let cat = test\nservice c {\n  owners = [\"x\"]\n  description = \"C\"\n  image = \"us.gcr.io/example/c\"\n  \
             environment dev {\n    project_id = \"c-dev-1a2b\"\n    category = c$0at\n    deploy = manual\n  }\n}\n",
        );
        let e = rename(fx2.db(), fx2.ws(), fx2.file, fx2.offset, "external").expect_err("shadowed");
        assert!(e.contains("variant of `Category`"), "{e}");
        assert!(rename(fx2.db(), fx2.ws(), fx2.file, fx2.offset, "kind").is_ok());
    }

    /// The examples' `.msp` files, and one with multi-byte characters everywhere.
    pub(crate) fn examples_and_unicode() -> Loaded {
        fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<(String, String)>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir).expect("examples are readable").flatten().collect();
            entries.sort_by_key(|e| e.path());
            for e in entries {
                let path = e.path();
                if path.is_dir() {
                    walk(&path, root, out);
                } else if path.extension().is_some_and(|x| x == "msp") {
                    let rel = path.strip_prefix(root).expect("below the root").to_string_lossy().replace('\\', "/");
                    out.push((rel, std::fs::read_to_string(&path).expect("UTF-8")));
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
        let mut files = Vec::new();
        walk(&root, &root, &mut files);
        assert!(files.len() > 5, "the examples are found");
        files.push(("services/unicode/unicode.msp".into(), UNICODE.into()));
        Loaded::from_files(Database::default(), "/ws".into(), files)
    }

    const UNICODE: &str = "import \"../../teams.msp\" as teams\n\
        // Ünïcödé — 🚀 comment\n\
        /// Dóc 🚀\n\
        let greeting = \"héllo 🚀 ${environment.id} ✓\"\n\
        let é = 1\n\
        service unicode {\n  name = \"Ünicode 🚀\"\n  owners = [teams.core_services, greeting]\n  \
        description = \"\"\"\n    Multi-line é\n    🚀 ${service.id} done\n    \"\"\"\n  image = \"us.gcr.io/ex/ü\"\n  \
        environment dev { project_id = \"u-🚀\", category = tëst, deploy = rollout }\n  \
        environment \"qä\" { category = test }\n  rollout { stages = [dev, \"qä\", greeting] }\n  💥 = 1\n}\n";

    #[test]
    fn no_offset_of_any_example_panics() {
        let loaded = examples_and_unicode();
        let (db, ws) = (&loaded.db, loaded.workspace);
        for &file in ws.files(db) {
            let text = file.text(db);
            let mut found = 0;
            crate::ide::tokens::assert_valid(text, &crate::ide::tokens::semantic_tokens(db, ws, file));
            for f in crate::ide::folding::folding_ranges(db, file) {
                assert!(f.start <= f.end && text.is_char_boundary(f.start as usize), "{f:?}");
                assert!(text.get(f.end as usize..).is_some_and(|rest| !rest.is_empty()), "{f:?}");
            }
            fn symbols_in_bounds(text: &str, symbols: &[crate::ide::symbols::Symbol]) {
                for s in symbols {
                    assert!(text.get(s.range.as_usize()).is_some() && text.get(s.selection.as_usize()).is_some());
                    symbols_in_bounds(text, &s.children);
                }
            }
            symbols_in_bounds(text, &crate::ide::symbols::document_symbols(db, file));
            for offset in 0..=text.len() as u32 + 1 {
                let in_bounds = |l: &Location| {
                    let t = crate::check::stdlib::stdlib()
                        .file(l.file)
                        .map(|f| f.text)
                        .or_else(|| ws.files(db).get(l.file.0 as usize).map(|f| f.text(db).as_str()));
                    t.is_some_and(|t| t.get(l.range.as_usize()).is_some())
                };
                for l in definition(db, ws, file, offset) {
                    found += 1;
                    assert!(in_bounds(&l), "definition at {offset} of {}: {l:?}", file.path(db));
                }
                for l in references(db, ws, file, offset, true) {
                    assert!(in_bounds(&l), "reference at {offset} of {}: {l:?}", file.path(db));
                }
                if let Ok(range) = prepare_rename(db, ws, file, offset) {
                    assert!(text.get(range.as_usize()).is_some());
                    for e in rename(db, ws, file, offset, "renamed").unwrap_or_default() {
                        let l = Location { file: e.file, range: e.range };
                        assert!(in_bounds(&l), "rename at {offset} of {}: {e:?}", file.path(db));
                    }
                }
            }
            assert!(found > 0, "{} has names to go to", file.path(db));
        }
    }

    #[test]
    fn cyclic_and_fanning_out_lets_end() {
        // `a` and `b` spread each other; each `f<i>` spreads `f<i+1>` twice, 2^24 paths.
        let mut text = String::from("let a = { ..b }\nlet b = { ..a }\n");
        for i in 0..24 {
            text.push_str(&format!("let f{i} = {{ ..f{n}, ..f{n} }}\n", n = i + 1));
        }
        text.push_str("let f24 = { x = 1 }\nlet use_a = a.missing\nlet use_f = f0.x\nlet use_g = f0.missing\n");
        let fx = Fixture::new(&format!("$0{text}"));
        let (file, at_a) = cursor(&fx, "services/a.msp", "a.miss|ing\n");
        assert_eq!(definition(fx.db(), fx.ws(), file, at_a), vec![]);
        // Without a budget this would walk 2^24 spreads.
        let (_, at_g) = cursor(&fx, "services/a.msp", "f0.miss|ing");
        assert_eq!(definition(fx.db(), fx.ws(), file, at_g), vec![]);
        // A chain within the budget is followed to the end.
        let (_, at_f) = cursor(&fx, "services/a.msp", "f0.|x");
        let found = definition(fx.db(), fx.ws(), file, at_f);
        assert_eq!(found.len(), 1);
        assert_eq!(fx.text_at(found[0].file, found[0].range), "x");
        let (_, x) = cursor(&fx, "services/a.msp", "{ |x = 1 }");
        assert_eq!(found[0].range.start, x);
    }

    #[test]
    fn truncated_examples_do_not_panic() {
        let loaded = examples_and_unicode();
        let texts: Vec<(String, String)> = loaded
            .workspace
            .files(&loaded.db)
            .iter()
            .map(|f| (f.path(&loaded.db).clone(), f.text(&loaded.db).clone()))
            .collect();
        for (path, text) in &texts {
            let cuts: Vec<usize> = (0..text.len()).step_by(233).filter(|&i| text.is_char_boundary(i)).collect();
            for cut in cuts {
                let mut files = texts.clone();
                if let Some(f) = files.iter_mut().find(|(p, _)| p == path) {
                    f.1.truncate(cut);
                }
                let cut_ws = Loaded::from_files(Database::default(), "/ws".into(), files);
                let (db, ws) = (&cut_ws.db, cut_ws.workspace);
                let file = cut_ws.file(path).expect("still there");
                let short = file.text(db);
                crate::ide::tokens::assert_valid(short, &crate::ide::tokens::semantic_tokens(db, ws, file));
                crate::ide::folding::folding_ranges(db, file);
                crate::ide::symbols::document_symbols(db, file);
                for offset in (0..=short.len() as u32).step_by(11) {
                    definition(db, ws, file, offset);
                    let _ = prepare_rename(db, ws, file, offset);
                }
            }
        }
    }
}
