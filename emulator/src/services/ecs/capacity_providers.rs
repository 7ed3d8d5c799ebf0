//! Capacity providers: CreateCapacityProvider, DescribeCapacityProviders,
//! UpdateCapacityProvider, DeleteCapacityProvider; the checks a cluster's
//! providers and strategies pass (PutClusterCapacityProviders, CreateCluster,
//! RunTask, CreateService); the cluster's `as_policy` attachments; and how a
//! strategy spreads tasks by base and weight.
//!
//! FARGATE and FARGATE_SPOT exist in every account and Region; Auto Scaling
//! group providers are the account's own, Managed Instances providers belong
//! to the cluster they were created in. What AWS documents is marked in the
//! comments; the rest (message wordings mostly) is the emulator's best guess.

use std::collections::BTreeMap;

use super::common::{arn, event, invalid, page, short_name, R};
use super::state::CapacityProviderRec;
use crate::model::ecs as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// The providers every account has.
pub(super) const FARGATE: &[&str] = &["FARGATE", "FARGATE_SPOT"];

/// How long AWS takes to delete a provider, update it or attach its scaling
/// policy to a cluster, scaled by the pace.
const STEP_MS: i64 = 1_000;

/// At most this many providers in one strategy [M doc: "a maximum of 6"].
const MAX_STRATEGY: usize = 6;

/// At most this many providers per cluster (service quota) [U: 20].
const MAX_PER_CLUSTER: usize = 20;

fn client(message: impl Into<String>) -> AwsError {
    AwsError::new("ClientException", message)
}

fn not_found() -> AwsError {
    // [R: terraform-aws-modules/terraform-aws-ecs#53]
    invalid("The specified capacity provider was not found. Specify a valid capacity provider and try again.")
}

/// The name a `capacityProvider` parameter refers to (a name or an ARN).
pub(super) fn name_of(reference: &str) -> String {
    short_name(reference, "capacity-provider").to_string()
}

fn is_fargate(name: &str) -> bool {
    FARGATE.contains(&name)
}

/// The built-in FARGATE or FARGATE_SPOT provider, as Describe shows it.
fn builtin(ctx: &Ctx, name: &str, with_tags: bool) -> m::CapacityProvider {
    m::CapacityProvider {
        capacity_provider_arn: Some(arn(ctx, &format!("capacity-provider/{name}"))),
        name: Some(name.to_string()),
        status: Some("ACTIVE".into()),
        tags: with_tags.then(Vec::new),
        type_: Some(name.to_string()),
        ..Default::default()
    }
}

fn model(c: &CapacityProviderRec, with_tags: bool) -> m::CapacityProvider {
    let mut out = c.model.clone();
    out.tags = with_tags.then(|| c.tags.clone());
    out
}

/// An ACTIVE provider of the account (not the built-in ones).
fn active<'a>(ctx: &'a Ctx, name: &str) -> Option<&'a CapacityProviderRec> {
    ctx.acct()
        .ecs
        .capacity_providers
        .get(name)
        .filter(|c| c.model.status.as_deref() == Some("ACTIVE"))
}

fn valid_name(name: &str) -> R<()> {
    let shape = !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !shape {
        return Err(client(
            "The capacity provider name must be up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.",
        ));
    }
    // [M doc: "The name can't be prefixed with "aws", "ecs", or "fargate""]
    let lower = name.to_ascii_lowercase();
    if ["aws", "ecs", "fargate"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return Err(client(
            "The capacity provider name can't be prefixed with \"aws\", \"ecs\", or \"fargate\". Specify a different name and try again.",
        ));
    }
    Ok(())
}

/// Checks an Auto Scaling group ARN (`arn:aws:autoscaling:<region>:<account>:
/// autoScalingGroup:<uuid>:autoScalingGroupName/<name>`) or a bare group
/// name, which AWS also takes [M doc: "the Auto Scaling group name"].
fn check_asg_arn(ctx: &Ctx, value: &str) -> R<()> {
    let bad = || {
        invalid(format!(
            "The specified Auto Scaling group ARN {value} is not valid. Specify a valid ARN and try again."
        ))
    };
    let Some(rest) = value.strip_prefix("arn:") else {
        let ok = !value.is_empty() && value.len() <= 255 && !value.contains(':');
        return if ok { Ok(()) } else { Err(bad()) };
    };
    let parts: Vec<&str> = rest.splitn(7, ':').collect();
    let [partition, service, region, account, kind, id, tail] = parts[..] else {
        return Err(bad());
    };
    let uuid_ok = id.len() == 36
        && id.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    let name = tail.strip_prefix("autoScalingGroupName/").unwrap_or("");
    if !partition.starts_with("aws")
        || service != "autoscaling"
        || region.is_empty()
        || account.len() != 12
        || !account.bytes().all(|b| b.is_ascii_digit())
        || kind != "autoScalingGroup"
        || !uuid_ok
        || name.is_empty()
    {
        return Err(bad());
    }
    if region != ctx.region_name() || account != ctx.account {
        return Err(invalid(format!(
            "The Auto Scaling group {value} is not in this account and Region."
        )));
    }
    Ok(())
}

