//! Express gateway services: CreateExpressGatewayService,
//! DescribeExpressGatewayService, UpdateExpressGatewayService,
//! DeleteExpressGatewayService.
//!
//! An Express service is an ECS service: creating one registers a Fargate
//! task definition for its primary container (or takes the caller's) and
//! creates the service through CreateService, so its tasks run, and
//! DescribeServices, ListServices, the tags calls and the waiters see it.
//! Updating registers a new revision and rolls the service; deleting drains
//! it. Its status is the service's (`ACTIVE`, `DRAINING`, `INACTIVE`).
//!
//! The load balancer, certificate and scaling policies AWS provisions for
//! it are not created [U]. Guesses are marked `[U]`.

use super::clusters;
use super::common::{arn, invalid, R};
use super::services;
use super::state::ExpressServiceRec;
use super::task_definitions;
use crate::model::ecs as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

fn check_role(what: &str, role: &str) -> R<()> {
    let ok = role
        .strip_prefix("arn:aws:iam::")
        .and_then(|r| r.split_once(":role/"))
        .is_some_and(|(acct, name)| {
            acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()
        });
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what} {role} is not a valid IAM role ARN."
        )))
    }
}

/// `<cluster>/<service>` of an Express service ARN of this account and
/// Region (the service ARN's long format).
fn key_of(ctx: &Ctx, service_arn: &str) -> R<String> {
    let prefix = arn(ctx, "service/");
    service_arn
        .strip_prefix(&prefix)
        .filter(|r| r.split('/').count() == 2)
        .map(str::to_string)
        .ok_or_else(|| invalid(format!("Invalid service ARN: {service_arn}")))
}

/// What a Create or Update call sets of the configuration.
struct Wanted<'a> {
    task_definition_arn: Option<&'a str>,
    primary_container: Option<&'a m::ExpressGatewayContainer>,
    execution_role_arn: Option<&'a str>,
    task_role_arn: Option<&'a str>,
    cpu: Option<&'a str>,
    memory: Option<&'a str>,
    cpu_architecture: Option<&'a str>,
    health_check_path: Option<&'a str>,
    scaling_target: Option<&'a m::ExpressGatewayScalingTarget>,
    network: Option<&'a m::ExpressGatewayServiceNetworkConfiguration>,
}

fn check(w: &Wanted<'_>) -> R<()> {
    // The model: with taskDefinitionArn, "you cannot also specify
    // primaryContainer, executionRoleArn, taskRoleArn, cpu, memory, or
    // cpuArchitecture."
    if w.task_definition_arn.is_some()
        && (w.primary_container.is_some()
            || w.execution_role_arn.is_some()
            || w.task_role_arn.is_some()
            || w.cpu.is_some()
            || w.memory.is_some()
            || w.cpu_architecture.is_some())
    {
        return Err(invalid(
            "When taskDefinitionArn is specified, primaryContainer, executionRoleArn, taskRoleArn, cpu, memory and cpuArchitecture cannot be specified.",
        ));
    }
    if let Some(c) = w.primary_container {
        if c.image.as_deref().unwrap_or("").is_empty() {
            return Err(invalid("primaryContainer.image must not be empty."));
        }
        if c.container_port.is_some_and(|p| !(1..=65535).contains(&p)) {
            return Err(invalid(
                "primaryContainer.containerPort must be between 1 and 65535.",
            ));
        }
        if let Some(l) = &c.aws_logs_configuration {
            if l.log_group.as_deref().unwrap_or("").is_empty()
                || l.log_stream_prefix.as_deref().unwrap_or("").is_empty()
            {
                return Err(invalid(
                    "awsLogsConfiguration needs a logGroup and a logStreamPrefix.",
                ));
            }
        }
    }
    for (what, r) in [
        ("executionRoleArn", w.execution_role_arn),
        ("taskRoleArn", w.task_role_arn),
    ] {
        if let Some(r) = r {
            check_role(what, r)?;
        }
    }
    if let Some(a) = w.cpu_architecture {
        if !matches!(a, "X86_64" | "ARM64") {
            return Err(invalid(format!(
                "Invalid cpuArchitecture {a}: valid values are X86_64 and ARM64."
            )));
        }
    }
    if let Some(p) = w.health_check_path {
        // The model: "The health check path must start with a forward
        // slash".
        if !p.starts_with('/') {
            return Err(invalid("healthCheckPath must start with a forward slash."));
        }
    }
    if let Some(s) = w.scaling_target {
        let (min, max) = (s.min_task_count, s.max_task_count);
        if min.is_some_and(|n| n < 0) || max.is_some_and(|n| n < 1) {
            return Err(invalid(
                "scalingTarget: minTaskCount must be 0 or more and maxTaskCount 1 or more.",
            ));
        }
        if let (Some(a), Some(b)) = (min, max) {
            if a > b {
                return Err(invalid(
                    "scalingTarget.minTaskCount cannot be greater than maxTaskCount.",
                ));
            }
        }
        if let Some(metric) = &s.auto_scaling_metric {
            if !matches!(
                metric.as_str(),
                "AVERAGE_CPU" | "AVERAGE_MEMORY" | "REQUEST_COUNT_PER_TARGET"
            ) {
                return Err(invalid(format!("Invalid autoScalingMetric {metric}.")));
            }
        }
    }
    Ok(())
}

