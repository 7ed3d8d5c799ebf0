//! RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions,
//! ListTaskDefinitionFamilies, DeregisterTaskDefinition (aws-spec.md §11.6–11.8).

use std::collections::BTreeSet;

use super::common::{arn, check_max, client, event, invalid, page, short_name, R};
use super::state::TaskDefRec;
use super::task_definition_deletion;
use crate::model::ecs as m;
use crate::services::state::Ctx;

/// `family`, `family:revision` or the ARN → (family, revision if given).
fn parse_reference(reference: &str) -> (String, Option<i32>) {
    let short = short_name(reference, "task-definition");
    match short.rsplit_once(':') {
        Some((family, rev)) => match rev.parse() {
            Ok(r) => (family.to_string(), Some(r)),
            Err(_) => (short.to_string(), None),
        },
        None => (short.to_string(), None),
    }
}

/// Any revision the reference names (INACTIVE ones too).
pub(super) fn find<'a>(ctx: &'a Ctx, reference: &str) -> Option<&'a TaskDefRec> {
    let (family, rev) = parse_reference(reference);
    let revisions = ctx.acct().ecs.families.get(&family)?;
    let found = match rev {
        Some(r) if r >= 1 => revisions.get(r as usize - 1),
        Some(_) => None,
        None => revisions
            .iter()
            .rev()
            .find(|d| d.model.status.as_deref() == Some("ACTIVE")),
    };
    found.filter(|d| !task_definition_deletion::gone(ctx, d))
}

/// The ACTIVE revision a RunTask/CreateService names.
pub(super) fn active(ctx: &Ctx, reference: &str) -> R<m::TaskDefinition> {
    match find(ctx, reference) {
        Some(d) if d.model.status.as_deref() == Some("ACTIVE") => Ok(d.model.clone()),
        Some(_) => Err(client(format!("TaskDefinition is inactive: {reference}"))),
        None => Err(client("TaskDefinition not found.")),
    }
}