fn on_off(field: &str, v: Option<&String>) -> R<()> {
    match v.map(String::as_str) {
        None | Some("ENABLED" | "DISABLED") => Ok(()),
        Some(other) => Err(invalid(format!(
            "{field} must be ENABLED or DISABLED (got {other})."
        ))),
    }
}

/// Managed scaling with AWS's defaults for what is left out [M doc: target
/// capacity 100, steps 1 and 10000, warm-up 300 s; status DISABLED [U]].
fn managed_scaling(
    given: Option<&m::ManagedScaling>,
    base: &m::ManagedScaling,
) -> R<m::ManagedScaling> {
    let g = given.cloned().unwrap_or_default();
    let out = m::ManagedScaling {
        status: g.status.or(base.status.clone()).or(Some("DISABLED".into())),
        target_capacity: g.target_capacity.or(base.target_capacity).or(Some(100)),
        minimum_scaling_step_size: g
            .minimum_scaling_step_size
            .or(base.minimum_scaling_step_size)
            .or(Some(1)),
        maximum_scaling_step_size: g
            .maximum_scaling_step_size
            .or(base.maximum_scaling_step_size)
            .or(Some(10000)),
        instance_warmup_period: g
            .instance_warmup_period
            .or(base.instance_warmup_period)
            .or(Some(300)),
    };
    on_off("managedScaling.status", out.status.as_ref())?;
    let range = |field: &str, v: Option<i32>, lo: i32, hi: i32| -> R<()> {
        match v {
            Some(n) if !(lo..=hi).contains(&n) => Err(invalid(format!(
                "managedScaling.{field} must be between {lo} and {hi} (got {n})."
            ))),
            _ => Ok(()),
        }
    };
    // [M: ranges of ManagedScaling]
    range("targetCapacity", out.target_capacity, 1, 100)?;
    range(
        "minimumScalingStepSize",
        out.minimum_scaling_step_size,
        1,
        10000,
    )?;
    range(
        "maximumScalingStepSize",
        out.maximum_scaling_step_size,
        1,
        10000,
    )?;
    range("instanceWarmupPeriod", out.instance_warmup_period, 0, 10000)?;
    if out.minimum_scaling_step_size > out.maximum_scaling_step_size {
        return Err(invalid(
            "The minimum scaling step size must be less than or equal to the maximum scaling step size.",
        ));
    }
    Ok(out)
}

/// Managed termination protection needs managed scaling [U wording].
fn check_protection(p: &m::AutoScalingGroupProvider) -> R<()> {
    on_off(
        "managedTerminationProtection",
        p.managed_termination_protection.as_ref(),
    )?;
    on_off("managedDraining", p.managed_draining.as_ref())?;
    let scaling = p.managed_scaling.as_ref().and_then(|s| s.status.as_deref()) == Some("ENABLED");
    if p.managed_termination_protection.as_deref() == Some("ENABLED") && !scaling {
        return Err(client(
            "The managed termination protection setting for the capacity provider is invalid. To enable managed termination protection for a capacity provider, managed scaling must also be enabled.",
        ));
    }
    Ok(())
}

fn check_tags(tags: &[m::Tag]) -> R<()> {
    if tags.len() > 50 {
        return Err(invalid("A resource can have at most 50 tags."));
    }
    if tags
        .iter()
        .any(|t| t.key.as_deref().is_none_or(str::is_empty))
    {
        return Err(invalid("Tag keys must not be empty."));
    }
    Ok(())
}

/// The ACTIVE cluster a request names (`cluster` of a Managed Instances
/// provider); cluster names are the ECS ones.
fn cluster_of(ctx: &Ctx, cluster: &str) -> R<String> {
    let name = short_name(cluster, "cluster").to_string();
    match ctx.acct().ecs.clusters.get(&name) {
        Some(c) if matches!(c.model.status.as_deref(), Some("ACTIVE" | "PROVISIONING")) => Ok(name),
        _ => Err(super::common::cluster_not_found()),
    }
}