/// A customer task definition must have a container named Main with a
/// single TCP port mapping with a port and a name, and FARGATE
/// compatibility (the model's words).
fn check_own_definition(def: &m::TaskDefinition) -> R<()> {
    let main = def
        .container_definitions
        .iter()
        .flatten()
        .find(|c| c.name.as_deref() == Some("Main"));
    let Some(main) = main else {
        return Err(invalid(
            "The task definition must have a container named Main.",
        ));
    };
    let ports = main.port_mappings.clone().unwrap_or_default();
    let ok = ports.len() == 1
        && ports[0].container_port.is_some()
        && ports[0].name.is_some()
        && ports[0].protocol.as_deref().unwrap_or("tcp") == "tcp";
    if !ok {
        return Err(invalid(
            "The Main container must have a single TCP port mapping with a container port and a port name.",
        ));
    }
    if !def.compatibilities.iter().flatten().any(|c| c == "FARGATE") {
        return Err(AwsError::new(
            "PlatformTaskDefinitionIncompatibilityException",
            "The task definition is not compatible with FARGATE.",
        ));
    }
    Ok(())
}

fn default_subnets(ctx: &Ctx) -> Vec<String> {
    ctx.acct()
        .ec2
        .subnets
        .iter()
        .filter(|(_, s)| s.default_for_az)
        .map(|(id, _)| id.clone())
        .collect()
}

