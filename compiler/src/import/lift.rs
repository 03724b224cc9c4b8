//! Lifting what every environment shares into `defaults`.
//!
//! The inverse of the checker's deep merge (docs/language.md §7.3): records
//! and maps are lifted field by field, a union's settings when every
//! environment has the same variant, anything else only when it is equal
//! everywhere. Each environment keeps what differs.

use super::comments::Comment;
use super::model::{Entry, Record, Value};

/// Moves what all `envs` share into the returned `defaults`.
pub fn lift(envs: &mut [&mut Record]) -> Record {
    if envs.len() < 2 {
        return Record::default();
    }
    let shared = {
        let views: Vec<&Record> = envs.iter().map(|e| &**e).collect();
        common(&views)
    };
    let mut defaults = shared.clone();
    for env in envs.iter_mut() {
        remove(env, &shared, &mut defaults);
    }
    defaults
}

fn common(records: &[&Record]) -> Record {
    let mut out = Record::default();
    let first = records[0];
    for (name, entry) in &first.entries {
        let Some(all): Option<Vec<&Entry>> = records.iter().map(|r| r.entries.get(name)).collect() else { continue };
        let lifted = match &entry.value {
            Value::Record(_) => {
                let subs: Option<Vec<&Record>> = all
                    .iter()
                    .map(|e| match &e.value {
                        Value::Record(r) => Some(r),
                        _ => None,
                    })
                    .collect();
                subs.and_then(|subs| {
                    if subs.iter().all(|r| r.entries.is_empty()) {
                        return Some(Value::Record(Record::default()));
                    }
                    let sub = common(&subs);
                    (!sub.entries.is_empty()).then_some(Value::Record(sub))
                })
            }
            Value::Variant(tag, _) => {
                let subs: Option<Vec<&Record>> = all
                    .iter()
                    .map(|e| match &e.value {
                        Value::Variant(t, r) if t == tag => Some(r),
                        _ => None,
                    })
                    .collect();
                subs.and_then(|subs| {
                    if subs.iter().all(|r| r.entries.is_empty()) {
                        return Some(Value::Variant(tag.clone(), Record::default()));
                    }
                    // A bare tag in `defaults` could lack settings its variant
                    // requires, so lift the variant only with some settings.
                    let sub = common(&subs);
                    (!sub.entries.is_empty()).then(|| Value::Variant(tag.clone(), sub))
                })
            }
            v => all.iter().all(|e| e.value.same(v)).then(|| v.clone()),
        };
        if let Some(value) = lifted {
            out.entries.insert(name.clone(), Entry { value, comments: Vec::new(), range: entry.range });
        }
    }
    out
}

/// Takes `shared` out of `env`; an entry that is left empty goes, and its
/// comments move to `defaults`.
fn remove(env: &mut Record, shared: &Record, defaults: &mut Record) {
    for (name, lifted) in &shared.entries {
        let Some(entry) = env.entries.get_mut(name) else { continue };
        let Some(target) = defaults.entries.get_mut(name) else { continue };
        let emptied = match (&mut entry.value, &lifted.value, &mut target.value) {
            (Value::Record(r), Value::Record(l), Value::Record(t))
            | (Value::Variant(_, r), Value::Variant(_, l), Value::Variant(_, t))
                if !l.entries.is_empty() =>
            {
                remove(r, l, t);
                r.entries.is_empty()
            }
            _ => true,
        };
        if emptied && let Some(gone) = env.entries.shift_remove(name) {
            merge_comments(&mut target.comments, gone.comments);
        }
    }
}

fn merge_comments(into: &mut Vec<Comment>, from: Vec<Comment>) {
    for c in from {
        if !into.contains(&c) {
            into.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::TextRange;

    fn entry(value: Value) -> Entry {
        Entry { value, comments: Vec::new(), range: TextRange::default() }
    }

    fn rec(fields: &[(&str, Value)]) -> Record {
        Record { entries: fields.iter().map(|(k, v)| (k.to_string(), entry(v.clone()))).collect(), range: None }
    }

    fn lit(s: &str) -> Value {
        Value::Lit(s.into())
    }

    #[test]
    fn shared_leaves_are_lifted_and_differences_stay() {
        let mut a = rec(&[
            ("category", lit("test")),
            ("instances", Value::Record(rec(&[("cpu", lit("1")), ("memory", lit("1Gi"))]))),
            ("domain", Value::Variant("cloudflare".into(), rec(&[("zone", Value::Str("a.com".into()))]))),
        ]);
        let mut b = rec(&[
            ("category", lit("test")),
            ("instances", Value::Record(rec(&[("cpu", lit("2")), ("memory", lit("1Gi"))]))),
            ("domain", Value::Variant("cloudflare".into(), rec(&[("zone", Value::Str("b.com".into()))]))),
        ]);
        let defaults = lift(&mut [&mut a, &mut b]);
        assert_eq!(defaults.entries.keys().collect::<Vec<_>>(), ["category", "instances"]);
        assert!(defaults.record("instances").unwrap().entries.contains_key("memory"));
        assert!(!defaults.record("instances").unwrap().entries.contains_key("cpu"));
        assert_eq!(a.entries.keys().collect::<Vec<_>>(), ["instances", "domain"]);
        assert_eq!(a.record("instances").unwrap().entries.keys().collect::<Vec<_>>(), ["cpu"]);
    }

    #[test]
    fn one_environment_keeps_everything() {
        let mut a = rec(&[("category", lit("test"))]);
        assert!(lift(&mut [&mut a]).entries.is_empty());
        assert_eq!(a.entries.len(), 1);
    }
}