pub(super) fn create(
    ctx: &mut Ctx,
    i: m::CreateCapacityProviderRequest,
) -> R<m::CreateCapacityProviderResponse> {
    let name = i.name.clone().unwrap_or_default();
    valid_name(&name)?;
    if ctx
        .acct()
        .ecs
        .capacity_providers
        .get(&name)
        .is_some_and(|c| c.model.status.as_deref() != Some("INACTIVE"))
    {
        // [R: containers-roadmap#688, terraform-provider-aws#11358]
        return Err(client("The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider."));
    }
    let tags = i.tags.clone().unwrap_or_default();
    check_tags(&tags)?;
    let provider_arn = arn(ctx, &format!("capacity-provider/{name}"));
    let cp = match (
        &i.auto_scaling_group_provider,
        &i.managed_instances_provider,
    ) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(invalid(
                "Specify exactly one of autoScalingGroupProvider or managedInstancesProvider.",
            ))
        }
        (Some(asg), None) => {
            // [R: pulumi/terraform docs: "When using autoScalingGroupProvider,
            // the cluster parameter must not be set"]
            if i.cluster.is_some() {
                return Err(invalid(
                    "The cluster parameter is only supported for Managed Instances capacity providers.",
                ));
            }
            let group = asg.auto_scaling_group_arn.clone().unwrap_or_default();
            check_asg_arn(ctx, &group)?;
            let taken = ctx.acct().ecs.capacity_providers.values().any(|c| {
                c.model.status.as_deref() == Some("ACTIVE")
                    && c.model
                        .auto_scaling_group_provider
                        .as_ref()
                        .and_then(|p| p.auto_scaling_group_arn.as_deref())
                        == Some(group.as_str())
            });
            if taken {
                // [R: containers-roadmap#632]
                return Err(client("The specified Auto Scaling group ARN is already being used by another capacity provider. Specify a unique Auto Scaling group ARN and try again."));
            }
            let provider = m::AutoScalingGroupProvider {
                auto_scaling_group_arn: Some(group),
                managed_scaling: Some(managed_scaling(
                    asg.managed_scaling.as_ref(),
                    &m::ManagedScaling::default(),
                )?),
                managed_termination_protection: Some(
                    asg.managed_termination_protection
                        .clone()
                        .unwrap_or_else(|| "DISABLED".into()),
                ),
                // [M doc: managed draining is on unless turned off]
                managed_draining: Some(
                    asg.managed_draining
                        .clone()
                        .unwrap_or_else(|| "ENABLED".into()),
                ),
            };
            check_protection(&provider)?;
            m::CapacityProvider {
                capacity_provider_arn: Some(provider_arn),
                name: Some(name.clone()),
                status: Some("ACTIVE".into()),
                auto_scaling_group_provider: Some(provider),
                type_: Some("EC2_AUTOSCALING".into()),
                ..Default::default()
            }
        }
        (None, Some(mi)) => {
            let Some(cluster) = i.cluster.as_deref() else {
                return Err(invalid(
                    "The cluster parameter is required for Managed Instances capacity providers.",
                ));
            };
            let cluster = cluster_of(ctx, cluster)?;
            let role = mi.infrastructure_role_arn.clone().unwrap_or_default();
            if !role.starts_with("arn:aws:iam::") || !role.contains(":role/") {
                return Err(invalid(format!(
                    "The infrastructure role ARN {role} is not valid."
                )));
            }
            if mi.instance_launch_template.is_none() {
                return Err(invalid(
                    "instanceLaunchTemplate is required for Managed Instances capacity providers.",
                ));
            }
            on_off_propagate(mi.propagate_tags.as_ref())?;
            // Stored as given (the emulator runs no instances for it).
            let provider: m::ManagedInstancesProvider =
                serde_json::from_value(serde_json::to_value(mi).unwrap_or_default())
                    .unwrap_or_default();
            m::CapacityProvider {
                capacity_provider_arn: Some(provider_arn),
                name: Some(name.clone()),
                cluster: Some(cluster),
                status: Some("ACTIVE".into()),
                managed_instances_provider: Some(provider),
                type_: Some("MANAGED_INSTANCES".into()),
                ..Default::default()
            }
        }
    };
    let rec = CapacityProviderRec { model: cp, tags };
    let out = model(&rec, true);
    let cluster = rec.model.cluster.clone();
    ctx.acct_mut()
        .ecs
        .capacity_providers
        .insert(name.clone(), rec);
    // A Managed Instances provider is the cluster's from the start [U].
    if let Some(cl) = cluster {
        if let Some(c) = ctx.acct_mut().ecs.clusters.get_mut(&cl) {
            c.model
                .capacity_providers
                .get_or_insert_with(Vec::new)
                .push(name.clone());
        }
    }
    ctx.emit(event("capacity-provider", &name, "created", Some("ACTIVE")));
    Ok(m::CreateCapacityProviderResponse {
        capacity_provider: Some(out),
    })
}

fn on_off_propagate(v: Option<&String>) -> R<()> {
    match v.map(String::as_str) {
        None | Some("CAPACITY_PROVIDER" | "NONE") => Ok(()),
        Some(other) => Err(invalid(format!(
            "propagateTags must be CAPACITY_PROVIDER or NONE (got {other})."
        ))),
    }
}

