//! `docs/index.md`: every service, grouped by owner (reference 3.2), and the
//! guidance that applies to all of them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use super::markdown::{code, link, text};
use super::{DocsMeta, links, page_path};
use crate::emit::ops::{self, Scope};
use crate::ir::{Category, Platform, Service};

/// What the index shows of a service: all it reads of one, so that a build
/// that regenerates some services can list the others from a record.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IndexEntry {
    pub id: String,
    pub name: String,
    pub owners: Vec<String>,
    pub environments: usize,
}

impl IndexEntry {
    pub fn of(s: &Service) -> IndexEntry {
        IndexEntry {
            id: s.id.clone(),
            name: s.name.clone(),
            owners: s.owners.clone(),
            environments: s.environments.len(),
        }
    }
}

pub fn index(platform: &Platform, services: &[Arc<Service>], meta: &DocsMeta) -> String {
    let entries: Vec<IndexEntry> = services.iter().map(|s| IndexEntry::of(s)).collect();
    index_of(platform, &entries, meta)
}

/// The index of the services `services` describes, sorted by id.
pub fn index_of(platform: &Platform, services: &[IndexEntry], meta: &DocsMeta) -> String {
    let hb = &platform.handbook;
    let name = text(&hb.platform_name);
    let mut out = format!("# {name} infrastructure\n\n");
    out.push_str(&super::generated_notice(meta, hb.specs_url.as_deref()));
    let envs: usize = services.iter().map(|s| s.environments).sum();
    let _ = writeln!(
        out,
        "These pages contain generated operational guidance for the infrastructure of the **{}** {name} {} **{envs}** {}.",
        services.len(),
        if services.len() == 1 { "service and its" } else { "services and their" },
        if envs == 1 { "environment" } else { "environments" },
    );
    if let Some(help) = super::page::assistance(platform) {
        let _ = writeln!(out, "{help}");
    }
    if let Some(url) = hb.specs_url.as_deref() {
        let _ = writeln!(
            out,
            "Each service is specified in a `.msp` file of the {}.",
            link("service specifications repository", url)
        );
    }
    out.push('\n');
    out.push_str(
        "> [!NOTE]\n> These pages are generated from the service specifications by `mspc build`. \
         If a page looks out of date, regenerate it from the latest specifications. \
         `mspc fleet` summarizes every service, environment and resource in a terminal.\n\n",
    );

    // Owners, sorted; a service with several owners is listed under each.
    let mut by_owner: BTreeMap<&str, Vec<&IndexEntry>> = BTreeMap::new();
    for s in services {
        for o in &s.owners {
            by_owner.entry(o.as_str()).or_default().push(s);
        }
    }
    for (owner, mut owned) in by_owner {
        owned.sort_by(|a, b| a.id.cmp(&b.id));
        let _ = writeln!(out, "## {}\n", text(owner));
        let _ = writeln!(out, "{name} services owned by {}:\n", code(owner));
        for s in owned {
            let file = page_path(&s.id);
            let file = file.trim_start_matches("docs/");
            let _ = writeln!(out, "- {}", link(&text(&s.name), &format!("./{file}")));
        }
        out.push('\n');
    }

    general_guidance(&mut out, platform);
    out.trim_end().to_string() + "\n"
}

fn general_guidance(out: &mut String, platform: &Platform) {
    let hb = &platform.handbook;
    let access = &platform.access;
    let tfc = &platform.terraform_cloud;
    let _ = writeln!(out, "## General guidance\n");

    // Only when the platform says where to request access.
    let mut rows = Vec::new();
    for c in [Category::Test, Category::Internal, Category::External] {
        if let Some(req) = access.for_category(c) {
            let mut cells = Vec::new();
            if let Some(u) = &req.read {
                cells.push(link("read access", u));
            }
            if let Some(u) = &req.write {
                cells.push(link("write access", u));
            }
            if !cells.is_empty() {
                rows.push((format!("**{}** ('{}' folder)", c.as_str(), text(&req.folder_name)), cells.join(", ")));
            }
        }
    }
    if !rows.is_empty() {
        let _ = writeln!(out, "### Infrastructure access\n");
        let _ = writeln!(
            out,
            "Access to {} infrastructure is requested using {} for time-bound privileges. \
             Each environment's section on its service's page links the request templates for its category.\n",
            text(&hb.platform_name),
            text(&access.tool)
        );
        out.push_str(&super::markdown::table(
            ["CATEGORY", &format!("{} REQUEST TEMPLATES", text(&access.tool.to_uppercase()))],
            &rows,
        ));
        out.push('\n');
    }

    let _ = writeln!(out, "### Terraform Cloud access\n");
    let login = links::terraform_cloud(&tfc.organization);
    let _ = write!(
        out,
        "Every service environment's Terraform Cloud workspaces live in the {} organization, \
         one per stack, named `{}-<service>-<environment>-<stack>`; each environment's section lists its own.",
        link(&code(&tfc.organization), &login),
        tfc.prefix
    );
    match (&tfc.operators_team, &access.terraform_cloud) {
        (Some(team), Some(request)) => {
            let _ = write!(
                out,
                " The \"{}\" team has access to all of them: {}, then {}.",
                text(team),
                link("log in to Terraform Cloud", &login),
                link(&format!("request membership using {}", text(&access.tool)), request)
            );
        }
        (Some(team), None) => {
            let _ = write!(out, " The \"{}\" team has access to all of them.", text(team));
        }
        (None, Some(request)) => {
            let _ = write!(
                out,
                " {}, then {}.",
                link("Log in to Terraform Cloud", &login),
                link(&format!("request access using {}", text(&access.tool)), request)
            );
        }
        (None, None) => {}
    }
    let all = ops::tfc_tag(platform, Scope::All);
    let _ = writeln!(
        out,
        "\n\nThey all carry the tag {} ({}); a service's also carry {}, and an environment's {}. \
         `mspc tfc view` opens the list, narrowed to a service or an environment when given one:\n\n\
         ```bash\n{}\n{}\n```",
        code(&all),
        link("view them", &ops::tfc_view_url(platform, Scope::All)),
        code(&ops::tfc_tag(platform, Scope::Service("<service>"))),
        code(&ops::tfc_tag(platform, Scope::Environment("<service>", "<environment>"))),
        ops::tfc_view_command(Scope::All),
        ops::tfc_view_command(Scope::Environment("<service>", "<environment>")),
    );
}
