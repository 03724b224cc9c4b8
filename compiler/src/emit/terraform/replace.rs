//! Which changes make Terraform replace a resource (destroy it, then create
//! it again) instead of updating it in place, for every resource type mspc
//! generates, and what is lost when a resource that holds state goes.
//! `mspc diff` reads it; `tests/diff.rs` checks that every type the examples
//! generate has a row.
//!
//! Read from the providers' own code (Google: `ForceNew: true` in
//! terraform-provider-google, generated from magic-modules' `immutable`
//! fields; plugin-framework providers: `RequiresReplace` plan modifiers), at
//! the versions `providers.rs` pins or, where those were not at hand, the
//! nearest earlier release: google 8.0.0 for 8.7.0, cloudflare 5.22.0 for
//! 5.28.0, postgresql 1.26.0 for 1.27.0, random 3.9.0 for 3.9.1. Changes
//! that replace only in one direction (a smaller disk, a narrower range, a
//! version downgrade, a schema change that is not additive) are noted, not
//! listed: a diff of the configuration alone cannot tell them apart.

/// (resource type, arguments whose change forces a new resource): nested
/// blocks' arguments by their path (`settings.collation`); a block's own path
/// (`replication`) means adding or removing the block. Sorted by type.
pub const FORCES_NEW: &[(&str, &[&str])] = &[
    // cloudflare_dns_record: read at v5.22.0 (5.28.0 not in store)
    ("cloudflare_dns_record", &["type", "zone_id"]),
    (
        "google_bigquery_dataset",
        &[
            "dataset_id",
            "external_dataset_reference",
            "external_dataset_reference.connection",
            "external_dataset_reference.external_source",
            "location",
            "project",
        ],
    ),
    (
        "google_bigquery_dataset_iam_member",
        &[
            "condition",
            "condition.description",
            "condition.expression",
            "condition.title",
            "dataset_id",
            "member",
            "project",
            "role",
        ],
    ),
    // google_bigquery_table: conditional, not listed: schema change that is not additive (column dropped/renamed/type or mode narrowed), see resourceBigQueryTableSchemaIsChangeable
    (
        "google_bigquery_table",
        &[
            "biglake_configuration",
            "biglake_configuration.connection_id",
            "biglake_configuration.file_format",
            "biglake_configuration.storage_uri",
            "biglake_configuration.table_format",
            "dataset_id",
            "encryption_configuration",
            "external_data_configuration.schema",
            "materialized_view.allow_non_incremental_definition",
            "materialized_view.query",
            "project",
            "range_partitioning.field",
            "schema_foreign_type_info",
            "table_id",
            "table_replication_info",
            "table_replication_info.replication_interval_ms",
            "table_replication_info.source_dataset_id",
            "table_replication_info.source_project_id",
            "table_replication_info.source_table_id",
            "time_partitioning.field",
        ],
    ),
    ("google_cloud_run_v2_job", &["location", "name", "project", "tags"]),
    (
        "google_cloud_run_v2_job_iam_member",
        &[
            "condition",
            "condition.description",
            "condition.expression",
            "condition.title",
            "location",
            "member",
            "name",
            "project",
            "role",
        ],
    ),
    ("google_cloud_run_v2_service", &["location", "name", "project", "tags"]),
    (
        "google_cloud_run_v2_service_iam_member",
        &[
            "condition",
            "condition.description",
            "condition.expression",
            "condition.title",
            "location",
            "member",
            "name",
            "project",
            "role",
        ],
    ),
    ("google_cloud_scheduler_job", &["name", "project", "region"]),
    ("google_clouddeploy_delivery_pipeline", &["location", "name", "project"]),
    // google_compute_backend_service: dynamic_forwarding.ip_port_selection.enabled: google-beta only
    (
        "google_compute_backend_service",
        &["dynamic_forwarding.ip_port_selection.enabled", "name", "params", "params.resource_manager_tags", "project"],
    ),
    ("google_compute_firewall", &["direction", "name", "params", "project"]),
    (
        "google_compute_global_address",
        &[
            "address",
            "address_type",
            "description",
            "ip_version",
            "name",
            "network",
            "prefix_length",
            "project",
            "purpose",
        ],
    ),
    // google_compute_global_forwarding_rule: allow_psc_global_access: google-beta only
    (
        "google_compute_global_forwarding_rule",
        &[
            "allow_psc_global_access",
            "description",
            "ip_address",
            "ip_protocol",
            "ip_version",
            "metadata_filters",
            "metadata_filters.filter_labels",
            "metadata_filters.filter_labels.name",
            "metadata_filters.filter_labels.value",
            "metadata_filters.filter_match_criteria",
            "name",
            "network",
            "network_tier",
            "no_automate_dns_zone",
            "port_range",
            "project",
            "service_directory_registrations",
            "service_directory_registrations.namespace",
            "service_directory_registrations.service_directory_region",
            "source_ip_ranges",
            "subnetwork",
        ],
    ),
    (
        "google_compute_managed_ssl_certificate",
        &["description", "managed", "managed.domains", "name", "project", "type"],
    ),
    (
        "google_compute_network",
        &[
            "auto_create_subnetworks",
            "description",
            "internal_ipv6_range",
            "name",
            "network_profile",
            "params",
            "params.resource_manager_tags",
            "project",
        ],
    ),
    // google_compute_region_network_endpoint_group: serverless_deployment.*: google-beta only
    (
        "google_compute_region_network_endpoint_group",
        &[
            "app_engine",
            "app_engine.service",
            "app_engine.url_mask",
            "app_engine.version",
            "cloud_function",
            "cloud_function.function",
            "cloud_function.url_mask",
            "cloud_run",
            "cloud_run.service",
            "cloud_run.tag",
            "cloud_run.url_mask",
            "description",
            "name",
            "network",
            "network_endpoint_type",
            "project",
            "psc_data",
            "psc_data.producer_port",
            "psc_target_service",
            "region",
            "serverless_deployment",
            "serverless_deployment.platform",
            "serverless_deployment.resource",
            "serverless_deployment.url_mask",
            "serverless_deployment.version",
            "subnetwork",
        ],
    ),
    ("google_compute_security_policy", &["name", "project", "type"]),
    (
        "google_compute_ssl_certificate",
        &["certificate", "description", "name", "name_prefix", "private_key", "private_key_wo_version", "project"],
    ),
    ("google_compute_ssl_policy", &["description", "name", "project"]),
    // google_compute_subnetwork: conditional, not listed: ip_cidr_range change that is not an expansion of the old range
    (
        "google_compute_subnetwork",
        &[
            "description",
            "external_ipv6_prefix",
            "internal_ipv6_prefix",
            "name",
            "network",
            "params",
            "params.resource_manager_tags",
            "project",
            "region",
            "reserved_internal_range",
            "resolve_subnet_mask",
        ],
    ),
    (
        "google_compute_target_http_proxy",
        &["description", "http_keep_alive_timeout_sec", "name", "project", "proxy_bind"],
    ),
    (
        "google_compute_target_https_proxy",
        &["description", "http_keep_alive_timeout_sec", "name", "project", "proxy_bind", "tls_early_data"],
    ),
    ("google_compute_url_map", &["name", "project"]),
    ("google_logging_metric", &["metric_descriptor.labels.key", "metric_descriptor.labels.value_type", "project"]),
    ("google_monitoring_alert_policy", &["project"]),
    ("google_monitoring_dashboard", &["project"]),
    ("google_monitoring_notification_channel", &["project"]),
    (
        "google_monitoring_uptime_check_config",
        &[
            "checker_type",
            "http_check.request_method",
            "monitored_resource",
            "monitored_resource.labels",
            "monitored_resource.type",
            "project",
            "resource_group",
            "resource_group.group_id",
            "resource_group.resource_type",
            "synthetic_monitor",
            "synthetic_monitor.cloud_function_v2",
            "synthetic_monitor.cloud_function_v2.name",
        ],
    ),
    ("google_project", &["project_id", "tags"]),
    ("google_project_iam_audit_config", &["project"]),
    ("google_project_iam_custom_role", &["project", "role_id"]),
    (
        "google_project_iam_member",
        &["condition", "condition.description", "condition.expression", "condition.title", "member", "project", "role"],
    ),
    ("google_project_service", &["project", "service"]),
    ("google_project_service_identity", &["project", "service"]),
    ("google_pubsub_subscription", &["enable_message_ordering", "filter", "name", "project", "tags", "topic"]),
    ("google_pubsub_topic", &["name", "project", "tags"]),
    // google_redis_instance: conditional, not listed: redis_version downgrade
    (
        "google_redis_instance",
        &[
            "alternative_location_id",
            "authorized_network",
            "connect_mode",
            "customer_managed_key",
            "location_id",
            "name",
            "project",
            "region",
            "reserved_ip_range",
            "tier",
            "transit_encryption_mode",
        ],
    ),
    (
        "google_secret_manager_secret",
        &[
            "project",
            "replication",
            "replication.auto",
            "replication.user_managed",
            "replication.user_managed.replicas",
            "replication.user_managed.replicas.location",
            "secret_id",
            "tags",
        ],
    ),
    (
        "google_secret_manager_secret_iam_member",
        &[
            "condition",
            "condition.description",
            "condition.expression",
            "condition.title",
            "member",
            "project",
            "role",
            "secret_id",
        ],
    ),
    (
        "google_secret_manager_secret_version",
        &["is_secret_data_base64", "project", "secret", "secret_data", "secret_data_wo_version"],
    ),
    ("google_service_account", &["account_id", "project"]),
    (
        "google_service_account_iam_member",
        &[
            "condition",
            "condition.description",
            "condition.expression",
            "condition.title",
            "member",
            "role",
            "service_account_id",
        ],
    ),
    ("google_service_networking_connection", &["network", "service"]),
    ("google_sql_database", &["instance", "name", "project"]),
    // google_sql_database_instance: master_instance_name, replica_configuration.cascadable_replica: ForceNewIf, i.e. replace unless the change is a replica switchover
    // google_sql_database_instance: conditional, not listed: settings.disk_size decrease with disk_autoresize=false; settings.ip_configuration.private_network set->unset; settings.auto_upgrade_enabled true->false
    (
        "google_sql_database_instance",
        &[
            "encryption_key_name",
            "master_instance_name",
            "name",
            "project",
            "region",
            "replica_configuration.ca_certificate",
            "replica_configuration.cascadable_replica",
            "replica_configuration.client_certificate",
            "replica_configuration.client_key",
            "replica_configuration.connect_retry_interval",
            "replica_configuration.dump_file_path",
            "replica_configuration.failover_target",
            "replica_configuration.master_heartbeat_period",
            "replica_configuration.password",
            "replica_configuration.ssl_cipher",
            "replica_configuration.username",
            "replica_configuration.verify_server_certificate",
            "settings.collation",
        ],
    ),
    ("google_sql_user", &["host", "iam_email", "instance", "name", "project", "type"]),
    // google_storage_bucket: conditional, not listed: retention_policy.is_locked true->false
    (
        "google_storage_bucket",
        &[
            "custom_placement_config.data_locations",
            "enable_object_retention",
            "hierarchical_namespace",
            "hierarchical_namespace.enabled",
            "location",
            "name",
            "project",
        ],
    ),
    (
        "google_storage_bucket_iam_member",
        &["bucket", "condition", "condition.description", "condition.expression", "condition.title", "member", "role"],
    ),
    ("opsgenie_api_integration", &["owner_team_id", "type"]),
    ("opsgenie_service", &[]),
    // postgresql_grant: only privileges updates in place
    ("postgresql_grant", &["columns", "database", "object_type", "objects", "role", "schema", "with_grant_option"]),
    ("postgresql_grant_role", &["grant_role", "role", "with_admin_option"]),
    ("postgresql_publication", &["all_tables", "database"]),
    // postgresql_role: no ForceNew: name is renamed in place (ALTER ROLE)
    ("postgresql_role", &[]),
    // random_id: keepers: RequiresReplaceIfValuesNotNull
    ("random_id", &["byte_length", "keepers", "prefix"]),
    // random_password: keepers: RequiresReplaceIfValuesNotNull; override_special: unless ""->null
    (
        "random_password",
        &[
            "keepers",
            "length",
            "lower",
            "min_lower",
            "min_numeric",
            "min_special",
            "min_upper",
            "number",
            "numeric",
            "override_special",
            "special",
            "upper",
        ],
    ),
    // sentry_key: v0.14.5 marks nothing RequiresReplace (organization/project only UseStateForUnknown)
    ("sentry_key", &[]),
    // sentry_project: v0.14.5 marks nothing RequiresReplace
    ("sentry_project", &[]),
    // slack_conversation: v1.2.2 marks nothing ForceNew (is_private included)
    ("slack_conversation", &[]),
    ("tfe_notification_configuration", &["destination_type", "workspace_id"]),
    // tfe_project: organization also replaced when unset and the provider default organization changes
    ("tfe_project", &["organization"]),
    ("tfe_team_project_access", &["project_id", "team_id"]),
    // tfe_workspace: organization also replaced when unset and the provider default organization changes
    ("tfe_workspace", &["organization"]),
    ("tfe_workspace_run", &["workspace_id"]),
    ("tfe_workspace_settings", &["workspace_id"]),
];
/// (resource type, what is lost when it is deleted or replaced): the
/// resources that hold state. Sorted by type.
pub const LOSES: &[(&str, &str)] = &[
    ("google_bigquery_dataset", "every table, view and routine in the dataset and all their data"),
    ("google_bigquery_table", "every row stored in the table"),
    ("google_project", "every resource and all data in the project (restorable only while pending deletion, 30 days)"),
    ("google_pubsub_subscription", "the backlog of unacknowledged messages held for the subscription"),
    ("google_redis_instance", "all keys held in the instance, and its IP address"),
    ("google_secret_manager_secret", "every version of the secret and its payloads"),
    (
        "google_secret_manager_secret_version",
        "the secret payload stored in this version (destroyed, not just disabled)",
    ),
    ("google_sql_database", "every table and row in the database"),
    ("google_sql_database_instance", "every database in the instance, its users and its backups, and its IP address"),
    ("google_sql_user", "the login and its password, and the privileges granted to it"),
    ("google_storage_bucket", "every object in the bucket, with all noncurrent versions"),
    (
        "postgresql_role",
        "the login, its password and every grant and membership it holds; objects it owns are reassigned to the provider user",
    ),
    ("random_id", "the random value; names derived from it change"),
    ("random_password", "the generated password; everything that uses it must take the new one"),
];