pub(super) fn describe(
    ctx: &mut Ctx,
    i: m::DescribeCapacityProvidersRequest,
) -> R<m::DescribeCapacityProvidersResponse> {
    // [M doc: maxResults 1–10, up to 10 without it]
    let max = match i.max_results {
        Some(n) if !(1..=10).contains(&n) => {
            return Err(invalid(format!(
                "maxResults must be between 1 and 10 (got {n})."
            )))
        }
        Some(n) => n as usize,
        None => 10,
    };
    let with_tags = i.include.iter().flatten().any(|x| x == "TAGS");
    let cluster = match i.cluster.as_deref() {
        Some(c) => Some(cluster_of(ctx, c)?),
        None => None,
    };
    let mut failures = Vec::new();
    // Sorted keys: the built-in ones first, then the account's by name.
    let mut items: Vec<(String, m::CapacityProvider)> = Vec::new();
    match &i.capacity_providers {
        Some(wanted) if !wanted.is_empty() => {
            if wanted.len() > 100 {
                return Err(invalid(
                    "Up to 100 capacity providers can be described at once.",
                ));
            }
            for (n, w) in wanted.iter().enumerate() {
                let name = name_of(w);
                let key = format!("{n:04}");
                if is_fargate(&name) {
                    items.push((key, builtin(ctx, &name, with_tags)));
                } else if let Some(c) = ctx
                    .acct()
                    .ecs
                    .capacity_providers
                    .get(&name)
                    .filter(|c| cluster.is_none() || c.model.cluster == cluster)
                {
                    items.push((key, model(c, with_tags)));
                } else {
                    failures.push(m::Failure {
                        arn: Some(if w.starts_with("arn:") {
                            w.clone()
                        } else {
                            arn(ctx, &format!("capacity-provider/{name}"))
                        }),
                        reason: Some("MISSING".into()),
                        detail: None,
                    });
                }
            }
        }
        _ => {
            if cluster.is_none() {
                for (n, f) in FARGATE.iter().enumerate() {
                    items.push((format!("{n}"), builtin(ctx, f, with_tags)));
                }
            }
            for (name, c) in &ctx.acct().ecs.capacity_providers {
                let listed = c.model.status.as_deref() == Some("ACTIVE")
                    && match &cluster {
                        None => c.model.cluster.is_none(),
                        Some(cl) => c.model.cluster.as_ref() == Some(cl),
                    };
                if listed {
                    items.push((format!("2{name}"), model(c, with_tags)));
                }
            }
        }
    }
    let (providers, next) = page(items, max, i.next_token.as_deref())?;
    Ok(m::DescribeCapacityProvidersResponse {
        capacity_providers: Some(providers),
        failures: Some(failures),
        next_token: next,
    })
}

/// The account's provider a request names (ACTIVE), for Update and Delete.
fn existing(ctx: &Ctx, reference: &str) -> R<String> {
    let name = name_of(reference);
    if is_fargate(&name) {
        return Err(invalid(format!(
            "The {name} capacity provider is reserved and can't be modified or deleted."
        )));
    }
    match active(ctx, &name) {
        Some(_) => Ok(name),
        None => Err(client(
            "The specified capacity provider does not exist. Specify a valid name or ARN and try again.",
        )),
    }
}

pub(super) fn update(
    ctx: &mut Ctx,
    i: m::UpdateCapacityProviderRequest,
) -> R<m::UpdateCapacityProviderResponse> {
    let name = existing(ctx, i.name.as_deref().unwrap_or(""))?;
    let current = ctx.acct().ecs.capacity_providers[&name].clone();
    let mut next = current.model.clone();
    match (
        &i.auto_scaling_group_provider,
        &i.managed_instances_provider,
        &current.model.auto_scaling_group_provider,
    ) {
        (Some(u), None, Some(asg)) => {
            let mut p = asg.clone();
            p.managed_scaling = Some(managed_scaling(
                u.managed_scaling.as_ref(),
                asg.managed_scaling.as_ref().unwrap_or(&m::ManagedScaling::default()),
            )?);
            if let Some(v) = &u.managed_termination_protection {
                p.managed_termination_protection = Some(v.clone());
            }
            if let Some(v) = &u.managed_draining {
                p.managed_draining = Some(v.clone());
            }
            check_protection(&p)?;
            next.auto_scaling_group_provider = Some(p);
        }
        (None, Some(u), None) => {
            on_off_propagate(u.propagate_tags.as_ref())?;
            // Merge the given members over the stored configuration.
            let mut v = serde_json::to_value(&current.model.managed_instances_provider)
                .unwrap_or_default();
            if let (serde_json::Value::Object(base), Ok(serde_json::Value::Object(given))) =
                (&mut v, serde_json::to_value(u))
            {
                for (k, x) in given {
                    base.insert(k, x);
                }
            }
            next.managed_instances_provider = serde_json::from_value(v).ok();
        }
        _ => {
            return Err(invalid(
                "The update does not match the capacity provider's type: give autoScalingGroupProvider for an Auto Scaling group provider, managedInstancesProvider for a Managed Instances one.",
            ))
        }
    }
    // [U: UPDATE_IN_PROGRESS, then UPDATE_COMPLETE — what Terraform waits for]
    next.update_status = Some("UPDATE_IN_PROGRESS".into());
    next.update_status_reason = None;
    if let Some(c) = ctx.acct_mut().ecs.capacity_providers.get_mut(&name) {
        c.model = next;
    }
    let clusters = clusters_with(ctx, &name);
    for cl in clusters {
        sync_attachments(ctx, &cl);
    }
    let out = model(&ctx.acct().ecs.capacity_providers[&name], false);
    let n = name.clone();
    ctx.schedule(STEP_MS, move |ctx| {
        if let Some(c) = ctx.acct_mut().ecs.capacity_providers.get_mut(&n) {
            if c.model.update_status.as_deref() == Some("UPDATE_IN_PROGRESS") {
                c.model.update_status = Some("UPDATE_COMPLETE".into());
            }
        }
    });
    ctx.emit(event("capacity-provider", &name, "updated", Some("ACTIVE")));
    Ok(m::UpdateCapacityProviderResponse {
        capacity_provider: Some(out),
    })
}