fn valid_family(f: &str) -> bool {
    !f.is_empty()
        && f.len() <= 255
        && f.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `1 vCPU` → `1024`, `0.5 vCPU` → `512`, `1024` → `1024`.
fn cpu_units(raw: &str) -> Option<String> {
    let t = raw.trim();
    if let Some(v) = t.strip_suffix("vCPU").or_else(|| t.strip_suffix("vcpu")) {
        let f: f64 = v.trim().parse().ok()?;
        return Some(((f * 1024.0).round() as i64).to_string());
    }
    t.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(|n| n.to_string())
}

/// `2 GB` → `2048`, `512` → `512`.
fn memory_mib(raw: &str) -> Option<String> {
    let t = raw.trim();
    if let Some(v) = t.strip_suffix("GB").or_else(|| t.strip_suffix("gb")) {
        let f: f64 = v.trim().parse().ok()?;
        return Some(((f * 1024.0).round() as i64).to_string());
    }
    t.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(|n| n.to_string())
}

/// The task sizes Fargate offers.
fn fargate_pair_ok(cpu: i64, mem: i64) -> bool {
    let gb = |n: i64| n * 1024;
    match cpu {
        256 => [512, 1024, 2048].contains(&mem),
        512 => (gb(1)..=gb(4)).contains(&mem) && mem % 1024 == 0,
        1024 => (gb(2)..=gb(8)).contains(&mem) && mem % 1024 == 0,
        2048 => (gb(4)..=gb(16)).contains(&mem) && mem % 1024 == 0,
        4096 => (gb(8)..=gb(30)).contains(&mem) && mem % 1024 == 0,
        8192 => (gb(16)..=gb(60)).contains(&mem) && mem % gb(4) == 0,
        16384 => (gb(32)..=gb(120)).contains(&mem) && mem % gb(8) == 0,
        _ => false,
    }
}

fn fill_container(c: &mut m::ContainerDefinition, network_mode: &str) {
    c.cpu.get_or_insert(0);
    c.essential.get_or_insert(true);
    c.environment.get_or_insert_with(Vec::new);
    c.mount_points.get_or_insert_with(Vec::new);
    c.volumes_from.get_or_insert_with(Vec::new);
    c.system_controls.get_or_insert_with(Vec::new);
    for p in c.port_mappings.get_or_insert_with(Vec::new) {
        p.protocol.get_or_insert_with(|| "tcp".into());
        if matches!(network_mode, "awsvpc" | "host") && p.host_port.is_none() {
            p.host_port = p.container_port;
        }
    }
}

pub(super) fn register(
    ctx: &mut Ctx,
    i: m::RegisterTaskDefinitionRequest,
) -> R<m::RegisterTaskDefinitionResponse> {
    let family = i.family.clone().unwrap_or_default();
    if !valid_family(&family) {
        return Err(client(
            "Family contains invalid characters: up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.",
        ));
    }
    let mut containers = i.container_definitions.clone().unwrap_or_default();
    if containers.is_empty() {
        return Err(client("Container list cannot be empty."));
    }
    let mut names = BTreeSet::new();
    let mut port_names = BTreeSet::new();
    for c in &containers {
        let name = c.name.clone().unwrap_or_default();
        if name.is_empty() {
            return Err(client("Container.name should not be null or empty."));
        }
        if !names.insert(name.clone()) {
            return Err(client(format!(
                "Container names must be unique: {name} appears twice."
            )));
        }
        if c.image.as_deref().unwrap_or("").is_empty() {
            return Err(client("Container.image should not be null or empty."));
        }
        for p in c.port_mappings.iter().flatten() {
            if let Some(n) = &p.name {
                if !port_names.insert(n.clone()) {
                    return Err(client(format!("Port mapping names must be unique: {n}.")));
                }
            }
            if let Some(a) = &p.app_protocol {
                if !matches!(a.as_str(), "http" | "http2" | "grpc") {
                    return Err(invalid(format!("Invalid appProtocol {a}.")));
                }
            }
        }
    }
    let cpu = match &i.cpu {
        Some(c) => Some(
            cpu_units(c).ok_or_else(|| client(format!("Invalid 'cpu' setting for task: {c}")))?,
        ),
        None => None,
    };
    let memory = match &i.memory {
        Some(v) => Some(
            memory_mib(v)
                .ok_or_else(|| client(format!("Invalid 'memory' setting for task: {v}")))?,
        ),
        None => None,
    };
    let requires = i.requires_compatibilities.clone().unwrap_or_default();
    let fargate = requires.iter().any(|r| r == "FARGATE");
    let network_mode = i.network_mode.clone();
    if fargate {
        if network_mode.as_deref() != Some("awsvpc") {
            return Err(client("Fargate only supports network mode 'awsvpc'."));
        }
        let (Some(c), Some(mem)) = (&cpu, &memory) else {
            return Err(client(if cpu.is_none() {
                "Fargate requires that 'cpu' be defined at the task level."
            } else {
                "Fargate requires that 'memory' be defined at the task level."
            }));
        };
        let (c, mem): (i64, i64) = (c.parse().unwrap_or(0), mem.parse().unwrap_or(0));
        if !fargate_pair_ok(c, mem) {
            return Err(client(format!(
                "No Fargate configuration exists for given values: {c} CPU, {mem} memory. See the Amazon ECS documentation for the valid values."
            )));
        }
    }
    let mode = network_mode.clone().unwrap_or_else(|| "bridge".into());
    for c in &mut containers {
        fill_container(c, &mode);
    }
    let revision = ctx
        .acct()
        .ecs
        .families
        .get(&family)
        .map(|r| r.len() as i32)
        .unwrap_or(0)
        + 1;
    let mut requires_attributes = vec![m::Attribute {
        name: Some("com.amazonaws.ecs.capability.docker-remote-api.1.18".into()),
        ..Default::default()
    }];
    if mode == "awsvpc" {
        requires_attributes.push(m::Attribute {
            name: Some("ecs.capability.task-eni".into()),
            ..Default::default()
        });
    }
    let def = m::TaskDefinition {
        task_definition_arn: Some(arn(ctx, &format!("task-definition/{family}:{revision}"))),
        container_definitions: Some(containers),
        family: Some(family.clone()),
        task_role_arn: i.task_role_arn,
        execution_role_arn: i.execution_role_arn,
        network_mode,
        revision: Some(revision),
        volumes: Some(i.volumes.unwrap_or_default()),
        status: Some("ACTIVE".into()),
        requires_attributes: Some(requires_attributes),
        placement_constraints: Some(i.placement_constraints.unwrap_or_default()),
        compatibilities: Some(if fargate {
            vec!["EC2".into(), "FARGATE".into()]
        } else {
            vec!["EXTERNAL".into(), "EC2".into()]
        }),
        runtime_platform: i.runtime_platform,
        requires_compatibilities: i.requires_compatibilities,
        cpu,
        memory,
        inference_accelerators: i.inference_accelerators,
        pid_mode: i.pid_mode,
        ipc_mode: i.ipc_mode,
        proxy_configuration: i.proxy_configuration,
        registered_at: Some(ctx.now()),
        registered_by: Some(ctx.principal.clone()),
        ephemeral_storage: i.ephemeral_storage,
        enable_fault_injection: i.enable_fault_injection,
        ..Default::default()
    };
    let tags = i.tags.unwrap_or_default();
    ctx.acct_mut()
        .ecs
        .families
        .entry(family.clone())
        .or_default()
        .push(TaskDefRec {
            model: def.clone(),
            tags: tags.clone(),
        });
    ctx.emit(event(
        "task-definition",
        &format!("{family}:{revision}"),
        "registered",
        Some("ACTIVE"),
    ));
    Ok(m::RegisterTaskDefinitionResponse {
        task_definition: Some(def),
        tags: Some(tags),
    })
}

pub(super) fn describe(
    ctx: &mut Ctx,
    i: m::DescribeTaskDefinitionRequest,
) -> R<m::DescribeTaskDefinitionResponse> {
    let reference = i.task_definition.unwrap_or_default();
    let d = find(ctx, &reference).ok_or_else(|| client("Unable to describe task definition."))?;
    let tags = i
        .include
        .unwrap_or_default()
        .iter()
        .any(|x| x == "TAGS")
        .then(|| d.tags.clone());
    Ok(m::DescribeTaskDefinitionResponse {
        task_definition: Some(d.model.clone()),
        tags,
    })
}

pub(super) fn list(
    ctx: &mut Ctx,
    i: m::ListTaskDefinitionsRequest,
) -> R<m::ListTaskDefinitionsResponse> {
    let max = check_max(i.max_results)?;
    let status = i.status.unwrap_or_else(|| "ACTIVE".into());
    // Despite its name, `familyPrefix` is the whole family here (only
    // ListTaskDefinitionFamilies matches by prefix) [M doc].
    let family_filter = i.family_prefix;
    let mut items: Vec<(String, i32, String)> = Vec::new();
    for (family, revisions) in &ctx.acct().ecs.families {
        if family_filter.as_ref().is_some_and(|f| f != family) {
            continue;
        }
        for d in revisions
            .iter()
            .filter(|d| d.model.status.as_deref() == Some(status.as_str()))
            .filter(|d| !task_definition_deletion::gone(ctx, d))
        {
            let arn = d.model.task_definition_arn.clone().unwrap_or_default();
            items.push((family.clone(), d.model.revision.unwrap_or(0), arn));
        }
    }
    // By family, then revision; `sort=DESC` reverses both.
    items.sort();
    if i.sort.as_deref() == Some("DESC") {
        items.reverse();
    }
    let ordered = items
        .into_iter()
        .map(|(f, r, a)| (format!("{f}:{r}"), a))
        .collect();
    let (arns, next) = page_in_order(ordered, max, i.next_token.as_deref())?;
    Ok(m::ListTaskDefinitionsResponse {
        task_definition_arns: Some(arns),
        next_token: next,
    })
}

/// Paging for lists not sorted by key: the token is the position.
fn page_in_order(
    items: Vec<(String, String)>,
    max: usize,
    token: Option<&str>,
) -> R<(Vec<String>, Option<String>)> {
    let start = match token.filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => t
            .strip_prefix("pos-")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| invalid("Invalid nextToken."))?,
    };
    let rest: Vec<String> = items.into_iter().skip(start).map(|(_, v)| v).collect();
    if rest.len() > max {
        Ok((rest[..max].to_vec(), Some(format!("pos-{}", start + max))))
    } else {
        Ok((rest, None))
    }
}