/// Whether changing the argument at `path` (nested blocks' names joined by
/// dots, without indices or keys) makes Terraform replace a `ty`.
pub fn forces_new(ty: &str, path: &str) -> bool {
    row(FORCES_NEW, ty).is_some_and(|args| args.contains(&path))
}

/// What is lost when a `ty` is deleted or replaced, for types that hold state.
pub fn loses(ty: &str) -> Option<&'static str> {
    row(LOSES, ty).copied()
}

/// Whether mspc knows which arguments of `ty` force a new resource.
pub fn known(ty: &str) -> bool {
    row(FORCES_NEW, ty).is_some()
}

fn row<'a, T>(table: &'a [(&str, T)], ty: &str) -> Option<&'a T> {
    table.binary_search_by(|(t, _)| (*t).cmp(ty)).ok().map(|i| &table[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_for_the_binary_search() {
        assert!(FORCES_NEW.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(LOSES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(LOSES.iter().all(|(t, _)| known(t)), "a stateful type without its replacement row");
    }

    #[test]
    fn lookups() {
        assert!(forces_new("google_sql_database_instance", "region"));
        assert!(!forces_new("google_sql_database_instance", "settings.tier"));
        assert!(forces_new("google_redis_instance", "tier"));
        assert!(!forces_new("google_redis_instance", "memory_size_gb"));
        assert!(!forces_new("no_such_type", "name"));
        assert!(loses("google_redis_instance").is_some());
        assert!(loses("google_cloud_run_v2_service").is_none());
    }
}