/// The ACTIVE clusters whose providers include `name`.
fn clusters_with(ctx: &Ctx, name: &str) -> Vec<String> {
    ctx.acct()
        .ecs
        .clusters
        .iter()
        .filter(|(_, c)| c.model.status.as_deref() != Some("INACTIVE"))
        .filter(|(_, c)| {
            c.model
                .capacity_providers
                .iter()
                .flatten()
                .any(|p| p == name)
        })
        .map(|(n, _)| n.clone())
        .collect()
}

pub(super) fn delete(
    ctx: &mut Ctx,
    i: m::DeleteCapacityProviderRequest,
) -> R<m::DeleteCapacityProviderResponse> {
    let name = existing(ctx, i.capacity_provider.as_deref().unwrap_or(""))?;
    let rec = ctx.acct().ecs.capacity_providers[&name].clone();
    if let Some(c) = i.cluster.as_deref() {
        let c = short_name(c, "cluster");
        if rec.model.cluster.as_deref() != Some(c) {
            return Err(client(
                "The specified capacity provider does not exist. Specify a valid name or ARN and try again.",
            ));
        }
    }
    let managed_instances = rec.model.cluster.is_some();
    // Used by a service: it must leave the service's strategy first
    // [M doc: DeleteCapacityProvider].
    if in_use(ctx, &name, None) {
        return Err(AwsError::new(
            "ResourceInUseException",
            "The specified capacity provider is in use and cannot be removed.",
        ));
    }
    let associated = clusters_with(ctx, &name);
    if let (false, Some(cl)) = (managed_instances, associated.first()) {
        // Not an error: the call answers DELETE_FAILED with the reason
        // [R: AWS knowledge center "ecs-capacity-provider-error";
        // ekristen/aws-nuke#542].
        let reason = format!("The capacity provider cannot be deleted because it is associated with cluster: {cl}. Remove the capacity provider from the cluster and try again.");
        if let Some(c) = ctx.acct_mut().ecs.capacity_providers.get_mut(&name) {
            c.model.update_status = Some("DELETE_FAILED".into());
            c.model.update_status_reason = Some(reason);
        }
        let out = model(&ctx.acct().ecs.capacity_providers[&name], false);
        return Ok(m::DeleteCapacityProviderResponse {
            capacity_provider: Some(out),
        });
    }
    if let Some(c) = ctx.acct_mut().ecs.capacity_providers.get_mut(&name) {
        c.model.update_status = Some("DELETE_IN_PROGRESS".into());
        c.model.update_status_reason = None;
    }
    let out = model(&ctx.acct().ecs.capacity_providers[&name], false);
    let n = name.clone();
    ctx.schedule(STEP_MS, move |ctx| finish_delete(ctx, &n));
    ctx.emit(event(
        "capacity-provider",
        &name,
        "deleting",
        Some("DELETE_IN_PROGRESS"),
    ));
    Ok(m::DeleteCapacityProviderResponse {
        capacity_provider: Some(out),
    })
}

/// A deleted provider is INACTIVE (and describable by name) with
/// `DELETE_COMPLETE` [M doc]; a Managed Instances one leaves its cluster.
fn finish_delete(ctx: &mut Ctx, name: &str) {
    let st = &mut ctx.acct_mut().ecs;
    let Some(c) = st.capacity_providers.get_mut(name) else {
        return;
    };
    if c.model.update_status.as_deref() != Some("DELETE_IN_PROGRESS") {
        return;
    }
    c.model.status = Some("INACTIVE".into());
    c.model.update_status = Some("DELETE_COMPLETE".into());
    let cluster = c.model.cluster.clone();
    if let Some(cl) = cluster {
        if let Some(c) = st.clusters.get_mut(&cl) {
            if let Some(list) = c.model.capacity_providers.as_mut() {
                list.retain(|p| p != name);
            }
            if let Some(s) = c.model.default_capacity_provider_strategy.as_mut() {
                s.retain(|x| x.capacity_provider.as_deref() != Some(name));
            }
        }
    }
    ctx.emit(event(
        "capacity-provider",
        name,
        "deleted",
        Some("INACTIVE"),
    ));
}

/// Whether a service (ACTIVE or DRAINING) or a task not yet stopped uses
/// the provider (in `cluster` when given).
pub(super) fn in_use(ctx: &Ctx, name: &str, cluster: Option<&str>) -> bool {
    let st = &ctx.acct().ecs;
    let services = st.services.values().any(|s| {
        cluster.is_none_or(|c| s.cluster == c)
            && matches!(s.model.status.as_deref(), Some("ACTIVE" | "DRAINING"))
            && s.model
                .capacity_provider_strategy
                .iter()
                .flatten()
                .any(|x| x.capacity_provider.as_deref() == Some(name))
    });
    let tasks = st.tasks.values().any(|t| {
        cluster.is_none_or(|c| t.cluster == c)
            && t.model.last_status.as_deref() != Some("STOPPED")
            && t.model.capacity_provider_name() == Some(name)
    });
    services || tasks
}

