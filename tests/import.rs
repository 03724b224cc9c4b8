//! `mspc import`: MSP `service.yaml` → `.msp`.
//!
//! Each fixture under `tests/fixtures/import/valid/<name>/` is imported; the
//! output must equal its reviewed `expected.msp` (`MSPC_BLESS=1` rewrites
//! them), be formatted, check clean beside the fixtures' platform, and lower
//! to the IR the YAML implies: the YAML is read again here with saphyr's own
//! loader and compared field by field with `ir::Service`.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{TempDir, code, mspc, stderr, stdout};
use mspc_compiler::diagnostics::{FileId, render};
use mspc_compiler::import::mapping::{Conv, RULES, YSeg, yaml_segments};
use mspc_compiler::import::{self, Options};
use mspc_compiler::ir;
use saphyr::{LoadableYamlNode, Yaml};

fn valid_dirs() -> Vec<PathBuf> {
    common::entries(&common::repo_root().join("tests/fixtures/import/valid"))
}

struct OneFile<'a>(&'a str);

impl mspc_compiler::diagnostics::SourceMap for OneFile<'_> {
    fn path(&self, _: FileId) -> String {
        "service.yaml".into()
    }
    fn text(&self, _: FileId) -> &str {
        self.0
    }
}

fn import_dir(dir: &Path) -> (String, String, Vec<(String, String)>) {
    let text = std::fs::read_to_string(dir.join("service.yaml")).unwrap();
    let got = import::import(&text, FileId(0), &Options::default());
    assert!(got.diagnostics.is_empty(), "{}:\n{}", dir.display(), render::short(&got.diagnostics, &OneFile(&text)));
    (got.id.unwrap(), got.msp.unwrap(), got.generated)
}

/// The imported file in a workspace with the fixtures' platform and the
/// files carried along (README, BigQuery schemas).
fn workspace(dir: &Path, id: &str, msp: &str, generated: &[(String, String)]) -> mspc_compiler::db::load::Loaded {
    let mut files = vec![
        ("platform.msp".to_string(), common::shared_platform()),
        (format!("services/{id}/{id}.msp"), msp.to_string()),
    ];
    files.extend(generated.iter().map(|(name, text)| (format!("services/{id}/{name}"), text.clone())));
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name == "README.md" || name.ends_with(".bigquerytable.json") {
            files.push((format!("services/{id}/{name}"), std::fs::read_to_string(&p).unwrap()));
        }
    }
    common::load(files)
}

#[test]
fn valid_fixtures_import_format_check_and_match_their_yaml() {
    let dirs = valid_dirs();
    assert!(dirs.len() >= 6, "at least six import fixtures");
    let bless = std::env::var_os("MSPC_BLESS").is_some();
    for dir in &dirs {
        let (id, msp, generated) = import_dir(dir);
        let golden = dir.join("expected.msp");
        if bless {
            std::fs::write(&golden, &msp).unwrap();
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        assert_eq!(msp, expected, "{}: the import differs from expected.msp", dir.display());
        assert_eq!(mspc_compiler::fmt::format(&msp).unwrap(), msp, "{}: not formatted", dir.display());

        let loaded = workspace(dir, &id, &msp, &generated);
        let result = loaded.result();
        let errors: Vec<_> = result.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
        assert!(errors.is_empty(), "{}:\n{}", dir.display(), render::short(&errors, &loaded));
        let service = result.services.iter().find(|s| s.id == id).expect("the service lowers");
        let yaml = &Yaml::load_from_str(&std::fs::read_to_string(dir.join("service.yaml")).unwrap()).unwrap()[0];
        assert_service(yaml, service);
    }
}

// ---------------------------------------------------------------- the YAML, read independently

fn get<'a>(y: &'a Yaml<'a>, path: &str) -> Option<&'a Yaml<'a>> {
    let mut cur = y;
    for key in path.split('.') {
        cur = cur.as_mapping_get(key)?;
    }
    (!cur.is_null()).then_some(cur)
}

fn s<'a>(y: &'a Yaml<'a>, path: &str) -> Option<&'a str> {
    get(y, path).and_then(|v| v.as_str())
}

fn int(y: &Yaml, path: &str) -> Option<i64> {
    get(y, path).and_then(|v| v.as_integer())
}

fn boolean(y: &Yaml, path: &str) -> Option<bool> {
    get(y, path).and_then(|v| v.as_bool())
}