pub(super) fn list_families(
    ctx: &mut Ctx,
    i: m::ListTaskDefinitionFamiliesRequest,
) -> R<m::ListTaskDefinitionFamiliesResponse> {
    let max = check_max(i.max_results)?;
    let status = i.status.unwrap_or_else(|| "ACTIVE".into());
    let prefix = i.family_prefix.unwrap_or_default();
    let items = ctx
        .acct()
        .ecs
        .families
        .iter()
        .filter(|(f, _)| f.starts_with(&prefix))
        .filter(|(_, revs)| revs.iter().any(|d| !task_definition_deletion::gone(ctx, d)))
        .filter(|(_, revs)| {
            let active = revs
                .iter()
                .any(|d| d.model.status.as_deref() == Some("ACTIVE"));
            match status.as_str() {
                "ALL" => true,
                "INACTIVE" => !active,
                _ => active,
            }
        })
        .map(|(f, _)| (f.clone(), f.clone()))
        .collect();
    let (families, next) = page(items, max, i.next_token.as_deref())?;
    Ok(m::ListTaskDefinitionFamiliesResponse {
        families: Some(families),
        next_token: next,
    })
}

pub(super) fn deregister(
    ctx: &mut Ctx,
    i: m::DeregisterTaskDefinitionRequest,
) -> R<m::DeregisterTaskDefinitionResponse> {
    let reference = i.task_definition.unwrap_or_default();
    let (family, rev) = parse_reference(&reference);
    let Some(rev) = rev else {
        return Err(client(format!(
            "Invalid revision number. Number: {reference}: a revision (family:revision) or an ARN is required."
        )));
    };
    if find(ctx, &reference).is_none() {
        return Err(client("The specified task definition does not exist."));
    }
    let now = ctx.now();
    let d = ctx
        .acct_mut()
        .ecs
        .families
        .get_mut(&family)
        .and_then(|r| r.get_mut(rev as usize - 1))
        .ok_or_else(|| client("The specified task definition does not exist."))?;
    if d.model.status.as_deref() == Some("ACTIVE") {
        d.model.status = Some("INACTIVE".into());
        d.model.deregistered_at = Some(now);
    }
    let out = d.model.clone();
    ctx.emit(event(
        "task-definition",
        &format!("{family}:{rev}"),
        "deregistered",
        Some("INACTIVE"),
    ));
    Ok(m::DeregisterTaskDefinitionResponse {
        task_definition: Some(out),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_references() {
        assert_eq!(cpu_units("1 vCPU").as_deref(), Some("1024"));
        assert_eq!(cpu_units("0.25 vCPU").as_deref(), Some("256"));
        assert_eq!(memory_mib("2 GB").as_deref(), Some("2048"));
        assert_eq!(memory_mib("512").as_deref(), Some("512"));
        assert!(cpu_units("lots").is_none());
        assert!(fargate_pair_ok(256, 512) && fargate_pair_ok(1024, 3072));
        assert!(!fargate_pair_ok(256, 4096) && !fargate_pair_ok(300, 512));
        assert_eq!(parse_reference("web"), ("web".into(), None));
        assert_eq!(parse_reference("web:3"), ("web".into(), Some(3)));
        assert_eq!(
            parse_reference("arn:aws:ecs:us-east-1:123456789012:task-definition/web:7"),
            ("web".into(), Some(7))
        );
    }
}
