//! A custom domain: a global external Application Load Balancer in front of
//! the Cloud Run service (whose ingress admits only load balancers), its
//! certificate, Cloud Armor for proxied production domains, and the
//! Cloudflare DNS record (reference 2.4, "Domain").

use super::Parts;
use super::service::SERVICE;
use crate::emit::terraform::ctx::Ctx;
use crate::emit::terraform::hcl::{Blk, Expr, b, call, list, n, obj, r, s, strs};
use crate::emit::terraform::providers::{Provider, credential};
use crate::ir::Domain;

/// GCP's limit on Compute Engine resource names.
const NAME_MAX: usize = 63;
/// `name_prefix` of an SSL certificate may be at most this long.
const NAME_PREFIX_MAX: usize = 54;
/// Cloud Armor accepts at most this many source ranges in one rule.
const RANGES_PER_RULE: i64 = 10;
/// Allow rules take priorities from here upwards, one per chunk of ranges.
const ALLOW_PRIORITY: i64 = 4000;
/// The default rule's priority (the lowest possible).
const DEFAULT_RULE_PRIORITY: i64 = 2_147_483_647;
/// The classic global external Application Load Balancer, as MSP builds
/// it: the scheme cannot change in place (it replaces the backend service
/// and the rules, or takes GCP's staged migration), so an environment MSP
/// built is taken over as it is. The backend service's scheme must match
/// the rules'.
const SCHEME: &str = "EXTERNAL";

pub fn add(ctx: &Ctx<'_>, parts: &mut Parts) {
    let Some(domain) = &ctx.env.domain else { return };
    if ctx.is_job() {
        return;
    }
    let project = s(ctx.project_id());
    let cloud_armor = domain.proxied && ctx.env.category.is_production();

    let certificate = certificate(ctx, domain, parts);

    parts.add(
        Blk::resource("google_compute_region_network_endpoint_group", "cloud_run")
            .set("project", project.clone())
            .set("name", s(ctx.lb_name("", NAME_MAX)))
            .set("region", s(ctx.region()))
            .set("network_endpoint_type", s("SERVERLESS"))
            .block(Blk::new("cloud_run").set("service", r(format!("{SERVICE}.name")))),
    );

    if cloud_armor {
        parts.add(Blk::data("cloudflare_ip_ranges", "cloudflare"));
        parts.add(security_policy(ctx));
    }

    let mut log_config = Blk::new("log_config").set("enable", b(domain.load_balancer_logging));
    if domain.load_balancer_logging {
        log_config = log_config.set("sample_rate", Expr::Float(1.0));
    }
    parts.add(
        Blk::resource("google_compute_backend_service", "load_balancer")
            .set("project", project.clone())
            .set("name", s(ctx.lb_name("", NAME_MAX)))
            .set("protocol", s("HTTP"))
            .set("load_balancing_scheme", s(SCHEME))
            .set_opt("security_policy", cloud_armor.then(|| r("google_compute_security_policy.cloudflare.id")))
            .block(Blk::new("backend").set("group", r("google_compute_region_network_endpoint_group.cloud_run.id")))
            .block(log_config)
            .lifecycle(create_before_destroy()),
    );
    parts.add(
        Blk::resource("google_compute_url_map", "load_balancer")
            .set("project", project.clone())
            .set("name", s(ctx.lb_name("", NAME_MAX)))
            .set("default_service", r("google_compute_backend_service.load_balancer.id")),
    );
    parts.add(
        Blk::resource("google_compute_ssl_policy", "load_balancer")
            .set("project", project.clone())
            .set("name", s(ctx.lb_name("https", NAME_MAX)))
            .set("profile", s("MODERN"))
            .set("min_tls_version", s("TLS_1_2")),
    );
    parts.add(
        Blk::resource("google_compute_target_https_proxy", "load_balancer")
            .set("project", project.clone())
            .set("name", s(ctx.lb_name("https", NAME_MAX)))
            .set("url_map", r("google_compute_url_map.load_balancer.id"))
            .set("ssl_certificates", list([certificate]))
            .set("ssl_policy", r("google_compute_ssl_policy.load_balancer.id")),
    );
    parts.add(
        Blk::resource("google_compute_global_address", "load_balancer")
            .set("project", project.clone())
            // MSP's name: the address is the environment's public IP, kept
            // across a take-over only if its name is.
            .set("name", s("loadbalancer"))
            .set("address_type", s("EXTERNAL"))
            .set("ip_version", s("IPV4"))
            .set("labels", ctx.labels()),
    );
    parts.add(forwarding_rule(ctx, "https", "", "443", "google_compute_target_https_proxy.load_balancer.id"));

    // Without Cloudflare in front, browsers reach the load balancer directly:
    // send plain HTTP to HTTPS. (Cloudflare redirects at its edge, and a port
    // 80 listener behind it would loop under its "Flexible" TLS mode.) The
    // extra rule stays within the flat price of a project's first five.
    if !domain.proxied {
        parts.add(
            Blk::resource("google_compute_url_map", "https_redirect")
                .set("project", project.clone())
                .set("name", s(ctx.lb_name("https-redirect", NAME_MAX)))
                .block(
                    Blk::new("default_url_redirect")
                        .set("https_redirect", b(true))
                        .set("redirect_response_code", s("MOVED_PERMANENTLY_DEFAULT"))
                        .set("strip_query", b(false)),
                ),
        );
        parts.add(
            Blk::resource("google_compute_target_http_proxy", "https_redirect")
                .set("project", project.clone())
                .set("name", s(ctx.lb_name("http", NAME_MAX)))
                .set("url_map", r("google_compute_url_map.https_redirect.id")),
        );
        parts.add(forwarding_rule(ctx, "http", "http", "80", "google_compute_target_http_proxy.https_redirect.id"));
    }

    dns_record(ctx, domain, parts);
}