/// Checks the providers a cluster is given (CreateCluster,
/// PutClusterCapacityProviders): they exist and may join `cluster`, and
/// its strategy uses only them. Returns the names, ARNs resolved.
pub(super) fn check_cluster_providers(
    ctx: &Ctx,
    cluster: &str,
    providers: &[String],
    strategy: &[m::CapacityProviderStrategyItem],
    via_put: bool,
) -> R<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for p in providers {
        let name = name_of(p);
        if names.contains(&name) {
            return Err(invalid(format!(
                "The capacity provider {name} is specified more than once."
            )));
        }
        if !is_fargate(&name) {
            let Some(rec) = active(ctx, &name) else {
                return Err(not_found());
            };
            match rec.model.cluster.as_deref() {
                // [R: terraform-provider-aws#44783]
                Some(own) if via_put && own == cluster => {}
                Some(_) => {
                    return Err(invalid("Cannot associate Managed Instances capacity provider to clusters using this API. Managed Instances capacity providers are already associated with the cluster they were created in."))
                }
                None => {
                    // An Auto Scaling group provider serves one cluster [M doc].
                    let elsewhere = clusters_with(ctx, &name)
                        .into_iter()
                        .any(|c| c != cluster);
                    if elsewhere {
                        return Err(invalid(format!(
                            "The capacity provider {name} is already associated with another cluster. A capacity provider can be associated with only one cluster."
                        )));
                    }
                }
            }
        }
        names.push(name);
    }
    if names.len() > MAX_PER_CLUSTER {
        // [R: cloudformation-coverage-roadmap#1086]
        return Err(invalid(
            "The maximum number of capacity providers per cluster has been exceeded.",
        ));
    }
    check_strategy(ctx, &names, strategy)?;
    Ok(names)
}

/// The rules of a strategy against the providers of its cluster.
fn check_strategy(
    ctx: &Ctx,
    cluster_providers: &[String],
    strategy: &[m::CapacityProviderStrategyItem],
) -> R<()> {
    if strategy.len() > MAX_STRATEGY {
        return Err(invalid(
            "A capacity provider strategy can contain a maximum of 6 capacity providers.",
        ));
    }
    let mut seen: Vec<String> = Vec::new();
    for item in strategy {
        let name = item.capacity_provider.clone().unwrap_or_default();
        if seen.contains(&name) {
            return Err(invalid(format!(
                "The capacity provider {name} is specified more than once in the capacity provider strategy."
            )));
        }
        if !cluster_providers.contains(&name) {
            // [R: dask/dask-cloudprovider#328]
            return Err(invalid("The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again."));
        }
        if !is_fargate(&name) && active(ctx, &name).is_none() {
            return Err(not_found());
        }
        seen.push(name);
    }
    // [M doc: "Only one capacity provider in a capacity provider strategy
    // can have a base defined"]
    if strategy.iter().filter(|s| s.base.unwrap_or(0) > 0).count() > 1 {
        return Err(invalid(
            "Only one capacity provider in a capacity provider strategy can have a base value greater than zero.",
        ));
    }
    let fargate = seen.iter().filter(|n| is_fargate(n)).count();
    if fargate > 0 && fargate < seen.len() {
        // [R: terraform-aws-modules/terraform-aws-ecs#68]
        return Err(invalid("A capacity provider strategy cannot contain a mix of capacity providers using Auto Scaling groups and Fargate providers. Specify one or the other and try again."));
    }
    Ok(())
}

/// Where the tasks of a RunTask or CreateService call go.
#[derive(Debug, Clone)]
pub(super) enum Placement {
    /// `launchType`, given or the default (`EC2`).
    LaunchType(String),
    /// A strategy: the call's or the cluster's default one.
    Strategy {
        items: Vec<m::CapacityProviderStrategyItem>,
        /// FARGATE / FARGATE_SPOT (else Auto Scaling group or Managed
        /// Instances providers, which run tasks on container instances).
        fargate: bool,
    },
}

/// Picks the launch type or the strategy of a RunTask / CreateService call
/// on `cluster`: `launchType` and a strategy exclude each other; with
/// neither, the cluster's default strategy applies, else `EC2` [M doc:
/// CreateService, RunTask].
pub(super) fn placement(
    ctx: &Ctx,
    cluster: &str,
    launch_type: Option<&str>,
    strategy: Option<&[m::CapacityProviderStrategyItem]>,
) -> R<Placement> {
    let strategy = strategy.filter(|s| !s.is_empty());
    let default = ctx
        .acct()
        .ecs
        .clusters
        .get(cluster)
        .and_then(|c| c.model.default_capacity_provider_strategy.clone())
        .unwrap_or_default();
    let (items, is_default) = match (launch_type, strategy) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.",
            ))
        }
        (Some(t), None) => return Ok(Placement::LaunchType(t.to_string())),
        (None, Some(s)) => (s.to_vec(), false),
        (None, None) if !default.is_empty() => (default, true),
        (None, None) => return Ok(Placement::LaunchType("EC2".into())),
    };
    let providers: Vec<String> = ctx
        .acct()
        .ecs
        .clusters
        .get(cluster)
        .and_then(|c| c.model.capacity_providers.clone())
        .unwrap_or_default();
    check_strategy(ctx, &providers, &items)?;
    // [M doc: with several providers at least one needs a weight above 0]
    if items.len() > 1 && items.iter().all(|s| s.weight.unwrap_or(0) == 0) {
        return Err(invalid(if is_default {
            // [R: terraform-aws-modules/terraform-aws-ecs#27]
            "There are no capacity providers with a weight value greater than zero defined in the default capacity provider strategy. At least one capacity provider must have a weight value greater than zero specified. Update the cluster's default capacity provider strategy or specify a valid capacity provider strategy and try again."
        } else {
            "There are no capacity providers with a weight value greater than zero defined in the capacity provider strategy. At least one capacity provider must have a weight value greater than zero specified. Specify a valid capacity provider strategy and try again."
        }));
    }
    let fargate = items
        .iter()
        .all(|s| is_fargate(s.capacity_provider.as_deref().unwrap_or("")));
    Ok(Placement::Strategy { items, fargate })
}

