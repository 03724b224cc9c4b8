//! The stdlib type of a `.msp` path of the mapping table: where the importer
//! learns each field's type and constraints.

use indexmap::IndexMap;

use crate::check::schema::{FieldDef, Ty};
use crate::check::stdlib::stdlib;

/// The field a path ends at, and the type at its end (the element type when
/// the path ends in `*` or `[]`).
pub fn lookup(msp: &str) -> Option<(&'static FieldDef, Ty)> {
    let index = &stdlib().index;
    let mut fields: &'static IndexMap<String, FieldDef> = &index.schema("Service").fields;
    let mut current: Option<(&'static FieldDef, Ty)> = None;
    for seg in msp.split('.').filter(|s| !s.is_empty()) {
        if let Some((def, ty)) = &current {
            match (ty, seg) {
                (Ty::Map(t), "*" | "<env>") | (Ty::List(t), "[]") => {
                    current = Some((def, (**t).clone()));
                    continue;
                }
                (Ty::Schema(n), _) => fields = &index.schema(n).fields,
                _ => return None,
            }
        }
        let (name, variant) = match seg.split_once(':') {
            Some((n, v)) => (n, Some(v)),
            None => (seg, None),
        };
        let def = fields.get(name)?;
        current = Some((def, def.ty.clone()));
        if let Some(variant) = variant {
            let Ty::Union(u) = &def.ty else { return None };
            let union = index.enum_def(u);
            // `*`: whichever variant the YAML names; the ones that share a
            // field declare it alike (`mql` and `promql`).
            let v = if variant == "*" {
                union.variants.iter().find(|v| v.fields.is_some())?
            } else {
                union.variant(variant)?
            };
            fields = v.fields.as_ref()?;
            current = None;
        }
    }
    current
}

/// Fields of type `map<record>`: written as labeled blocks.
pub fn labeled_fields() -> Vec<String> {
    let mut out = Vec::new();
    for s in stdlib().index.schemas.values() {
        for f in s.fields.values() {
            if let Ty::Map(t) = &f.ty
                && matches!(**t, Ty::Schema(_))
                && !out.contains(&f.name)
            {
                out.push(f.name.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mapped_path_has_a_type() {
        for rule in super::super::mapping::RULES {
            let path = rule.msp;
            if path.is_empty() || path.ends_with("<env>") {
                continue;
            }
            assert!(lookup(path).is_some(), "{path} is not in the stdlib");
        }
        assert_eq!(lookup("environment.<env>.instances.memory").unwrap().1, Ty::Size);
        assert_eq!(lookup("environment.<env>.env.*").unwrap().1, Ty::String);
        assert_eq!(lookup("environment.<env>.deploy:manual.tag").unwrap().1, Ty::String);
        assert!(labeled_fields().contains(&"environment".to_string()));
    }
}
