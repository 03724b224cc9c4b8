//! Where an image lives in Google's registries, as Artifact Registry names
//! it: what a plan-time lookup of a tag's digest needs. Container Registry
//! hosts (`gcr.io` and its regional hosts) are Artifact Registry
//! repositories named after the host, in the host's multi-region.

/// An image in Artifact Registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryImage {
    pub project: String,
    /// The repository's location: a region or a multi-region.
    pub location: String,
    pub repository: String,
    /// The image's path inside the repository.
    pub name: String,
}

/// The Artifact Registry coordinates of an image repository written without
/// tag or digest, or `None` for another registry (Docker Hub, GHCR, …).
pub fn registry_image(image: &str) -> Option<RegistryImage> {
    let (host, path) = image.split_once('/')?;
    let segments: Vec<&str> = path.split('/').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return None;
    }
    if let Some(location) = host.strip_suffix("-docker.pkg.dev") {
        let [project, repository, name @ ..] = segments.as_slice() else { return None };
        if location.is_empty() || name.is_empty() {
            return None;
        }
        return Some(RegistryImage {
            project: project.to_string(),
            location: location.to_string(),
            repository: repository.to_string(),
            name: name.join("/"),
        });
    }
    let location = match host {
        "gcr.io" | "us.gcr.io" => "us",
        "eu.gcr.io" => "europe",
        "asia.gcr.io" => "asia",
        _ => return None,
    };
    let [project, name @ ..] = segments.as_slice() else { return None };
    if name.is_empty() {
        return None;
    }
    Some(RegistryImage {
        project: project.to_string(),
        location: location.into(),
        repository: host.into(),
        name: name.join("/"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(image: &str) -> Option<(String, String, String, String)> {
        registry_image(image).map(|i| (i.project, i.location, i.repository, i.name))
    }

    #[test]
    fn artifact_registry_and_container_registry_hosts() {
        let t = |a: &str, b: &str, c: &str, d: &str| Some((a.into(), b.into(), c.into(), d.into()));
        assert_eq!(parts("us-docker.pkg.dev/sg-images/msp/testbed"), t("sg-images", "us", "msp", "testbed"));
        assert_eq!(
            parts("europe-west4-docker.pkg.dev/p/r/team/app"),
            t("p", "europe-west4", "r", "team/app"),
            "nested image paths are the image's name"
        );
        assert_eq!(
            parts("us.gcr.io/sourcegraph-dev/gatekeeper"),
            t("sourcegraph-dev", "us", "us.gcr.io", "gatekeeper")
        );
        assert_eq!(parts("gcr.io/p/a/b"), t("p", "us", "gcr.io", "a/b"));
        assert_eq!(parts("eu.gcr.io/p/a"), t("p", "europe", "eu.gcr.io", "a"));
        assert_eq!(parts("asia.gcr.io/p/a"), t("p", "asia", "asia.gcr.io", "a"));
    }

    #[test]
    fn other_registries_and_incomplete_paths_are_none() {
        for image in [
            "index.docker.io/sourcegraph/app",
            "ghcr.io/org/app",
            "registry.example.com:5000/app",
            "us-docker.pkg.dev/p/r",
            "us.gcr.io/p",
            "-docker.pkg.dev/p/r/a",
            "gcr.io/p//a",
        ] {
            assert_eq!(registry_image(image), None, "{image}");
        }
    }
}
