//! "Did you mean" suggestions from edit distance.

/// The candidate closest to `name`, if it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    let lower = name.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| {
            let d = strsim::damerau_levenshtein(&lower, &c.to_lowercase());
            // `_` and `-` and case differences are cheap: `allow-destroys` → `allow_destroys`.
            let norm = |s: &str| s.to_lowercase().replace(['-', '_'], "");
            let d = if norm(name) == norm(c) { 0 } else { d };
            (d, c)
        })
        .filter(|(d, c)| *d <= limit || strsim::jaro_winkler(&lower, &c.to_lowercase()) > 0.9)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_but_not_strangers() {
        let fields = ["region", "project_id", "category", "allow_destroys"];
        assert_eq!(closest("regoin", fields), Some("region"));
        assert_eq!(closest("projectID", fields), Some("project_id"));
        assert_eq!(closest("allowDestroys", fields), Some("allow_destroys"));
        assert_eq!(closest("banana", fields), None);
    }
}