/// The task definition of a configuration: the caller's, or one ECS
/// registers for the primary container (family = service name [U]).
/// Returns its ARN and whether it was registered here (to undo).
fn task_definition_for(
    ctx: &mut Ctx,
    name: &str,
    cfg: &m::ExpressGatewayServiceConfiguration,
    own: Option<&str>,
) -> R<(String, bool)> {
    if let Some(own) = own {
        let def = task_definitions::active(ctx, own)?;
        check_own_definition(&def)?;
        return Ok((def.task_definition_arn.unwrap_or_default(), false));
    }
    let c = cfg.primary_container.clone().unwrap_or_default();
    let logs = c.aws_logs_configuration.clone().unwrap_or_default();
    let mut options = std::collections::BTreeMap::new();
    options.insert(
        "awslogs-group".to_string(),
        logs.log_group.unwrap_or_default(),
    );
    options.insert(
        "awslogs-stream-prefix".to_string(),
        logs.log_stream_prefix.unwrap_or_default(),
    );
    options.insert("awslogs-region".to_string(), ctx.region_name().to_string());
    let container = m::ContainerDefinition {
        name: Some("Main".into()),
        image: c.image.clone(),
        essential: Some(true),
        port_mappings: Some(vec![m::PortMapping {
            container_port: c.container_port,
            protocol: Some("tcp".into()),
            name: Some(format!("{}-{}-tcp", "main", c.container_port.unwrap_or(80))),
            ..Default::default()
        }]),
        command: c.command.clone(),
        environment: c.environment.clone(),
        secrets: c.secrets.clone(),
        repository_credentials: c
            .repository_credentials
            .as_ref()
            .and_then(|r| r.credentials_parameter.clone())
            .map(|p| m::RepositoryCredentials {
                credentials_parameter: Some(p),
            }),
        log_configuration: Some(m::LogConfiguration {
            log_driver: Some("awslogs".into()),
            options: Some(options.into_iter().collect()),
            secret_options: None,
        }),
        ..Default::default()
    };
    let out = task_definitions::register(
        ctx,
        m::RegisterTaskDefinitionRequest {
            family: Some(name.to_string()),
            task_role_arn: cfg.task_role_arn.clone(),
            execution_role_arn: cfg.execution_role_arn.clone(),
            network_mode: Some("awsvpc".into()),
            container_definitions: Some(vec![container]),
            requires_compatibilities: Some(vec!["FARGATE".into()]),
            cpu: cfg.cpu.clone(),
            memory: cfg.memory.clone(),
            runtime_platform: Some(m::RuntimePlatform {
                cpu_architecture: cfg.cpu_architecture.clone(),
                operating_system_family: Some("LINUX".into()),
            }),
            ..Default::default()
        },
    )?;
    let a = out
        .task_definition
        .and_then(|d| d.task_definition_arn)
        .unwrap_or_default();
    Ok((a, true))
}

/// Takes back a task definition registered for a call that then failed.
fn unregister(ctx: &mut Ctx, family: &str) {
    let families = &mut ctx.acct_mut().ecs.families;
    if let Some(revs) = families.get_mut(family) {
        revs.pop();
        if revs.is_empty() {
            families.remove(family);
        }
    }
}

fn status(code: &str) -> m::ExpressGatewayServiceStatus {
    m::ExpressGatewayServiceStatus {
        status_code: Some(code.to_string()),
        status_reason: None,
    }
}

/// The description of an Express service, from its record and its ECS
/// service.
fn model(ctx: &Ctx, key: &str, with_tags: bool) -> m::ECSExpressGatewayService {
    let st = &ctx.acct().ecs;
    let e = &st.express_services[key];
    let svc = st.services.get(key);
    let code = svc
        .and_then(|s| s.model.status.clone())
        .unwrap_or_else(|| "INACTIVE".into());
    // A configuration is active while a deployment of the service runs
    // its task definition.
    let running: Vec<String> = svc
        .and_then(|s| s.model.deployments.clone())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|d| d.task_definition)
        .collect();
    let active = e
        .configurations
        .iter()
        .filter(|c| {
            c.task_definition_arn
                .as_ref()
                .is_some_and(|t| running.contains(t))
        })
        .cloned()
        .collect();
    m::ECSExpressGatewayService {
        cluster: Some(e.cluster.clone()),
        service_name: Some(e.name.clone()),
        service_arn: Some(arn(ctx, &format!("service/{key}"))),
        infrastructure_role_arn: Some(e.infrastructure_role_arn.clone()),
        status: Some(status(&code)),
        current_deployment: e.current_deployment.clone(),
        active_configurations: Some(active),
        tags: with_tags.then(|| svc.map(|s| s.tags.clone()).unwrap_or_default()),
        created_at: Some(e.created_at),
        updated_at: Some(e.updated_at),
    }
}