/// The capacity provider of each of `n` new tasks under `strategy`, given
/// the tasks already running per provider: first the provider with a base
/// until it runs that many, then the rest split by weight — each next task
/// to the provider furthest below its weighted share of the tasks beyond
/// the bases (ties to the one listed first). As the counts include what
/// runs already, a service keeps its split as it scales. A provider of
/// weight 0 only takes its base, unless no provider has a weight at all
/// (a single provider): then the first one takes the rest.
pub(super) fn distribute(
    strategy: &[m::CapacityProviderStrategyItem],
    already_running: &BTreeMap<String, usize>,
    n: usize,
) -> Vec<String> {
    let names: Vec<String> = strategy
        .iter()
        .map(|s| s.capacity_provider.clone().unwrap_or_default())
        .collect();
    if names.is_empty() {
        return vec![];
    }
    let base: Vec<usize> = strategy
        .iter()
        .map(|s| s.base.unwrap_or(0).max(0) as usize)
        .collect();
    let weight: Vec<usize> = strategy
        .iter()
        .map(|s| s.weight.unwrap_or(0).max(0) as usize)
        .collect();
    let total_weight: usize = weight.iter().sum();
    let mut count: Vec<usize> = names
        .iter()
        .map(|p| already_running.get(p).copied().unwrap_or(0))
        .collect();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let pick = match (0..names.len()).find(|&i| count[i] < base[i]) {
            Some(i) => i,
            None if total_weight == 0 => 0,
            None => {
                let beyond = |i: usize| count[i].saturating_sub(base[i]);
                let tasks: usize = (0..names.len()).map(beyond).sum();
                // Deficit against the share after one more task, scaled by
                // the total weight (integers, no rounding).
                let deficit = |i: usize| {
                    ((tasks + 1) * weight[i]) as i128 - (beyond(i) * total_weight) as i128
                };
                (0..names.len())
                    .filter(|&i| weight[i] > 0)
                    .fold(None, |best: Option<usize>, i| match best {
                        Some(b) if deficit(b) >= deficit(i) => Some(b),
                        _ => Some(i),
                    })
                    .unwrap_or(0)
            }
        };
        count[pick] += 1;
        out.push(names[pick].clone());
    }
    out
}

/// What a scenario may pin of a cluster's `as_policy` attachment (queued
/// under `ecs-cluster-attachment`, taken in provider order).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct AttachmentPin {
    id: Option<String>,
    scaling_policy_name: Option<String>,
}

/// The provider an `as_policy` attachment is for.
pub(super) fn attachment_provider(a: &m::Attachment) -> Option<String> {
    a.details
        .iter()
        .flatten()
        .find(|d| d.name.as_deref() == Some("capacityProviderName"))
        .and_then(|d| d.value.clone())
}

/// Brings a cluster's attachments in line with its providers: one
/// `as_policy` attachment (the managed target tracking policy) per Auto
/// Scaling group provider with managed scaling on, made `PRECREATED` and
/// `CREATED` on the world clock; the cluster shows `PROVISIONING` while a
/// new cluster's are made [aws-spec §11.2; U: details' names].
pub(super) fn sync_attachments(ctx: &mut Ctx, cluster: &str) {
    let Some(c) = ctx.acct().ecs.clusters.get(cluster).cloned() else {
        return;
    };
    let providers = c.model.capacity_providers.clone().unwrap_or_default();
    let current = c.model.attachments.clone().unwrap_or_default();
    let mut next: Vec<m::Attachment> = Vec::new();
    let mut changed = current.len();
    for p in &providers {
        let scaled = active(ctx, p)
            .and_then(|r| r.model.auto_scaling_group_provider.as_ref())
            .and_then(|a| a.managed_scaling.as_ref())
            .is_some_and(|s| s.status.as_deref() == Some("ENABLED"));
        if !scaled {
            continue;
        }
        if let Some(a) = current
            .iter()
            .find(|a| attachment_provider(a).as_deref() == Some(p.as_str()))
        {
            next.push(a.clone());
            changed -= 1;
            continue;
        }
        let pin: AttachmentPin = ctx
            .world
            .ids
            .take_pinned("ecs-cluster-attachment")
            .unwrap_or_default();
        let id = pin.id.unwrap_or_else(|| ctx.world.ids.uuid());
        let policy = pin
            .scaling_policy_name
            .unwrap_or_else(|| format!("ECSManagedAutoScalingPolicy-{}", ctx.world.ids.uuid()));
        let kv = |n: &str, v: &str| m::KeyValuePair {
            name: Some(n.into()),
            value: Some(v.into()),
        };
        next.push(m::Attachment {
            id: Some(id),
            type_: Some("as_policy".into()),
            status: Some("PRECREATED".into()),
            details: Some(vec![
                kv("capacityProviderName", p),
                kv("scalingPolicyName", &policy),
            ]),
        });
        changed += 1;
    }
    if changed == 0 && next.len() == current.len() {
        return;
    }
    let pending = next
        .iter()
        .any(|a| a.status.as_deref() == Some("PRECREATED"));
    if let Some(c) = ctx.acct_mut().ecs.clusters.get_mut(cluster) {
        c.model.attachments = Some(next);
        c.model.attachments_status = Some(if pending {
            "UPDATE_IN_PROGRESS".into()
        } else {
            "UPDATE_COMPLETE".into()
        });
    }
    if pending {
        let name = cluster.to_string();
        ctx.schedule(STEP_MS, move |ctx| attachments_made(ctx, &name));
    }
}

