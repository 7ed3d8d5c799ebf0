//! ListServicesByNamespace: the services, across clusters, whose Service
//! Connect configuration uses a Cloud Map namespace.

use super::common::{page, R};
use crate::model::ecs as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// A namespace name or ARN → its ARN, if ECS knows it.
fn resolve(ctx: &Ctx, namespace: &str) -> Option<String> {
    let ns = &ctx.acct().ecs.namespaces;
    if namespace.starts_with("arn:") {
        ns.values().find(|a| *a == namespace).cloned()
    } else {
        ns.get(namespace).cloned()
    }
}

pub(super) fn list(
    ctx: &mut Ctx,
    i: m::ListServicesByNamespaceRequest,
) -> R<m::ListServicesByNamespaceResponse> {
    let max = match i.max_results {
        Some(n) if !(1..=100).contains(&n) => {
            return Err(super::common::invalid(format!(
                "maxResults must be between 1 and 100 (got {n})."
            )))
        }
        Some(n) => n as usize,
        None => 10,
    };
    let namespace = i.namespace.unwrap_or_default();
    let wanted = resolve(ctx, &namespace).ok_or_else(|| {
        AwsError::new(
            "NamespaceNotFoundException",
            format!("The namespace {namespace} does not exist."),
        )
    })?;
    let st = &ctx.acct().ecs;
    let mut items = Vec::new();
    for s in st.services.values() {
        if s.model.status.as_deref() == Some("INACTIVE") {
            continue;
        }
        let cluster_default = st
            .clusters
            .get(&s.cluster)
            .and_then(|c| c.model.service_connect_defaults.as_ref())
            .and_then(|d| d.namespace.clone());
        let uses = s.model.deployments.iter().flatten().any(|d| {
            d.service_connect_configuration
                .as_ref()
                .filter(|c| c.enabled == Some(true))
                .and_then(|c| c.namespace.clone().or(cluster_default.clone()))
                .and_then(|n| resolve(ctx, &n))
                .is_some_and(|a| a == wanted)
        });
        if uses {
            let arn = s.model.service_arn.clone().unwrap_or_default();
            items.push((arn.clone(), arn));
        }
    }
    let (arns, next) = page(items, max, i.next_token.as_deref())?;
    Ok(m::ListServicesByNamespaceResponse {
        service_arns: Some(arns),
        next_token: next,
    })
}
