//! CreateCluster, DescribeClusters, ListClusters, DeleteCluster,
//! UpdateClusterSettings (aws-spec.md §11.2–11.5).

use super::capacity_providers;
use super::common::{arn, check_max, cluster_not_found, event, invalid, page, short_name, R};
use super::state::ClusterRec;
use crate::model::ecs as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// The name a `cluster` parameter refers to (`default` when absent).
pub(super) fn name_of(cluster: Option<&str>) -> String {
    short_name(cluster.unwrap_or("default"), "cluster").to_string()
}

/// Whether a cluster is in use (ACTIVE, or PROVISIONING while its
/// capacity providers' attachments are made).
fn live(c: &ClusterRec) -> bool {
    matches!(c.model.status.as_deref(), Some("ACTIVE" | "PROVISIONING"))
}

/// The ACTIVE (or PROVISIONING) cluster a request names.
pub(super) fn active(ctx: &Ctx, cluster: Option<&str>) -> R<String> {
    let name = name_of(cluster);
    match ctx.acct().ecs.clusters.get(&name) {
        Some(c) if live(c) => Ok(name),
        _ => Err(cluster_not_found()),
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A Cloud Map namespace by name (created implicitly, as ECS does) or by
/// ARN (which must be of this account and Region).
pub(super) fn namespace_arn(ctx: &mut Ctx, namespace: &str, create: bool) -> R<String> {
    if let Some(rest) = namespace.strip_prefix("arn:aws:servicediscovery:") {
        let mut parts = rest.splitn(3, ':');
        let region = parts.next().unwrap_or("");
        let account = parts.next().unwrap_or("");
        let resource = parts.next().unwrap_or("");
        if region != ctx.region_name()
            || account != ctx.account
            || !resource.starts_with("namespace/ns-")
        {
            return Err(invalid(format!(
                "The namespace {namespace} is not a Cloud Map namespace of account {} in {}.",
                ctx.account,
                ctx.region_name()
            )));
        }
        let id = resource.trim_start_matches("namespace/").to_string();
        let known = ctx.acct().ecs.namespaces.values().any(|a| a == namespace);
        if !known {
            ctx.acct_mut()
                .ecs
                .namespaces
                .insert(id, namespace.to_string());
        }
        return Ok(namespace.to_string());
    }
    if let Some(a) = ctx.acct().ecs.namespaces.get(namespace) {
        return Ok(a.clone());
    }
    if !create {
        return Err(AwsError::new(
            "NamespaceNotFoundException",
            format!("The namespace {namespace} does not exist."),
        ));
    }
    let id = format!("ns-{}", ctx.world.ids.alnum(16));
    let a = format!(
        "arn:aws:servicediscovery:{}:{}:namespace/{id}",
        ctx.region_name(),
        ctx.account
    );
    ctx.acct_mut()
        .ecs
        .namespaces
        .insert(namespace.to_string(), a.clone());
    Ok(a)
}

/// The wire form, with counts from the cluster's tasks and services.
pub(super) fn model(ctx: &Ctx, c: &ClusterRec, include: &[String]) -> m::Cluster {
    let name = c.model.cluster_name.clone().unwrap_or_default();
    let st = &ctx.acct().ecs;
    let tasks = st.tasks.values().filter(|t| t.cluster == name);
    let (mut running, mut pending) = (0, 0);
    for t in tasks {
        match t.model.last_status.as_deref() {
            Some("RUNNING") => running += 1,
            Some("PROVISIONING" | "PENDING" | "ACTIVATING") => pending += 1,
            _ => {}
        }
    }
    let services = st
        .services
        .values()
        .filter(|s| s.cluster == name && s.model.status.as_deref() == Some("ACTIVE"))
        .count() as i32;
    let mut out = c.model.clone();
    out.running_tasks_count = Some(running);
    out.pending_tasks_count = Some(pending);
    out.active_services_count = Some(services);
    out.registered_container_instances_count = Some(
        st.container_instances
            .values()
            .filter(|ci| ci.cluster == name && matches!(ci.status.as_str(), "ACTIVE" | "DRAINING"))
            .count() as i32,
    );
    let has = |what: &str| include.iter().any(|i| i == what);
    out.tags = has("TAGS").then(|| c.tags.clone());
    if !has("SETTINGS") {
        out.settings = None;
    }
    out.statistics = Some(vec![]);
    if !has("CONFIGURATIONS") {
        out.configuration = None;
    }
    if !has("ATTACHMENTS") {
        out.attachments = None;
    }
    out
}

/// Every optional block (what Create and Put answer with).
fn everything() -> Vec<String> {
    ["TAGS", "SETTINGS", "CONFIGURATIONS", "ATTACHMENTS"]
        .map(String::from)
        .to_vec()
}

fn default_settings() -> Vec<m::ClusterSetting> {
    vec![m::ClusterSetting {
        name: Some("containerInsights".into()),
        value: Some("disabled".into()),
    }]
}

fn check_settings(settings: &[m::ClusterSetting]) -> R<()> {
    for s in settings {
        if s.name.as_deref() != Some("containerInsights") {
            return Err(invalid(format!(
                "Unknown cluster setting {}.",
                s.name.as_deref().unwrap_or("")
            )));
        }
        if !matches!(
            s.value.as_deref(),
            Some("enabled" | "disabled" | "enhanced")
        ) {
            return Err(invalid(
                "containerInsights must be enabled, disabled or enhanced.",
            ));
        }
    }
    Ok(())
}

pub(super) fn create(ctx: &mut Ctx, i: m::CreateClusterRequest) -> R<m::CreateClusterResponse> {
    let name = i.cluster_name.clone().unwrap_or_else(|| "default".into());
    if !valid_name(&name) {
        return Err(invalid(
            "Cluster name must be up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores.",
        ));
    }
    let everything = everything();
    if let Some(c) = ctx.acct().ecs.clusters.get(&name) {
        if live(c) {
            return Ok(m::CreateClusterResponse {
                cluster: Some(model(ctx, c, &everything)),
            });
        }
    }
    let settings = i
        .settings
        .clone()
        .unwrap_or_else(|| super::account_settings::cluster_settings(ctx, default_settings()));
    check_settings(&settings)?;
    if let Some(cfg) = &i.configuration {
        check_configuration(cfg)?;
    }
    let strategy = i
        .default_capacity_provider_strategy
        .clone()
        .unwrap_or_default();
    let providers = capacity_providers::check_cluster_providers(
        ctx,
        &name,
        &i.capacity_providers.clone().unwrap_or_default(),
        &strategy,
        false,
    )?;
    // A cluster whose providers need scaling policies is PROVISIONING
    // until they are attached (aws-spec §11.2).
    let status = if capacity_providers::needs_attachments(ctx, &providers) {
        "PROVISIONING"
    } else {
        "ACTIVE"
    };
    let connect_defaults = match i
        .service_connect_defaults
        .as_ref()
        .and_then(|d| d.namespace.clone())
    {
        Some(ns) => Some(m::ClusterServiceConnectDefaults {
            namespace: Some(namespace_arn(ctx, &ns, true)?),
        }),
        None => None,
    };
    let rec = ClusterRec {
        model: m::Cluster {
            cluster_arn: Some(arn(ctx, &format!("cluster/{name}"))),
            cluster_name: Some(name.clone()),
            status: Some(status.into()),
            settings: Some(settings),
            configuration: i.configuration,
            capacity_providers: Some(providers),
            default_capacity_provider_strategy: Some(strategy),
            service_connect_defaults: connect_defaults,
            statistics: Some(vec![]),
            ..Default::default()
        },
        tags: i.tags.unwrap_or_default(),
    };
    ctx.acct_mut().ecs.clusters.insert(name.clone(), rec);
    capacity_providers::sync_attachments(ctx, &name);
    ctx.emit(event("cluster", &name, "created", Some(status)));
    let out = model(ctx, &ctx.acct().ecs.clusters[&name], &everything);
    Ok(m::CreateClusterResponse { cluster: Some(out) })
}

pub(super) fn describe(
    ctx: &mut Ctx,
    i: m::DescribeClustersRequest,
) -> R<m::DescribeClustersResponse> {
    let wanted = i.clusters.unwrap_or_else(|| vec!["default".into()]);
    if wanted.len() > 100 {
        return Err(invalid("Up to 100 clusters can be described at once."));
    }
    let include = i.include.unwrap_or_default();
    let mut clusters = Vec::new();
    let mut failures = Vec::new();
    for w in &wanted {
        let name = name_of(Some(w));
        match ctx.acct().ecs.clusters.get(&name) {
            Some(c) => clusters.push(model(ctx, c, &include)),
            None => failures.push(m::Failure {
                arn: Some(if w.starts_with("arn:") {
                    w.clone()
                } else {
                    arn(ctx, &format!("cluster/{name}"))
                }),
                reason: Some("MISSING".into()),
                detail: None,
            }),
        }
    }
    Ok(m::DescribeClustersResponse {
        clusters: Some(clusters),
        failures: Some(failures),
    })
}

pub(super) fn list(ctx: &mut Ctx, i: m::ListClustersRequest) -> R<m::ListClustersResponse> {
    let max = check_max(i.max_results)?;
    let items = ctx
        .acct()
        .ecs
        .clusters
        .values()
        .filter(|c| live(c))
        .filter_map(|c| c.model.cluster_arn.clone())
        .map(|a| (a.clone(), a))
        .collect();
    let (arns, next) = page(items, max, i.next_token.as_deref())?;
    Ok(m::ListClustersResponse {
        cluster_arns: Some(arns),
        next_token: next,
    })
}

pub(super) fn delete(ctx: &mut Ctx, i: m::DeleteClusterRequest) -> R<m::DeleteClusterResponse> {
    let name = name_of(i.cluster.as_deref());
    let Some(c) = ctx.acct().ecs.clusters.get(&name).cloned() else {
        return Err(cluster_not_found());
    };
    let st = &ctx.acct().ecs;
    if live(&c) {
        // Managed Instances providers belong to the cluster: they go first
        // [M: ClusterContainsCapacityProviderException].
        let own = st.capacity_providers.values().any(|p| {
            p.model.cluster.as_deref() == Some(name.as_str())
                && p.model.status.as_deref() == Some("ACTIVE")
        });
        if own {
            return Err(AwsError::new(
                "ClusterContainsCapacityProviderException",
                "The Cluster cannot be deleted while it contains Managed Instances capacity providers. Delete them and try again.",
            ));
        }
        if st.services.values().any(|s| {
            s.cluster == name && matches!(s.model.status.as_deref(), Some("ACTIVE" | "DRAINING"))
        }) {
            return Err(AwsError::new(
                "ClusterContainsServicesException",
                "The Cluster cannot be deleted while Services are active.",
            ));
        }
        if st
            .container_instances
            .values()
            .any(|ci| ci.cluster == name && matches!(ci.status.as_str(), "ACTIVE" | "DRAINING"))
        {
            return Err(AwsError::new(
                "ClusterContainsContainerInstancesException",
                "The Cluster cannot be deleted while Container Instances are active.",
            ));
        }
        if st
            .tasks
            .values()
            .any(|t| t.cluster == name && t.model.last_status.as_deref() != Some("STOPPED"))
        {
            return Err(AwsError::new(
                "ClusterContainsTasksException",
                "The Cluster cannot be deleted while Tasks are active.",
            ));
        }
    }
    if let Some(c) = ctx.acct_mut().ecs.clusters.get_mut(&name) {
        c.model.status = Some("INACTIVE".into());
    }
    ctx.emit(event("cluster", &name, "deleted", Some("INACTIVE")));
    let c = &ctx.acct().ecs.clusters[&name];
    Ok(m::DeleteClusterResponse {
        cluster: Some(model(ctx, c, &["SETTINGS".into()])),
    })
}

pub(super) fn update_settings(
    ctx: &mut Ctx,
    i: m::UpdateClusterSettingsRequest,
) -> R<m::UpdateClusterSettingsResponse> {
    let name = active(ctx, i.cluster.as_deref())?;
    let settings = i.settings.unwrap_or_default();
    check_settings(&settings)?;
    if let Some(c) = ctx.acct_mut().ecs.clusters.get_mut(&name) {
        let current = c.model.settings.get_or_insert_with(Vec::new);
        for s in settings {
            match current.iter_mut().find(|x| x.name == s.name) {
                Some(x) => x.value = s.value,
                None => current.push(s),
            }
        }
    }
    let c = &ctx.acct().ecs.clusters[&name];
    Ok(m::UpdateClusterSettingsResponse {
        cluster: Some(model(ctx, c, &["SETTINGS".into()])),
    })
}

/// Checks a cluster configuration: execute command logging and its log
/// configuration [M doc: ExecuteCommandConfiguration; U wordings].
fn check_configuration(cfg: &m::ClusterConfiguration) -> R<()> {
    if let Some(e) = &cfg.execute_command_configuration {
        let logging = e.logging.as_deref().unwrap_or("DEFAULT");
        if !matches!(logging, "NONE" | "DEFAULT" | "OVERRIDE") {
            return Err(invalid(format!(
                "executeCommandConfiguration.logging must be NONE, DEFAULT or OVERRIDE (got {logging})."
            )));
        }
        match (&e.log_configuration, logging) {
            (None, "OVERRIDE") => {
                return Err(invalid(
                    "A logConfiguration must be specified when logging is OVERRIDE.",
                ))
            }
            (Some(_), "NONE" | "DEFAULT") => {
                return Err(invalid(
                    "A logConfiguration can only be specified when logging is OVERRIDE.",
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// PutClusterCapacityProviders: the cluster's providers and default
/// strategy, both given in full [M doc]. A provider left out is
/// disassociated, unless a service or a task still uses it.
pub(super) fn put_capacity_providers(
    ctx: &mut Ctx,
    i: m::PutClusterCapacityProvidersRequest,
) -> R<m::PutClusterCapacityProvidersResponse> {
    let name = active(ctx, i.cluster.as_deref())?;
    let strategy = i.default_capacity_provider_strategy.unwrap_or_default();
    let mut wanted = i.capacity_providers.unwrap_or_default();
    // The cluster's own Managed Instances providers stay [U].
    let own: Vec<String> = ctx
        .acct()
        .ecs
        .capacity_providers
        .values()
        .filter(|p| {
            p.model.cluster.as_deref() == Some(name.as_str())
                && p.model.status.as_deref() == Some("ACTIVE")
        })
        .filter_map(|p| p.model.name.clone())
        .collect();
    for p in &own {
        if !wanted.iter().any(|w| capacity_providers::name_of(w) == *p) {
            wanted.push(p.clone());
        }
    }
    let providers =
        capacity_providers::check_cluster_providers(ctx, &name, &wanted, &strategy, true)?;
    let before = ctx.acct().ecs.clusters[&name]
        .model
        .capacity_providers
        .clone()
        .unwrap_or_default();
    for p in before.iter().filter(|p| !providers.contains(p)) {
        if capacity_providers::in_use(ctx, p, Some(&name)) {
            // [R: pahud/cdk-fargate-patterns#71]
            return Err(AwsError::new(
                "ResourceInUseException",
                "The specified capacity provider is in use and cannot be removed.",
            ));
        }
    }
    if let Some(c) = ctx.acct_mut().ecs.clusters.get_mut(&name) {
        c.model.capacity_providers = Some(providers);
        c.model.default_capacity_provider_strategy = Some(strategy);
    }
    capacity_providers::sync_attachments(ctx, &name);
    ctx.emit(event("cluster", &name, "capacity-providers", None));
    let c = &ctx.acct().ecs.clusters[&name];
    Ok(m::PutClusterCapacityProvidersResponse {
        cluster: Some(model(ctx, c, &everything())),
    })
}

/// UpdateCluster: settings (merged), configuration and Service Connect
/// defaults (replaced) [M doc].
pub(super) fn update(ctx: &mut Ctx, i: m::UpdateClusterRequest) -> R<m::UpdateClusterResponse> {
    let name = active(ctx, i.cluster.as_deref())?;
    let settings = i.settings.unwrap_or_default();
    check_settings(&settings)?;
    if let Some(cfg) = &i.configuration {
        check_configuration(cfg)?;
    }
    let connect = match i.service_connect_defaults.as_ref() {
        Some(d) => {
            let ns = d.namespace.clone().unwrap_or_default();
            if ns.is_empty() {
                Some(None)
            } else {
                Some(Some(namespace_arn(ctx, &ns, true)?))
            }
        }
        None => None,
    };
    if let Some(c) = ctx.acct_mut().ecs.clusters.get_mut(&name) {
        let current = c.model.settings.get_or_insert_with(Vec::new);
        for s in settings {
            match current.iter_mut().find(|x| x.name == s.name) {
                Some(x) => x.value = s.value,
                None => current.push(s),
            }
        }
        if let Some(cfg) = i.configuration {
            c.model.configuration = Some(cfg);
        }
        if let Some(ns) = connect {
            c.model.service_connect_defaults =
                ns.map(|n| m::ClusterServiceConnectDefaults { namespace: Some(n) });
        }
    }
    ctx.emit(event("cluster", &name, "updated", None));
    let c = &ctx.acct().ecs.clusters[&name];
    Ok(m::UpdateClusterResponse {
        cluster: Some(model(ctx, c, &["SETTINGS".into(), "CONFIGURATIONS".into()])),
    })
}
