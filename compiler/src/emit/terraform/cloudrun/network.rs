//! The private network Redis and Cloud SQL are reached through (reference
//! 2.4 "Private network"). Created only when one of them is used; Cloud Run
//! then sends private-range traffic into it (Direct VPC egress).

use super::Parts;
use crate::emit::terraform::ctx::Ctx;
use crate::emit::terraform::hcl::{Blk, Expr, b, list, n, obj, r, s, strs};

pub const NETWORK: &str = "google_compute_network.network";
pub const SUBNETWORK: &str = "google_compute_subnetwork.subnetwork";
/// The subnetwork's range, also its random name's keeper, as MSP keeps it.
const SUBNETWORK_RANGE: &str = "172.16.0.0/12";
/// What Cloud SQL must wait for before it can take a private IP.
pub const SERVICE_NETWORKING: &str = "google_service_networking_connection.service_networking";

pub fn add(ctx: &Ctx<'_>, parts: &mut Parts) {
    if !ctx.has_private_network() {
        return;
    }
    let project = s(ctx.project_id());

    parts.add(
        Blk::resource("google_compute_network", "network")
            .set("project", project.clone())
            .set("name", s(ctx.network_name()))
            .set("auto_create_subnetworks", b(false)),
    );

    // Nothing in the network serves traffic: Cloud Run only sends into it,
    // and Redis and Cloud SQL live in peered networks. GCP's implied rule
    // already denies ingress; this one makes it explicit, for readers and
    // policy checks, and leaves room below for the implied rule's priority.
    parts.add(
        Blk::resource("google_compute_firewall", "deny_ingress")
            .set("project", project.clone())
            .set("name", s(format!("{}-deny-ingress", ctx.network_name())))
            .set("network", r(format!("{NETWORK}.name")))
            .set("direction", s("INGRESS"))
            .set("priority", n(65534))
            .set("source_ranges", strs(["0.0.0.0/0"]))
            .block(Blk::new("deny").set("protocol", s("all"))),
    );

    // A random name lets a replacement subnetwork exist beside the old one
    // (create_before_destroy) without a name clash.
    parts.add(
        Blk::resource("random_id", "subnetwork")
            .set("byte_length", n(4))
            .set("prefix", s(format!("{}-", ctx.network_name())))
            .set("keepers", obj([("ipcidrrange", s(SUBNETWORK_RANGE))])),
    );
    parts.add(
        Blk::resource("google_compute_subnetwork", "subnetwork")
            .set("project", project.clone())
            .set("region", s(ctx.region()))
            .set("name", r("random_id.subnetwork.hex"))
            .set("network", r(format!("{NETWORK}.id")))
            .set("ip_cidr_range", s(SUBNETWORK_RANGE))
            .set("private_ip_google_access", b(true))
            .set("private_ipv6_google_access", s("DISABLE_GOOGLE_ACCESS"))
            .block(
                Blk::new("log_config")
                    .set("aggregation_interval", s("INTERVAL_10_MIN"))
                    .set("flow_sampling", Expr::Float(0.5))
                    .set("metadata", s("INCLUDE_ALL_METADATA")),
            )
            .lifecycle(Blk::new("lifecycle").set("create_before_destroy", b(true))),
    );

    // Cloud SQL's private IP comes from a range peered into the network.
    parts.add(
        Blk::resource("google_compute_global_address", "service_networking")
            .set("project", project.clone())
            .set("name", s(ctx.service_networking_address_name()))
            .set("purpose", s("VPC_PEERING"))
            .set("address_type", s("INTERNAL"))
            .set("prefix_length", n(16))
            .set("network", r(format!("{NETWORK}.id"))),
    );
    parts.add(
        Blk::resource("google_service_networking_connection", "service_networking")
            .set("network", r(format!("{NETWORK}.id")))
            .set("service", s("servicenetworking.googleapis.com"))
            .set("reserved_peering_ranges", list([r("google_compute_global_address.service_networking.name")])),
    );

    parts.vpc = Some((r(format!("{NETWORK}.id")), r(format!("{SUBNETWORK}.id"))));
}