/// The cluster's new attachments are made: `CREATED`, the update complete,
/// a `PROVISIONING` cluster `ACTIVE`.
fn attachments_made(ctx: &mut Ctx, cluster: &str) {
    let Some(c) = ctx.acct_mut().ecs.clusters.get_mut(cluster) else {
        return;
    };
    for a in c.model.attachments.iter_mut().flatten() {
        if a.status.as_deref() == Some("PRECREATED") {
            a.status = Some("CREATED".into());
        }
    }
    c.model.attachments_status = Some("UPDATE_COMPLETE".into());
    let provisioning = c.model.status.as_deref() == Some("PROVISIONING");
    if provisioning {
        c.model.status = Some("ACTIVE".into());
        ctx.emit(event("cluster", cluster, "provisioned", Some("ACTIVE")));
    }
}

/// Whether a cluster with these providers has attachments to make (and
/// so starts `PROVISIONING`).
pub(super) fn needs_attachments(ctx: &Ctx, providers: &[String]) -> bool {
    providers.iter().any(|p| {
        active(ctx, p)
            .and_then(|r| r.model.auto_scaling_group_provider.as_ref())
            .and_then(|a| a.managed_scaling.as_ref())
            .is_some_and(|s| s.status.as_deref() == Some("ENABLED"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, base: i32, weight: i32) -> m::CapacityProviderStrategyItem {
        m::CapacityProviderStrategyItem {
            capacity_provider: Some(name.into()),
            base: Some(base),
            weight: Some(weight),
        }
    }

    fn counts(v: &[String]) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for p in v {
            *m.entry(p.clone()).or_insert(0) += 1;
        }
        m
    }

    #[test]
    fn base_first_then_weights() {
        let s = [item("FARGATE", 1, 1), item("FARGATE_SPOT", 0, 3)];
        let out = distribute(&s, &BTreeMap::new(), 9);
        assert_eq!(out[0], "FARGATE");
        let c = counts(&out);
        assert_eq!(c["FARGATE"], 3);
        assert_eq!(c["FARGATE_SPOT"], 6);
    }

    #[test]
    fn the_split_holds_when_scaling_one_at_a_time() {
        let s = [item("FARGATE", 1, 1), item("FARGATE_SPOT", 0, 3)];
        let mut running = BTreeMap::new();
        let mut all = Vec::new();
        for _ in 0..9 {
            let next = distribute(&s, &running, 1);
            *running.entry(next[0].clone()).or_insert(0) += 1;
            all.extend(next);
        }
        assert_eq!(all, distribute(&s, &BTreeMap::new(), 9));
        // Scaling 9 → 13 adds 1 and 3.
        let more = counts(&distribute(&s, &running, 4));
        assert_eq!(more["FARGATE"], 1);
        assert_eq!(more["FARGATE_SPOT"], 3);
    }

    #[test]
    fn base_counts_running_tasks() {
        let s = [item("FARGATE", 2, 0), item("FARGATE_SPOT", 0, 1)];
        let running = BTreeMap::from([("FARGATE".to_string(), 2)]);
        assert_eq!(distribute(&s, &running, 3), vec!["FARGATE_SPOT"; 3]);
        assert_eq!(
            distribute(&s, &BTreeMap::new(), 3),
            vec!["FARGATE", "FARGATE", "FARGATE_SPOT"]
        );
    }

    #[test]
    fn equal_weights_alternate_and_single_provider_takes_all() {
        let s = [item("a", 0, 1), item("b", 0, 1)];
        assert_eq!(
            distribute(&s, &BTreeMap::new(), 4),
            vec!["a", "b", "a", "b"]
        );
        let one = [m::CapacityProviderStrategyItem {
            capacity_provider: Some("FARGATE_SPOT".into()),
            base: None,
            weight: None,
        }];
        assert_eq!(
            distribute(&one, &BTreeMap::new(), 2),
            vec!["FARGATE_SPOT"; 2]
        );
        assert!(distribute(&[], &BTreeMap::new(), 2).is_empty());
    }

    #[test]
    fn weight_zero_takes_only_its_base() {
        let s = [item("FARGATE", 0, 0), item("FARGATE_SPOT", 0, 5)];
        assert_eq!(distribute(&s, &BTreeMap::new(), 3), vec!["FARGATE_SPOT"; 3]);
    }
}