/// The service deployment ARN of the service's primary deployment [U].
fn deployment_arn(ctx: &Ctx, key: &str) -> Option<String> {
    let svc = ctx.acct().ecs.services.get(key)?;
    let id = svc.model.deployments.as_ref()?.first()?.id.clone()?;
    let id = id.rsplit('/').next().unwrap_or(&id).to_string();
    Some(arn(ctx, &format!("service-deployment/{key}/{id}")))
}

fn ingress(ctx: &Ctx, name: &str) -> Vec<m::IngressPathSummary> {
    // The endpoint format `https://<service>.ecs.<region>.on.aws` as the
    // terraform-aws-modules ECS Express module documents its service_url;
    // PUBLIC for the default internet-facing load balancer [U].
    vec![m::IngressPathSummary {
        access_type: Some("PUBLIC".into()),
        endpoint: Some(format!(
            "https://{}.ecs.{}.on.aws",
            name.to_ascii_lowercase(),
            ctx.region_name()
        )),
    }]
}

pub(super) fn create(
    ctx: &mut Ctx,
    i: m::CreateExpressGatewayServiceRequest,
) -> R<m::CreateExpressGatewayServiceResponse> {
    let role = i.infrastructure_role_arn.clone().unwrap_or_default();
    if role.is_empty() {
        return Err(invalid("infrastructureRoleArn must not be empty."));
    }
    check_role("infrastructureRoleArn", &role)?;
    let w = Wanted {
        task_definition_arn: i.task_definition_arn.as_deref(),
        primary_container: i.primary_container.as_ref(),
        execution_role_arn: i.execution_role_arn.as_deref(),
        task_role_arn: i.task_role_arn.as_deref(),
        cpu: i.cpu.as_deref(),
        memory: i.memory.as_deref(),
        cpu_architecture: i.cpu_architecture.as_deref(),
        health_check_path: i.health_check_path.as_deref(),
        scaling_target: i.scaling_target.as_ref(),
        network: i.network_configuration.as_ref(),
    };
    check(&w)?;
    if i.task_definition_arn.is_none() && i.primary_container.is_none() {
        // The model: "The primary container must specify at minimum a
        // container image."
        return Err(invalid(
            "primaryContainer is required when taskDefinitionArn is not specified.",
        ));
    }
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    let name = match i.service_name.clone() {
        Some(n) => n,
        // The model: "If you don't specify a service name, Amazon ECS
        // generates a unique name" (its form [U]).
        None => format!("express-{}", ctx.world.ids.hex(8)),
    };
    let key = format!("{cluster}/{name}");
    let subnets = match w.network.and_then(|n| n.subnets.clone()) {
        Some(s) if !s.is_empty() => s,
        // The model: "If not provided, Amazon ECS will use the default VPC
        // configuration".
        _ => default_subnets(ctx),
    };
    let groups = w.network.and_then(|n| n.security_groups.clone());
    // Defaults from the model: 256 CPU units, 512 MiB, container port 80,
    // health check path /ping, X86_64, target value 60, CPU metric, and the
    // log stream prefix `ecs`.
    let mut container = i.primary_container.clone();
    if let Some(c) = container.as_mut() {
        c.container_port.get_or_insert(80);
        c.aws_logs_configuration.get_or_insert_with(|| {
            m::ExpressGatewayServiceAwsLogsConfiguration {
                // [U] the log group name.
                log_group: Some(format!("/aws/ecs/{cluster}/{name}")),
                log_stream_prefix: Some("ecs".into()),
            }
        });
    }
    let mut scaling = i.scaling_target.clone().unwrap_or_default();
    scaling.min_task_count.get_or_insert(1); // [U]
    scaling.max_task_count.get_or_insert(20); // [U]
    scaling
        .auto_scaling_metric
        .get_or_insert_with(|| "AVERAGE_CPU".into());
    scaling.auto_scaling_target_value.get_or_insert(60);
    let own = i.task_definition_arn.is_some();
    let mut cfg = m::ExpressGatewayServiceConfiguration {
        service_revision_arn: Some(arn(
            ctx,
            &format!("service-revision/{key}/{}", ctx.world.ids.hex(19)),
        )),
        execution_role_arn: i.execution_role_arn.clone(),
        task_role_arn: i.task_role_arn.clone(),
        task_definition_arn: None,
        cpu: (!own).then(|| i.cpu.clone().unwrap_or_else(|| "256".into())),
        memory: (!own).then(|| i.memory.clone().unwrap_or_else(|| "512".into())),
        cpu_architecture: (!own).then(|| {
            i.cpu_architecture
                .clone()
                .unwrap_or_else(|| "X86_64".into())
        }),
        network_configuration: Some(m::ExpressGatewayServiceNetworkConfiguration {
            security_groups: groups.clone(),
            subnets: Some(subnets.clone()),
        }),
        health_check_path: Some(
            i.health_check_path
                .clone()
                .unwrap_or_else(|| "/ping".into()),
        ),
        primary_container: container,
        scaling_target: Some(scaling.clone()),
        ingress_paths: Some(ingress(ctx, &name)),
        created_at: Some(ctx.now()),
    };
    if ctx
        .acct()
        .ecs
        .services
        .get(&key)
        .is_some_and(|s| s.model.status.as_deref() != Some("INACTIVE"))
    {
        return Err(invalid("Creation of service was not idempotent."));
    }
    let (td, registered) = task_definition_for(ctx, &name, &cfg, i.task_definition_arn.as_deref())?;
    cfg.task_definition_arn = Some(td.clone());
    let created = services::create(
        ctx,
        m::CreateServiceRequest {
            cluster: Some(cluster.clone()),
            service_name: Some(name.clone()),
            task_definition: Some(td),
            desired_count: scaling.min_task_count,
            launch_type: Some("FARGATE".into()),
            network_configuration: Some(m::NetworkConfiguration {
                awsvpc_configuration: Some(m::AwsVpcConfiguration {
                    subnets: Some(subnets),
                    security_groups: groups,
                    assign_public_ip: Some("ENABLED".into()),
                }),
            }),
            tags: i.tags.clone(),
            ..Default::default()
        },
    );
    if let Err(e) = created {
        if registered {
            unregister(ctx, &name);
        }
        return Err(e);
    }
    let now = ctx.now();
    let current = deployment_arn(ctx, &key);
    ctx.acct_mut().ecs.express_services.insert(
        key.clone(),
        ExpressServiceRec {
            cluster: cluster.clone(),
            name,
            infrastructure_role_arn: role,
            configurations: vec![cfg],
            current_deployment: current,
            created_at: now,
            updated_at: now,
        },
    );
    Ok(m::CreateExpressGatewayServiceResponse {
        service: Some(model(ctx, &key, true)),
    })
}