fn strings(y: &Yaml, path: &str) -> Vec<String> {
    get(y, path)
        .and_then(|v| v.as_vec())
        .map(|v| v.iter().map(|i| i.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn mib(memory: &str) -> u64 {
    match memory.strip_suffix("Gi") {
        Some(g) => g.parse::<u64>().unwrap() * 1024,
        None => memory.strip_suffix("Mi").unwrap().parse().unwrap(),
    }
}

fn secret(name: &str) -> ir::SecretRef {
    let parts: Vec<&str> = name.split('/').collect();
    match parts.as_slice() {
        ["projects", p, "secrets", n] => ir::SecretRef { project: Some(p.to_string()), name: n.to_string() },
        _ => ir::SecretRef { project: None, name: name.to_string() },
    }
}

fn assert_service(y: &Yaml, svc: &ir::Service) {
    let id = s(y, "service.id").unwrap();
    assert_eq!(svc.id, id);
    assert_eq!(svc.name, s(y, "service.name").unwrap_or(id));
    assert_eq!(svc.kind, if s(y, "service.kind") == Some("job") { ir::Kind::Job } else { ir::Kind::Service });
    assert_eq!(svc.owners, strings(y, "service.owners"));
    assert_eq!(svc.description, s(y, "service.description").unwrap());
    assert_eq!(svc.handbook_page, s(y, "service.notionPageID").map(|p| format!("{}{p}", import::NOTION_BASE)));
    let h2c = s(y, "service.protocol") == Some("h2c");
    assert_eq!(svc.protocol, if h2c { ir::Protocol::H2c } else { ir::Protocol::Http1 });
    assert_eq!(svc.iam.services, strings(y, "service.iam.services"));
    assert_eq!(svc.iam.roles, strings(y, "service.iam.roles"));
    assert_eq!(svc.iam.permissions, strings(y, "service.iam.permissions"));
    assert_eq!(svc.image, s(y, "build.image").unwrap());
    assert_eq!(
        svc.source,
        s(y, "build.source.repo")
            .map(|repo| ir::Source { repo: repo.into(), dir: s(y, "build.source.dir").unwrap_or(".").into() })
    );
    let envs = get(y, "environments").unwrap().as_vec().unwrap();
    assert_eq!(svc.environments.len(), envs.len());
    for e in envs {
        let env = svc.environments.iter().find(|x| x.id == s(e, "id").unwrap()).expect("every environment");
        assert_environment(e, env, svc);
    }
    match get(y, "rollout") {
        None => assert_eq!(svc.rollout, None),
        Some(r) => {
            let rollout = svc.rollout.as_ref().unwrap();
            let stages: Vec<String> = r
                .as_mapping_get("stages")
                .unwrap()
                .as_vec()
                .unwrap()
                .iter()
                .map(|st| s(st, "environment").unwrap().into())
                .collect();
            assert_eq!(rollout.stages, stages);
            assert_eq!(rollout.suspended, boolean(r, "suspended").unwrap_or(false));
            assert_eq!(rollout.service_account.as_deref(), s(r, "serviceAccount"));
            assert_eq!(rollout.initial_image_tag, s(r, "initialImageTag").unwrap_or("insiders"));
        }
    }
    assert_eq!(svc.monitoring.nobl9, boolean(y, "monitoring.nobl9").unwrap_or(false));
    let ratios = get(y, "monitoring.alerts.responseCodeRatios").and_then(|v| v.as_vec()).cloned().unwrap_or_default();
    assert_eq!(svc.monitoring.response_code_alerts.len(), ratios.len());
    for (a, r) in svc.monitoring.response_code_alerts.iter().zip(&ratios) {
        assert_eq!(a.id, s(r, "id").unwrap());
        assert_eq!(a.name, s(r, "name").unwrap());
        assert_eq!(a.description.as_deref(), s(r, "description"));
        assert_eq!(a.code.map(i64::from), int(r, "code"));
        assert_eq!(a.code_class.as_deref(), s(r, "codeClass"));
        assert_eq!(a.exclude_codes, strings(r, "excludeCodes"));
        let ratio = get(r, "ratio").unwrap();
        assert_eq!(a.ratio, ratio.as_floating_point().or(ratio.as_integer().map(|i| i as f64)).unwrap());
        // Older specs: a Go duration string of whole minutes.
        let old = s(r, "duration").map(|d| d.trim_end_matches('s').parse::<i64>().unwrap() / 60);
        assert_eq!(a.duration_minutes as i64, int(r, "durationMinutes").or(old).unwrap_or(1));
    }
    let custom = get(y, "monitoring.alerts.customAlerts").and_then(|v| v.as_vec()).cloned().unwrap_or_default();
    assert_eq!(svc.monitoring.custom_alerts.len(), custom.len());
    for (a, c) in svc.monitoring.custom_alerts.iter().zip(&custom) {
        assert_eq!(a.name, s(c, "name").unwrap());
        assert_eq!(a.description.as_deref(), s(c, "description"));
        let critical = s(c, "severityLevel") == Some("CRITICAL");
        assert_eq!(a.severity, if critical { ir::AlertSeverity::Critical } else { ir::AlertSeverity::Warning });
        // Older specs: the query under its language's key, the duration a string.
        let promql = s(c, "condition.type") == Some("promql") || s(c, "promQLQuery").is_some();
        assert_eq!(a.query_language, if promql { ir::QueryLanguage::Promql } else { ir::QueryLanguage::Mql });
        assert_eq!(a.query, s(c, "condition.query").or(s(c, "promQLQuery")).or(s(c, "mqlQuery")).unwrap());
        let old = s(c, "duration").map(|d| d.trim_end_matches('s').parse::<i64>().unwrap() / 60);
        assert_eq!(a.duration_minutes as i64, int(c, "condition.durationMinutes").or(old).unwrap_or(1));
    }
}

fn assert_environment(e: &Yaml, env: &ir::Environment, svc: &ir::Service) {
    let what = format!("{}, environment {}", svc.id, env.id);
    assert_eq!(env.project_id, s(e, "projectID").unwrap(), "{what}");
    let category = s(e, "category").unwrap();
    assert_eq!(env.category.as_str(), category, "{what}");
    let deploy = match s(e, "deploy.type").unwrap() {
        "manual" => ir::Deploy::Manual { tag: s(e, "deploy.manual.tag").unwrap_or("insiders").into() },
        "subscription" => ir::Deploy::Subscription { tag: s(e, "deploy.subscription.tag").unwrap().into() },
        _ => ir::Deploy::Rollout,
    };
    assert_eq!(env.deploy, deploy, "{what}");
    assert_eq!(env.region, s(e, "locations.gcpRegion").unwrap_or("us-central1"), "{what}");

    assert_eq!(env.instances.cpu as i64, int(e, "instances.resources.cpu").unwrap_or(1), "{what}");
    assert_eq!(env.instances.memory_mib, mib(s(e, "instances.resources.memory").unwrap_or("512Mi")), "{what}");
    let generation = int(e, "instances.resources.cloudRunGeneration")
        .map(|g| if g == 1 { ir::Generation::Gen1 } else { ir::Generation::Gen2 });
    assert_eq!(env.instances.generation, generation, "{what}");
    if svc.kind == ir::Kind::Service {
        let scaling = env.instances.scaling.as_ref().unwrap();
        assert_eq!(scaling.min as i64, int(e, "instances.scaling.minCount").unwrap_or(0), "{what}");
        assert_eq!(scaling.max as i64, int(e, "instances.scaling.maxCount").unwrap_or(5), "{what}");
        assert_eq!(
            scaling.concurrency as i64,
            int(e, "instances.scaling.maxRequestConcurrency").unwrap_or(1000),
            "{what}"
        );
    }

    let dns = env.domain.as_ref().map(|d| d.dns_name.clone()).unwrap_or_default();
    let plain: std::collections::BTreeMap<String, String> = get(e, "env")
        .and_then(|m| m.as_mapping())
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = v
                        .as_str()
                        .unwrap()
                        .replace("{{ .ProjectID }}", &env.project_id)
                        .replace("{{ .ServiceDnsName }}", &dns);
                    (k.as_str().unwrap().to_string(), v)
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(env.env, plain, "{what}");
    let secrets: std::collections::BTreeMap<String, ir::SecretRef> = get(e, "secretEnv")
        .and_then(|m| m.as_mapping())
        .map(|m| m.iter().map(|(k, v)| (k.as_str().unwrap().to_string(), secret(v.as_str().unwrap()))).collect())
        .unwrap_or_default();
    assert_eq!(env.secret_env, secrets, "{what}");
    let volumes: std::collections::BTreeMap<String, ir::SecretVolume> = get(e, "secretVolumes")
        .and_then(|m| m.as_mapping())
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let volume = ir::SecretVolume {
                        mount_path: s(v, "mountPath").unwrap().into(),
                        secret: secret(s(v, "secret").unwrap()),
                    };
                    (k.as_str().unwrap().to_string(), volume)
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(env.secret_volumes, volumes, "{what}");

    let redis = get(e, "resources.redis").map(|r| ir::Redis {
        memory_gb: int(r, "memoryGB").unwrap_or(1) as u64,
        high_availability: boolean(r, "highAvailability").unwrap_or(s(r, "tier") == Some("STANDARD_HA")),
    });
    assert_eq!(env.redis, redis, "{what}");
    match get(e, "resources.postgreSQL") {
        None => assert_eq!(env.postgres, None, "{what}"),
        Some(p) => {
            let pg = env.postgres.as_ref().unwrap();
            assert_eq!(pg.databases, strings(p, "databases"), "{what}");
            assert_eq!(pg.cpu as i64, int(p, "cpu").unwrap_or(1), "{what}");
            assert_eq!(pg.memory_gb as i64, int(p, "memoryGB").unwrap_or(4), "{what}");
            assert_eq!(pg.max_connections.map(i64::from), int(p, "maxConnections"), "{what}");
            assert_eq!(pg.high_availability, boolean(p, "highAvailability").unwrap_or(false), "{what}");
            let publications = get(p, "logicalReplication.publications").and_then(|v| v.as_vec()).map(|v| {
                v.iter()
                    .map(|p| ir::Publication {
                        name: s(p, "name").unwrap().into(),
                        database: s(p, "database").unwrap().into(),
                        tables: strings(p, "tables"),
                    })
                    .collect::<Vec<_>>()
            });
            assert_eq!(pg.logical_replication.as_ref().map(|l| l.publications.clone()), publications, "{what}");
        }
    }
    match get(e, "resources.bigQueryDataset").or(get(e, "resources.bigQueryTable")) {
        None => assert_eq!(env.bigquery, None, "{what}"),
        Some(b) => {
            let bq = env.bigquery.as_ref().unwrap();
            let tables: Vec<String> = bq.tables.iter().map(|t| t.name.clone()).collect();
            // Older specs' one table: `tableID`, its columns inline.
            let named = match s(b, "tableID") {
                Some(t) => vec![t.to_string()],
                None => strings(b, "tables"),
            };
            assert_eq!(tables, named, "{what}");
            if let Some(columns) = get(b, "schema") {
                let schema: serde_json::Value = serde_json::from_str(&bq.tables[0].schema_json).unwrap();
                let names: Vec<&str> = schema.as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
                let written: Vec<&str> =
                    columns.as_vec().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
                assert_eq!(names, written, "{what}: the inline schema");
            }
            assert_eq!(
                bq.dataset_id,
                s(b, "datasetID").map(String::from).unwrap_or(svc.id.replace('-', "_")),
                "{what}"
            );
            assert_eq!(bq.project_id, s(b, "projectID").unwrap_or(&env.project_id), "{what}");
            // Older specs: the dataset's `region`, in BigQuery's names (`US`, `EU`).
            let location = match s(e, "locations.gcpLocation").or(s(b, "region")).unwrap_or("us").to_lowercase() {
                l if l == "eu" => "europe".to_string(),
                l => l,
            };
            assert_eq!(bq.location, location, "{what}");
        }
    }
    match s(e, "domain.type") {
        Some("cloudflare") => {
            let d = env.domain.as_ref().unwrap();
            assert_eq!(d.subdomain, s(e, "domain.cloudflare.subdomain").unwrap(), "{what}");
            assert_eq!(d.zone, s(e, "domain.cloudflare.zone").unwrap(), "{what}");
            assert_eq!(d.proxied, boolean(e, "domain.cloudflare.proxied").unwrap_or(true), "{what}");
            assert_eq!(
                d.load_balancer_logging,
                boolean(e, "domain.networking.loadBalancerLogging").unwrap_or(false),
                "{what}"
            );
        }
        _ => assert_eq!(env.domain, None, "{what}"),
    }
    let probes = if let Some(h) = get(e, "healthProbes") {
        Some((
            boolean(h, "healthzProbes").unwrap_or(true),
            int(h, "timeout"),
            int(h, "startupInterval"),
            int(h, "livenessInterval"),
        ))
    } else if get(e, "startupProbe").is_some() || get(e, "livenessProbe").is_some() {
        let timeout = int(e, "startupProbe.timeout").or(int(e, "livenessProbe.timeout"));
        Some((
            !boolean(e, "startupProbe.disabled").unwrap_or(false),
            timeout,
            int(e, "startupProbe.interval"),
            int(e, "livenessProbe.interval"),
        ))
    } else {
        None
    };
    match probes {
        None => assert_eq!(env.health_probes, None, "{what}"),
        Some((false, ..)) => assert_eq!(env.health_probes, Some(ir::HealthProbes { healthz: None }), "{what}"),
        Some((true, timeout, startup, liveness)) => {
            let t = timeout.unwrap_or(3) as u64;
            let healthz = ir::Healthz {
                timeout_seconds: t,
                startup_interval_seconds: startup.map_or(t, |v| v as u64),
                liveness_interval_seconds: liveness.map_or((t * 10).min(3600), |v| v as u64),
            };
            assert_eq!(env.health_probes, Some(ir::HealthProbes { healthz: Some(healthz) }), "{what}");
        }
    }
    let auth = match get(e, "authentication") {
        None if svc.kind == ir::Kind::Job => ir::Authentication::Restricted,
        None => ir::Authentication::Public,
        Some(a) if boolean(a, "sourcegraph") == Some(true) => ir::Authentication::Organization,
        Some(_) => ir::Authentication::Restricted,
    };
    assert_eq!(env.authentication, auth, "{what}");
    assert_eq!(env.opsgenie, boolean(e, "alerting.opsgenie").unwrap_or(category != "test"), "{what}");
    assert_eq!(env.allow_destroys, boolean(e, "allowDestroys").unwrap_or(false), "{what}");
    if svc.kind == ir::Kind::Job {
        let schedule = env.schedule.as_ref().unwrap();
        assert_eq!(schedule.cron.as_deref(), s(e, "schedule.cron"), "{what}");
        let deadline = int(e, "deadlineSeconds").or(int(e, "schedule.deadline")).unwrap_or(300);
        assert_eq!(schedule.deadline_seconds as i64, deadline, "{what}");
    }
}

// ---------------------------------------------------------------- coverage of the mapping table

fn concrete_paths(y: &Yaml, path: &mut Vec<YSeg<'static>>, out: &mut Vec<Vec<String>>, names: &mut Vec<String>) {
    let here: Vec<String> = path
        .iter()
        .map(|s| match s {
            YSeg::Key(k) => k.to_string(),
            YSeg::AnyKey => "*".into(),
            YSeg::AnyIndex => "[]".into(),
        })
        .collect();
    out.push(here);
    if let Some(m) = y.as_mapping() {
        for (k, v) in m {
            names.push(k.as_str().unwrap().to_string());
            let key: &'static str = Box::leak(k.as_str().unwrap().to_string().into_boxed_str());
            path.push(YSeg::Key(key));
            concrete_paths(v, path, out, names);
            path.pop();
        }
    } else if let Some(items) = y.as_vec() {
        for item in items {
            path.push(YSeg::AnyIndex);
            concrete_paths(item, path, out, names);
            path.pop();
        }
    }
}

/// Every key of the mapping table is exercised by a valid fixture, except
/// those that cannot import (they have invalid fixtures).
#[test]
fn the_valid_fixtures_cover_every_mapped_key() {
    let mut seen = Vec::new();
    for dir in valid_dirs() {
        let text = std::fs::read_to_string(dir.join("service.yaml")).unwrap();
        let y = &Yaml::load_from_str(&text).unwrap()[0];
        concrete_paths(y, &mut Vec::new(), &mut seen, &mut Vec::new());
    }
    let mut missing = Vec::new();
    for rule in RULES {
        if matches!(rule.conv, Conv::Unsupported(_)) {
            continue;
        }
        let pattern = yaml_segments(rule.yaml);
        let hit = seen.iter().any(|p| {
            p.len() == pattern.len()
                && p.iter().zip(&pattern).all(|(c, s)| match s {
                    YSeg::Key(k) => c == k,
                    YSeg::AnyKey => c != "[]",
                    YSeg::AnyIndex => c == "[]",
                })
        });
        if !hit {
            missing.push(rule.yaml);
        }
    }
    assert!(missing.is_empty(), "no valid import fixture uses: {}", missing.join(", "));
}

// ---------------------------------------------------------------- lifting and templates

#[test]
fn shared_settings_are_lifted_and_templates_become_interpolation() {
    let dir = common::repo_root().join("tests/fixtures/import/valid/fuller");
    let (_, msp, _) = import_dir(&dir);
    // Alignment aside: runs of spaces count as one.
    let squeeze = |t: &str| t.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    let defaults = squeeze(&msp[msp.find("  defaults {").unwrap()..msp.find("  environment dev").unwrap()]);
    for shared in [
        "deploy = rollout",
        "region = us-west1",
        "BUCKET = \"${environment.project_id}-uploads\"",
        "EXTERNAL_URL = \"https://${environment.dns_name}\"",
        "LITERAL = \"\\${NOT_INTERPOLATED}\"",
        "secret_volumes credentials {",
        "// the same everywhere",
    ] {
        assert!(defaults.contains(shared), "`{shared}` is not in defaults:\n{defaults}");
    }
    let prod = squeeze(&msp[msp.find("  environment prod").unwrap()..]);
    assert!(prod.contains("project_id = \"msp-testbed-prod-77c1\""), "{prod}");
    assert!(prod.contains("authentication = organization"), "{prod}");
    assert!(!prod.contains("BUCKET"), "{prod}");
    // A spec's own leading comment stays with the service, the tool directive goes.
    assert!(msp.starts_with("// The test bed of the platform: every feature at once.\nservice msp-testbed {"), "{msp}");
}

#[test]
fn a_dns_name_without_a_domain_is_empty_as_in_msp() {
    let yaml = "service: {id: a, owners: [x], description: d}\nbuild: {image: us.gcr.io/p/a}\nenvironments:\n  - id: dev\n    projectID: a-dev-1234\n    category: test\n    deploy: {type: manual}\n    instances: {resources: {cpu: 1, memory: 512Mi}}\n    env: {URL: \"https://{{ .ServiceDnsName }}/x\"}\n";
    let got = import::import(yaml, FileId(0), &Options::default());
    assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
    assert!(got.msp.unwrap().contains("URL = \"https:///x\""));
}

// ---------------------------------------------------------------- the command line

fn fixture_yaml(name: &str) -> String {
    std::fs::read_to_string(common::repo_root().join(format!("tests/fixtures/import/valid/{name}/service.yaml")))
        .unwrap()
}

#[test]
fn cli_writes_beside_the_yaml_and_never_overwrites_without_force() {
    let tmp = TempDir::new("import-default");
    tmp.write(&[
        ("svc/service.yaml".into(), fixture_yaml("init-example")),
        ("svc/README.md".into(), "# Msp Example\n".into()),
    ]);
    let o = mspc(tmp.path(), &["import", "svc/service.yaml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let written = std::fs::read_to_string(tmp.path().join("svc/msp-example.msp")).unwrap();
    assert!(written.starts_with("service msp-example {"), "{written}");

    std::fs::write(tmp.path().join("svc/msp-example.msp"), "// mine\n").unwrap();
    let o = mspc(tmp.path(), &["import", "svc/service.yaml"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(tmp.path().join("svc/msp-example.msp")).unwrap(), "// mine\n");

    let o = mspc(tmp.path(), &["import", "--force", "svc/service.yaml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(tmp.path().join("svc/msp-example.msp")).unwrap(), written);
}

#[test]
fn cli_stdout_and_out_carry_the_readme_and_tables() {
    let tmp = TempDir::new("import-out");
    let dir = common::repo_root().join("tests/fixtures/import/valid/fuller");
    let mut files = Vec::new();
    for name in ["service.yaml", "README.md", "example.bigquerytable.json"] {
        files.push((format!("in/{name}"), std::fs::read_to_string(dir.join(name)).unwrap()));
    }
    tmp.write(&files);
    let o = mspc(tmp.path(), &["import", "--stdout", "in/service.yaml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), std::fs::read_to_string(dir.join("expected.msp")).unwrap());
    assert!(!tmp.path().join("in/msp-testbed.msp").exists(), "--stdout writes no file");

    let o = mspc(tmp.path(), &["import", "in/service.yaml", "--out", "ws/services/testbed/testbed.msp"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = tmp.path().join("ws/services/testbed");
    assert!(out.join("testbed.msp").is_file());
    assert_eq!(std::fs::read_to_string(out.join("README.md")).unwrap(), files[1].1);
    assert_eq!(std::fs::read_to_string(out.join("example.bigquerytable.json")).unwrap(), files[2].1);

    // The result checks inside a workspace.
    std::fs::write(tmp.path().join("ws/platform.msp"), common::shared_platform()).unwrap();
    let o = mspc(&tmp.path().join("ws"), &["check"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn cli_tree_converts_every_service() {
    let tmp = TempDir::new("import-tree");
    tmp.write(&[
        ("services/msp-example/service.yaml".into(), fixture_yaml("init-example")),
        ("services/gatekeeper/service.yaml".into(), fixture_yaml("subscription")),
        (
            "services/gatekeeper/audit_log.bigquerytable.json".into(),
            std::fs::read_to_string(
                common::repo_root().join("tests/fixtures/import/valid/subscription/audit_log.bigquerytable.json"),
            )
            .unwrap(),
        ),
        ("services/notes.txt".into(), "not a service".into()),
    ]);
    let o = mspc(tmp.path(), &["import", "--tree", "."]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(tmp.path().join("services/msp-example/msp-example.msp").is_file());
    assert!(tmp.path().join("services/gatekeeper/gatekeeper.msp").is_file());
    // A second run refuses, for each file, and changes nothing.
    let o = mspc(tmp.path(), &["import", "--tree", "."]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("gatekeeper.msp"), "{}", stderr(&o));
    let o = mspc(tmp.path(), &["import", "--tree", ".", "--force"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    std::fs::write(tmp.path().join("platform.msp"), common::shared_platform()).unwrap();
    let o = mspc(tmp.path(), &["check"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn cli_reports_bad_yaml_at_its_lines_and_exits_1() {
    let tmp = TempDir::new("import-bad");
    let cases: &[(&str, &str, &str)] = &[
        (
            "unknown key",
            "service: {id: a, owners: [x], description: d}\nbuild: {image: us.gcr.io/p/a}\nenvironments:\n  - id: dev\n    projectId: a-dev-1234\n",
            "service.yaml:5:5: W0013",
        ),
        ("wrong type", "service: {id: a, owners: x, description: d}\n", "service.yaml:1:26: E0403"),
        (
            "bad value",
            "service: {id: a, owners: [x], description: d}\nbuild: {image: us.gcr.io/p/a}\nenvironments:\n  - id: dev\n    projectID: a-dev-1234\n    category: staging\n",
            "service.yaml:6:15: E0404",
        ),
        ("broken syntax", "service:\n  id: [a\nbuild: x\n", "service.yaml:3:"),
    ];
    for (what, yaml, expected) in cases {
        tmp.write(&[("service.yaml".into(), yaml.to_string())]);
        let o = mspc(tmp.path(), &["import", "--format", "short", "service.yaml"]);
        assert_eq!(code(&o), 1, "{what}: {}", stderr(&o));
        assert!(stdout(&o).contains(expected), "{what}: expected `{expected}` in\n{}", stdout(&o));
        assert!(!tmp.path().join("a.msp").exists(), "{what}: nothing is written");
    }
    // The terminal format shows the YAML line itself.
    tmp.write(&[("service.yaml".into(), cases[0].1.to_string())]);
    let o = mspc(tmp.path(), &["import", "service.yaml"]);
    assert!(stdout(&o).contains("projectId: a-dev-1234"), "{}", stdout(&o));
    assert!(stdout(&o).contains("did you mean `projectID`?"), "{}", stdout(&o));
}

#[test]
fn hostile_yaml_is_refused_without_panicking() {
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..15 {
        let p = i - 1;
        bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    let inputs = [
        bomb,
        "[".repeat(50_000),
        "a: ".repeat(5_000),
        "- ".repeat(5_000),
        String::new(),
        "---\n---\n".into(),
        "service: *nothing\n".into(),
        "\u{0}\u{1}: [".into(),
        "environments: [{id: dev, deploy: {type: subscription}}, {id: dev}]\nrollout: {stages: [{environment: nope}, 3]}\n".into(),
    ];
    let started = std::time::Instant::now();
    let mut codes = BTreeSet::new();
    for text in &inputs {
        let got = import::import(text, FileId(0), &Options::default());
        assert!(got.msp.is_none(), "{text:.60}");
        assert!(!got.diagnostics.is_empty(), "{text:.60}");
        codes.extend(got.diagnostics.iter().map(|d| d.code.as_str()));
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "hostile input took {:?}", started.elapsed());
    assert!(codes.contains("E0401"), "{codes:?}");
}

// ---------------------------------------------------------------- MSP's optional blocks and nulls

/// A spec of one `dev` environment with `extra` (YAML lines at the
/// environment's indentation) and `top` (top-level lines).
fn spec(extra: &str, top: &str) -> String {
    let extra: String = extra.lines().map(|l| format!("    {l}\n")).collect();
    format!(
        "service: {{id: tiny, owners: [core-services], description: Tiny}}\nbuild: {{image: us.gcr.io/example/tiny}}\nenvironments:\n  - id: dev\n    projectID: tiny-dev-1a2b\n    category: test\n    deploy: {{type: manual}}\n    instances: {{resources: {{cpu: 1, memory: 1Gi}}}}\n{extra}{top}"
    )
}

/// The IR of the `dev` environment a spec imports to, checked clean.
fn dev_ir(yaml: &str) -> ir::Environment {
    let got = import::import(yaml, FileId(0), &Options::default());
    assert!(got.diagnostics.is_empty(), "{yaml}\n{}", render::short(&got.diagnostics, &OneFile(yaml)));
    let msp = got.msp.unwrap();
    let loaded = common::load(vec![
        ("platform.msp".into(), common::shared_platform()),
        ("services/tiny/tiny.msp".into(), msp.clone()),
    ]);
    let result = loaded.result();
    let errors: Vec<_> = result.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
    assert!(errors.is_empty(), "{msp}\n{}", render::short(&errors, &loaded));
    let service = result.services.iter().find(|s| s.id == "tiny").expect("the service lowers");
    service.environments.iter().find(|e| e.id == "dev").unwrap().clone()
}

/// The import's errors: (code, line of the YAML).
fn import_errors(yaml: &str) -> Vec<(String, usize)> {
    let got = import::import(yaml, FileId(0), &Options::default());
    got.diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.code.as_str().to_string(), yaml[..d.primary.span.range.start as usize].matches('\n').count() + 1))
        .collect()
}

#[test]
fn an_empty_redis_block_is_a_redis_with_its_defaults() {
    for written in ["resources: {redis: {}}", "resources: {redis: null}", "resources:\n  redis:"] {
        let env = dev_ir(&spec(written, ""));
        let redis = env.redis.unwrap_or_else(|| panic!("`{written}` lost the Redis instance"));
        assert_eq!((redis.memory_gb, redis.high_availability), (1, false), "{written}");
    }
    assert!(dev_ir(&spec("", "")).redis.is_none(), "no block, no Redis");
}

#[test]
fn an_empty_replication_block_prepares_the_database_for_replication() {
    let env = dev_ir(&spec("resources:\n  postgreSQL:\n    databases: [main]\n    logicalReplication: {}", ""));
    let pg = env.postgres.expect("the database");
    assert_eq!(pg.databases, ["main"]);
    assert_eq!(pg.logical_replication.expect("replication").publications.len(), 0);
}

#[test]
fn an_empty_health_probes_block_configures_the_default_probes() {
    let env = dev_ir(&spec("healthProbes: {}", ""));
    let probes = env.health_probes.expect("the probes");
    assert!(probes.healthz.is_some(), "healthz is on by default: {probes:?}");
    assert!(dev_ir(&spec("", "")).health_probes.is_none());
}

#[test]
fn an_empty_scaling_block_keeps_the_default_scaling() {
    let with = dev_ir(&spec("", "").replace(
        "instances: {resources: {cpu: 1, memory: 1Gi}}",
        "instances: {resources: {cpu: 1, memory: 1Gi}, scaling: {}}",
    ));
    assert_eq!(with.instances.scaling, dev_ir(&spec("", "")).instances.scaling);
}

/// Blocks MSP requires something in are errors at their YAML line when left
/// empty, never a silent drop.
#[test]
fn an_empty_block_missing_what_msp_requires_is_an_error_at_its_line() {
    let cases = [
        ("resources:\n  postgreSQL: {}", "", 10),
        ("resources:\n  bigQueryDataset: ~", "", 10),
        ("resources:\n  bigQueryDataset: {datasetID: abc}", "", 10),
        ("", "rollout: {}\n", 9),
    ];
    for (extra, top, line) in cases {
        let yaml = spec(extra, top);
        assert_eq!(import_errors(&yaml), [("E0405".to_string(), line)], "{yaml}");
    }
    // A list MSP refuses empty.
    let yaml = spec("", "rollout:\n  stages: []\n").replace("type: manual", "type: rollout");
    assert_eq!(import_errors(&yaml), [("E0404".to_string(), 10)], "{yaml}");
}

#[test]
fn a_null_environment_variable_is_the_empty_string() {
    let env = dev_ir(&spec("env: {EMPTY: , TILDE: ~, SET: x}", ""));
    assert_eq!(env.env.get("EMPTY").map(String::as_str), Some(""));
    assert_eq!(env.env.get("TILDE").map(String::as_str), Some(""));
    assert_eq!(env.env.get("SET").map(String::as_str), Some("x"));
}

/// A tree with one bad spec: the others are still written, the bad one is
/// named with its errors, and the exit code is 1. Specs named one by one stay
/// all or nothing.
#[test]
fn cli_tree_writes_every_spec_it_can_and_names_the_others() {
    let tmp = TempDir::new("import-tree-partial");
    tmp.write(&[
        ("services/msp-example/service.yaml".into(), fixture_yaml("init-example")),
        ("services/broken/service.yaml".into(), spec("resources:\n  postgreSQL: {}", "").replace("tiny", "broken")),
    ]);
    let o = mspc(tmp.path(), &["import", "--tree", "."]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(tmp.path().join("services/msp-example/msp-example.msp").is_file(), "the good spec was not written");
    assert!(!tmp.path().join("services/broken/broken.msp").exists());
    assert!(stdout(&o).contains("E0405") && stdout(&o).contains("postgreSQL"), "{}", stdout(&o));
    assert!(stderr(&o).contains("1 spec was not written") && stderr(&o).contains("broken"), "{}", stderr(&o));
    // Named one by one: nothing is written.
    std::fs::remove_file(tmp.path().join("services/msp-example/msp-example.msp")).unwrap();
    let o = mspc(tmp.path(), &["import", "services/msp-example/service.yaml", "services/broken/service.yaml"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(!tmp.path().join("services/msp-example/msp-example.msp").exists());
    assert!(stderr(&o).contains("nothing was written"), "{}", stderr(&o));
    // A tree of only bad specs writes nothing either.
    std::fs::remove_dir_all(tmp.path().join("services/msp-example")).unwrap();
    let o = mspc(tmp.path(), &["import", "--tree", "."]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing was written"), "{}", stderr(&o));
}

/// MSP ignores keys it does not define; so does the import, with a warning
/// at the key's line, keeping the key and its value as a comment in the
/// `.msp`, on its environment or on the service.
#[test]
fn an_unknown_key_is_a_warning_and_kept_as_a_comment() {
    let yaml = spec(
        "authentication: {google: true}\nfuture:\n  nested: 1\n  list: [a, b]",
        "rollout:\n  stages:\n    - environment: dev\n      wait: 5m\nteamNotes: hello\n",
    )
    .replace("deploy: {type: manual}", "deploy: {type: rollout}");
    let got = import::import(&yaml, FileId(0), &Options::default());
    let warnings: Vec<(String, usize)> = got
        .diagnostics
        .iter()
        .map(|d| {
            assert!(!d.is_error(), "{}", render::short(&got.diagnostics, &OneFile(&yaml)));
            (d.code.as_str().to_string(), yaml[..d.primary.span.range.start as usize].matches('\n').count() + 1)
        })
        .collect();
    let w = |line: usize| ("W0013".to_string(), line);
    assert_eq!(warnings, [w(9), w(10), w(16), w(17)]);
    let msp = got.msp.expect("the spec converts");
    for kept in [
        "//   google: true",
        "//   future:",
        "//     nested: 1",
        "//     list: [a, b]",
        "//   wait: 5m",
        "//   teamNotes: hello",
    ] {
        assert!(msp.contains(kept), "`{kept}` not kept in\n{msp}");
    }
    // The environment's keys above the environment, the others above the service.
    let env_at = msp.find("environment dev").unwrap();
    assert!(
        msp.find("//   future:").unwrap() < env_at
            && msp.find("service tiny").unwrap() < msp.find("//   future:").unwrap()
    );
    assert!(msp.find("//   teamNotes: hello").unwrap() < msp.find("service tiny").unwrap());
    // MSP reads `authentication: {google: true}` as an empty block: no access configured.
    assert!(msp.contains("authentication = restricted"), "{msp}");
    // And it checks clean: the kept keys are only comments.
    let loaded = common::load(vec![
        ("platform.msp".into(), common::shared_platform()),
        ("services/tiny/tiny.msp".into(), msp.clone()),
    ]);
    let result = loaded.result();
    assert!(result.diagnostics.iter().all(|d| !d.is_error()), "{}", render::short(&result.diagnostics, &loaded));
    assert_eq!(result.services.len(), 1);
    let o = {
        let tmp = TempDir::new("import-unknown");
        tmp.write(&[("service.yaml".into(), yaml.clone())]);
        let o = mspc(tmp.path(), &["import", "service.yaml"]);
        assert!(tmp.path().join("tiny.msp").is_file(), "{}", stderr(&o));
        o
    };
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// MSP accepts a repository with its scheme; so does the import, and the
/// page links to it as written.
#[test]
fn a_source_repository_with_a_scheme_is_kept_as_written() {
    let yaml = spec("", "").replace(
        "build: {image: us.gcr.io/example/tiny}",
        "build: {image: us.gcr.io/example/tiny, source: {repo: \"https://github.com/org/repo\", dir: cmd/tiny}}",
    );
    let got = import::import(&yaml, FileId(0), &Options::default());
    assert!(got.diagnostics.is_empty(), "{}", render::short(&got.diagnostics, &OneFile(&yaml)));
    let msp = got.msp.unwrap();
    let loaded =
        common::load(vec![("platform.msp".into(), common::shared_platform()), ("services/tiny/tiny.msp".into(), msp)]);
    let result = loaded.result();
    let service = result.services.iter().find(|s| s.id == "tiny").expect("it checks and lowers");
    assert_eq!(service.source.as_ref().unwrap().repo, "https://github.com/org/repo");
}

/// YAML merge keys, as yaml.v3 resolves them: the environment's own keys win.
#[test]
fn merge_keys_are_resolved_as_msp_reads_them() {
    let yaml = "base: &base\n  category: internal\n  deploy: {type: manual}\n  instances: {resources: {cpu: 2, memory: 2Gi}}\n  env: {A: base}\nservice: {id: tiny, owners: [core-services], description: Tiny}\nbuild: {image: us.gcr.io/example/tiny}\nenvironments:\n  - id: dev\n    projectID: tiny-dev-1a2b\n    <<: *base\n    category: test\n  - id: prod\n    projectID: tiny-prod-1a2b\n    <<: [*base, {env: {A: ignored}, allowDestroys: true}]\n";
    let got = import::import(yaml, FileId(0), &Options::default());
    assert!(got.diagnostics.iter().all(|d| !d.is_error()), "{}", render::short(&got.diagnostics, &OneFile(yaml)));
    let msp = got.msp.unwrap();
    let loaded = common::load(vec![
        ("platform.msp".into(), common::shared_platform()),
        ("services/tiny/tiny.msp".into(), msp.clone()),
    ]);
    let result = loaded.result();
    let service = result.services.iter().find(|s| s.id == "tiny").unwrap_or_else(|| panic!("{msp}"));
    let env = |id: &str| service.environments.iter().find(|e| e.id == id).unwrap();
    assert_eq!(env("dev").category, ir::Category::Test, "the environment's own key wins");
    assert_eq!(env("prod").category, ir::Category::Internal);
    assert_eq!((env("prod").instances.cpu, env("dev").instances.cpu), (2, 2));
    assert_eq!(env("prod").env.get("A").map(String::as_str), Some("base"), "the first source wins");
    assert!(env("prod").allow_destroys);
}

/// Keys MSP requires though mspc has a default for them: an import that
/// quietly took the default would build what MSP refuses.
#[test]
fn keys_msp_requires_are_errors_at_their_block_even_where_mspc_has_a_default() {
    let no_instances = spec("", "").replace("    instances: {resources: {cpu: 1, memory: 1Gi}}\n", "");
    assert_eq!(import_errors(&no_instances), [("E0405".to_string(), 4)], "{no_instances}");
    let no_memory = spec("", "").replace("cpu: 1, memory: 1Gi", "cpu: 1");
    assert_eq!(import_errors(&no_memory), [("E0405".to_string(), 8)], "{no_memory}");
    let job = |extra: &str| spec(extra, "").replace("id: tiny,", "id: tiny, kind: job,");
    for schedule in ["schedule: {}", "schedule:", "schedule: {deadline: 60}"] {
        assert_eq!(import_errors(&job(schedule)), [("E0405".to_string(), 9)], "{schedule}");
    }
    assert!(import_errors(&job("schedule: {cron: '0 * * * *'}")).is_empty());
    assert_eq!(import_errors(&spec("locations: {gcpRegion: us-west1}", "")), [("E0405".to_string(), 9)]);
    let alert = |severity: &str| {
        spec(
            "",
            &format!(
                "monitoring:\n  alerts:\n    customAlerts:\n      - name: Backlog\n        {severity}condition: {{type: mql, query: fetch x}}\n"
            ),
        )
    };
    assert_eq!(import_errors(&alert("")), [("E0405".to_string(), 12)]);
    assert_eq!(import_errors(&alert("severityLevel: INFO\n        ")).len(), 1, "an invalid severity is refused too");
    assert!(import_errors(&alert("severityLevel: CRITICAL\n        ")).is_empty());
}

/// Every region Cloud Run, Cloud SQL and Memorystore share is accepted, not
/// only MSP's starter list.
#[test]
fn regions_beyond_msps_starter_list_are_accepted() {
    for region in ["europe-west4", "me-central2", "southamerica-west1", "us-east5"] {
        let env = dev_ir(&spec(&format!("locations: {{gcpRegion: {region}, gcpLocation: US}}"), ""));
        assert_eq!(env.region, region);
    }
    assert_eq!(import_errors(&spec("locations: {gcpRegion: mars-north1, gcpLocation: us}", "")).len(), 1);
}

/// The guide's map from MSP YAML to `.msp` (docs/language.md, §12) names
/// every key the import reads, older names included.
#[test]
fn the_guides_yaml_map_names_every_key_the_import_reads() {
    let guide = std::fs::read_to_string(common::repo_root().join("docs/language.md")).unwrap();
    let start = guide.find("## 12. From MSP YAML to `.msp`").expect("§12");
    let section = &guide[start..start + guide[start..].find("\n## 13.").unwrap_or(guide.len() - start)];
    // Every word of every code span of the section.
    let mut words = std::collections::BTreeSet::new();
    for (i, span) in section.split('`').enumerate() {
        if i % 2 == 1 {
            words
                .extend(span.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string));
        }
    }
    let missing: Vec<&str> = mspc_compiler::import::mapping::RULES
        .iter()
        .map(|r| r.yaml)
        .filter(|yaml| {
            let last = yaml.trim_end_matches("[]").rsplit('.').find(|s| *s != "*").unwrap().trim_end_matches("[]");
            !words.contains(last)
        })
        .collect();
    assert!(missing.is_empty(), "docs/language.md §12 does not name: {missing:?}");
}

/// An older spec's table with its columns inline: the import writes them
/// as the schema file the `.msp` side reads, and the result checks.
#[test]
fn cli_writes_an_inline_table_schema_as_its_file() {
    let tmp = TempDir::new("import-inline-schema");
    let dir = common::repo_root().join("tests/fixtures/import/valid/old-names");
    tmp.write(&[(
        "ws/services/legacy/service.yaml".into(),
        std::fs::read_to_string(dir.join("service.yaml")).unwrap(),
    )]);
    std::fs::write(tmp.path().join("ws/platform.msp"), common::shared_platform()).unwrap();
    let o = mspc(tmp.path(), &["import", "ws/services/legacy/service.yaml"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let schema = std::fs::read_to_string(tmp.path().join("ws/services/legacy/events.bigquerytable.json")).unwrap();
    let columns: serde_json::Value = serde_json::from_str(&schema).unwrap();
    assert_eq!(columns[0]["name"], "id");
    assert_eq!(columns[0]["mode"], "REQUIRED");
    assert_eq!(columns[0]["description"], "The event's id");
    assert_eq!(columns[1]["type"], "TIMESTAMP");
    std::fs::remove_file(tmp.path().join("ws/services/legacy/service.yaml")).unwrap();
    let o = mspc(&tmp.path().join("ws"), &["check"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}