/// The certificate the HTTPS proxy serves, as a reference. Both kinds are
/// replaced before they are destroyed, so each replacement needs a new name.
fn certificate(ctx: &Ctx<'_>, domain: &Domain, parts: &mut Parts) -> Expr {
    let project = s(ctx.project_id());
    if domain.proxied {
        // Cloudflare's shared origin certificate, trusted only by Cloudflare:
        // visitors see Cloudflare's edge certificate.
        let cf = &ctx.platform.cloudflare;
        parts.add(credential(ctx, "cloudflare_origin_certificate", &cf.origin_certificate_secret));
        parts.add(credential(ctx, "cloudflare_origin_key", &cf.origin_key_secret));
        parts.add(
            Blk::resource("google_compute_ssl_certificate", "cloudflare_origin")
                .set("project", project)
                .set("name_prefix", s(format!("{}-", ctx.lb_name("origin", NAME_PREFIX_MAX - 1))))
                .set("description", s(format!("Cloudflare origin certificate for {}", domain.dns_name)))
                .set(
                    "certificate",
                    r("data.google_secret_manager_secret_version.cloudflare_origin_certificate.secret_data"),
                )
                .set("private_key", r("data.google_secret_manager_secret_version.cloudflare_origin_key.secret_data"))
                .lifecycle(create_before_destroy()),
        );
        r("google_compute_ssl_certificate.cloudflare_origin.id")
    } else {
        // A new domain gets a new suffix, so the new certificate can be
        // provisioned while the old one still serves.
        // Declared as MSP declares it, so a certificate MSP made keeps its name.
        parts.add(
            Blk::resource("random_id", "managed_certificate")
                .set("byte_length", n(4))
                .set("prefix", s("managed-cert-"))
                .set("keepers", obj([("domain", s(domain.dns_name.clone()))])),
        );
        parts.add(
            Blk::resource("google_compute_managed_ssl_certificate", "managed")
                .set("project", project)
                .set("name", r("random_id.managed_certificate.hex"))
                .set("description", s(format!("Google-managed certificate for {}", domain.dns_name)))
                .block(Blk::new("managed").set("domains", strs([domain.dns_name.as_str()])))
                .lifecycle(create_before_destroy()),
        );
        r("google_compute_managed_ssl_certificate.managed.id")
    }
}