/// The Express service an ARN names; `write` calls use the codes of
/// Update and Delete (ServiceNotFoundException), Describe uses
/// ResourceNotFoundException (the model's error lists).
fn existing(ctx: &Ctx, service_arn: &str, write: bool) -> R<String> {
    let key = key_of(ctx, service_arn)?;
    let cluster = key.split('/').next().unwrap_or("");
    if !ctx.acct().ecs.clusters.contains_key(cluster) {
        return Err(super::common::cluster_not_found());
    }
    if ctx.acct().ecs.express_services.contains_key(&key) {
        return Ok(key);
    }
    Err(if write {
        super::common::service_not_found()
    } else {
        AwsError::new(
            "ResourceNotFoundException",
            format!("The Express service {service_arn} was not found."),
        )
    })
}

pub(super) fn describe(
    ctx: &mut Ctx,
    i: m::DescribeExpressGatewayServiceRequest,
) -> R<m::DescribeExpressGatewayServiceResponse> {
    let key = existing(ctx, i.service_arn.as_deref().unwrap_or(""), false)?;
    let include = i.include.unwrap_or_default();
    if let Some(x) = include.iter().find(|x| *x != "TAGS") {
        return Err(invalid(format!(
            "Invalid include {x}: the valid value is TAGS."
        )));
    }
    Ok(m::DescribeExpressGatewayServiceResponse {
        service: Some(model(ctx, &key, include.iter().any(|x| x == "TAGS"))),
    })
}

fn not_active() -> AwsError {
    AwsError::new("ServiceNotActiveException", "Service was not ACTIVE.")
}

fn is_active(ctx: &Ctx, key: &str) -> bool {
    ctx.acct()
        .ecs
        .services
        .get(key)
        .is_some_and(|s| s.model.status.as_deref() == Some("ACTIVE"))
}

pub(super) fn update(
    ctx: &mut Ctx,
    i: m::UpdateExpressGatewayServiceRequest,
) -> R<m::UpdateExpressGatewayServiceResponse> {
    let key = existing(ctx, i.service_arn.as_deref().unwrap_or(""), true)?;
    if !is_active(ctx, &key) {
        return Err(not_active());
    }
    let w = Wanted {
        task_definition_arn: i.task_definition_arn.as_deref(),
        primary_container: i.primary_container.as_ref(),
        execution_role_arn: i.execution_role_arn.as_deref(),
        task_role_arn: i.task_role_arn.as_deref(),
        cpu: i.cpu.as_deref(),
        memory: i.memory.as_deref(),
        cpu_architecture: i.cpu_architecture.as_deref(),
        health_check_path: i.health_check_path.as_deref(),
        scaling_target: i.scaling_target.as_ref(),
        network: i.network_configuration.as_ref(),
    };
    check(&w)?;
    let e = ctx.acct().ecs.express_services[&key].clone();
    let last = e.configurations.last().cloned().unwrap_or_default();
    // What is not given stays as it was [U for the merge of a partial
    // primary container: the fields given replace the old ones].
    let mut cfg = last.clone();
    cfg.service_revision_arn = Some(arn(
        ctx,
        &format!("service-revision/{key}/{}", ctx.world.ids.hex(19)),
    ));
    cfg.created_at = Some(ctx.now());
    let own = i.task_definition_arn.is_some();
    if own {
        cfg.primary_container = None;
        cfg.execution_role_arn = None;
        cfg.task_role_arn = None;
        cfg.cpu = None;
        cfg.memory = None;
        cfg.cpu_architecture = None;
    } else {
        if let Some(c) = &i.primary_container {
            let mut merged = c.clone();
            let old = last.primary_container.clone().unwrap_or_default();
            merged.container_port = merged.container_port.or(old.container_port).or(Some(80));
            merged.aws_logs_configuration =
                merged.aws_logs_configuration.or(old.aws_logs_configuration);
            cfg.primary_container = Some(merged);
        } else if cfg.primary_container.is_none() {
            return Err(invalid(
                "primaryContainer is required: the service runs a customer task definition and no taskDefinitionArn was given.",
            ));
        }
        if i.execution_role_arn.is_some() {
            cfg.execution_role_arn = i.execution_role_arn.clone();
        }
        if i.task_role_arn.is_some() {
            cfg.task_role_arn = i.task_role_arn.clone();
        }
        cfg.cpu = i.cpu.clone().or(cfg.cpu).or(Some("256".into()));
        cfg.memory = i.memory.clone().or(cfg.memory).or(Some("512".into()));
        cfg.cpu_architecture = i
            .cpu_architecture
            .clone()
            .or(cfg.cpu_architecture)
            .or(Some("X86_64".into()));
    }
    if let Some(p) = &i.health_check_path {
        cfg.health_check_path = Some(p.clone());
    }
    if let Some(s) = &i.scaling_target {
        let mut t = cfg.scaling_target.clone().unwrap_or_default();
        t.min_task_count = s.min_task_count.or(t.min_task_count);
        t.max_task_count = s.max_task_count.or(t.max_task_count);
        t.auto_scaling_metric = s.auto_scaling_metric.clone().or(t.auto_scaling_metric);
        t.auto_scaling_target_value = s.auto_scaling_target_value.or(t.auto_scaling_target_value);
        if let (Some(a), Some(b)) = (t.min_task_count, t.max_task_count) {
            if a > b {
                return Err(invalid(
                    "scalingTarget.minTaskCount cannot be greater than maxTaskCount.",
                ));
            }
        }
        cfg.scaling_target = Some(t);
    }
    let mut network = None;
    if let Some(n) = &i.network_configuration {
        let mut net = cfg.network_configuration.clone().unwrap_or_default();
        if let Some(s) = n.subnets.clone().filter(|s| !s.is_empty()) {
            net.subnets = Some(s);
        }
        if n.security_groups.is_some() {
            net.security_groups = n.security_groups.clone();
        }
        network = Some(m::NetworkConfiguration {
            awsvpc_configuration: Some(m::AwsVpcConfiguration {
                subnets: net.subnets.clone(),
                security_groups: net.security_groups.clone(),
                assign_public_ip: Some("ENABLED".into()),
            }),
        });
        cfg.network_configuration = Some(net);
    }
    let (td, registered) =
        task_definition_for(ctx, &e.name, &cfg, i.task_definition_arn.as_deref())?;
    cfg.task_definition_arn = Some(td.clone());
    let desired = cfg.scaling_target.as_ref().and_then(|t| t.min_task_count);
    let updated = services::update(
        ctx,
        m::UpdateServiceRequest {
            cluster: Some(e.cluster.clone()),
            service: Some(e.name.clone()),
            task_definition: Some(td),
            desired_count: desired,
            network_configuration: network,
            ..Default::default()
        },
    );
    if let Err(err) = updated {
        if registered {
            unregister(ctx, &e.name);
        }
        return Err(err);
    }
    let now = ctx.now();
    let current = deployment_arn(ctx, &key);
    let rec = ctx
        .acct_mut()
        .ecs
        .express_services
        .get_mut(&key)
        .expect("exists");
    rec.configurations.push(cfg.clone());
    rec.current_deployment = current;
    rec.updated_at = now;
    let (created_at, cluster, name) = (rec.created_at, rec.cluster.clone(), rec.name.clone());
    Ok(m::UpdateExpressGatewayServiceResponse {
        service: Some(m::UpdatedExpressGatewayService {
            service_arn: i.service_arn,
            cluster: Some(cluster),
            service_name: Some(name),
            status: Some(status("ACTIVE")),
            target_configuration: Some(cfg),
            created_at: Some(created_at),
            updated_at: Some(now),
        }),
    })
}

pub(super) fn delete(
    ctx: &mut Ctx,
    i: m::DeleteExpressGatewayServiceRequest,
) -> R<m::DeleteExpressGatewayServiceResponse> {
    let key = existing(ctx, i.service_arn.as_deref().unwrap_or(""), true)?;
    if !is_active(ctx, &key) {
        return Err(not_active());
    }
    let (cluster, name) = key.split_once('/').unwrap_or((&key, ""));
    let (cluster, name) = (cluster.to_string(), name.to_string());
    // The model: the service enters DRAINING; once its tasks stop, it is
    // gone.
    services::delete(
        ctx,
        m::DeleteServiceRequest {
            cluster: Some(cluster),
            service: Some(name),
            force: Some(true),
        },
    )?;
    let now = ctx.now();
    if let Some(e) = ctx.acct_mut().ecs.express_services.get_mut(&key) {
        e.updated_at = now;
    }
    let mut out = model(ctx, &key, false);
    // The answer shows the service DRAINING even when it had no task left.
    out.status = Some(status("DRAINING"));
    Ok(m::DeleteExpressGatewayServiceResponse { service: Some(out) })
}