fn forwarding_rule(ctx: &Ctx<'_>, name: &str, suffix: &str, port: &str, target: &str) -> Blk {
    Blk::resource("google_compute_global_forwarding_rule", name)
        .set("project", s(ctx.project_id()))
        .set("name", s(ctx.lb_name(suffix, NAME_MAX)))
        .set("ip_address", r("google_compute_global_address.load_balancer.address"))
        .set("ip_protocol", s("TCP"))
        .set("port_range", s(port))
        .set("load_balancing_scheme", s(SCHEME))
        .set("target", r(target))
        .set("labels", ctx.labels())
}

/// Admits only Cloudflare, so a proxied production service cannot be
/// reached around Cloudflare's protections by its load balancer's address.
fn security_policy(ctx: &Ctx<'_>) -> Blk {
    let src_ips = |ranges: Expr| {
        Blk::new("match").set("versioned_expr", s("SRC_IPS_V1")).block(Blk::new("config").set("src_ip_ranges", ranges))
    };
    Blk::resource("google_compute_security_policy", "cloudflare")
        .comment("checkov:skip=CKV_GCP_73:only Cloudflare's ranges are admitted, and Cloudflare's WAF blocks Log4j lookups at the edge")
        .set("project", s(ctx.project_id()))
        .set("name", s(ctx.lb_name("security-policy", NAME_MAX)))
        .set("description", s("Admit only Cloudflare's IPv4 ranges"))
        .set("type", s("CLOUD_ARMOR"))
        .block(
            // Cloudflare publishes its ranges; they are read at plan time so a
            // new range is admitted on the next apply.
            Blk::labeled("dynamic", &["rule"])
                .set(
                    "for_each",
                    call("chunklist", [r("data.cloudflare_ip_ranges.cloudflare.ipv4_cidrs"), n(RANGES_PER_RULE)]),
                )
                .block(
                    Blk::new("content")
                        .set("action", s("allow"))
                        .set("priority", call("sum", [list([n(ALLOW_PRIORITY), r("rule.key")])]))
                        .set("description", s("Cloudflare IPv4 ranges"))
                        .block(src_ips(r("rule.value"))),
                ),
        )
        .block(
            Blk::new("rule")
                .set("action", s("deny(403)"))
                .set("priority", n(DEFAULT_RULE_PRIORITY))
                .set("description", s("Deny everything else"))
                .block(src_ips(strs(["*"]))),
        )
}

/// An `A` record for the load balancer's address, in the zone found by name.
fn dns_record(ctx: &Ctx<'_>, domain: &Domain, parts: &mut Parts) {
    parts.providers.insert(Provider::Cloudflare);
    parts.add(Blk::data("cloudflare_zone", "domain").set("filter", obj([("name", s(domain.zone.clone()))])));
    parts.add(
        Blk::resource("cloudflare_dns_record", "domain")
            .set("zone_id", r("data.cloudflare_zone.domain.zone_id"))
            // Provider v5 keeps the record's full name in state, as the API
            // returns it; a bare subdomain would show as a change on every plan.
            .set("name", s(domain.dns_name.clone()))
            .set("type", s("A"))
            .set("content", r("google_compute_global_address.load_balancer.address"))
            .set("proxied", b(domain.proxied))
            // 1 is "automatic", the only value a proxied record accepts.
            .set("ttl", n(1))
            .set("comment", s("Managed Services Platform service"))
            .set(
                "tags",
                strs([
                    "msp:true".to_string(),
                    format!("msp-service:{}", ctx.id()),
                    format!("msp-environment:{}", ctx.env_id()),
                ]),
            ),
    );
}

fn create_before_destroy() -> Blk {
    Blk::new("lifecycle").set("create_before_destroy", b(true))
}
