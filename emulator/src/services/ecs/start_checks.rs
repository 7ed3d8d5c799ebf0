//! What a task must reach over the network to start, in the order ECS goes
//! — its secrets and registry credentials, the ECR auth token, the log
//! driver's CloudWatch Logs, then each image (the manifest from its
//! registry, an ECR image's layers from S3) — and the first of them it
//! cannot reach from its network interface, with the texts ECS stops such
//! a task with (`data/start-failures.tsv`) and awsemu's explanation.
//!
//! The order (ECS developer guide "Amazon ECS task lifecycle"; the
//! project's notes on start-failure texts, section 2): ENI, then
//! "execution resources" (secrets, registry auth), then the log driver,
//! then the image pull [U within a step: secrets before the ECR token, as
//! one real fix sequence showed].

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::model::ecs as m;
use crate::services::ec2::catalog::stable_hex;
use crate::services::ec2::reachability::{self, To};
use crate::services::state::Ctx;

const TABLE: &str = include_str!("data/start-failures.tsv");

/// How long ECS tries before it gives up on an unreachable endpoint, in
/// AWS milliseconds [U: retries with backoff take tens of seconds].
pub(super) const GIVE_UP_MS: i64 = 30_000;

fn texts() -> &'static BTreeMap<&'static str, &'static str> {
    static T: OnceLock<BTreeMap<&'static str, &'static str>> = OnceLock::new();
    T.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut cols = l.split('\t');
                Some((cols.next()?, cols.next()?))
            })
            .collect()
    })
}

/// The text of `key` with its placeholders filled; capped at the 1,024
/// characters the API keeps of a reason.
fn text(key: &str, vars: &[(&str, &str)]) -> String {
    let mut s = texts().get(key).copied().unwrap_or(key).to_string();
    for (name, value) in vars {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s.chars().take(1024).collect()
}

/// An image reference, as a registry client reads it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Image {
    pub raw: String,
    /// The registry host (`registry-1.docker.io` for Docker Hub).
    pub host: String,
    pub repo: String,
    pub tag: String,
    /// Fully qualified (`docker.io/library/nginx:latest`).
    pub reference: String,
    /// The Region of a private ECR registry.
    pub ecr_region: Option<String>,
}

pub(super) fn parse_image(raw: &str) -> Image {
    let (first, rest) = raw.split_once('/').unwrap_or(("", raw));
    let registry = first.contains('.') || first.contains(':') || first == "localhost";
    let (host, path) = if registry {
        (first.to_string(), rest.to_string())
    } else {
        let path = if raw.contains('/') {
            raw.to_string()
        } else {
            format!("library/{raw}")
        };
        ("docker.io".to_string(), path)
    };
    let (repo, tag) = if let Some((r, d)) = path.split_once('@') {
        (r.to_string(), d.to_string())
    } else {
        match path.rsplit_once(':') {
            Some((r, t)) if !t.contains('/') => (r.to_string(), t.to_string()),
            _ => (path.clone(), "latest".to_string()),
        }
    };
    let sep = if tag.starts_with("sha256:") { '@' } else { ':' };
    let reference = format!("{host}/{repo}{sep}{tag}");
    let labels: Vec<&str> = host.split('.').collect();
    let ecr_region = (labels.len() >= 6
        && labels[0].len() == 12
        && labels[0].bytes().all(|b| b.is_ascii_digit())
        && labels[1] == "dkr"
        && labels[2].starts_with("ecr")
        && labels[4] == "amazonaws")
        .then(|| labels[3].to_string());
    let host = if host == "docker.io" {
        "registry-1.docker.io".to_string()
    } else {
        host
    };
    Image {
        raw: raw.to_string(),
        host,
        repo,
        tag,
        reference,
        ecr_region,
    }
}

/// The repository ARN of a private ECR image.
fn ecr_repo_arn(image: &Image) -> String {
    let account = image.host.split('.').next().unwrap_or("");
    let region = image.ecr_region.as_deref().unwrap_or("");
    format!("arn:aws:ecr:{region}:{account}:repository/{}", image.repo)
}

/// A made-up public address a name resolves to, stable per name.
fn public_ip(name: &str, first: &str) -> String {
    let h = stable_hex(name, 4);
    let b = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).unwrap_or(1).max(1);
    format!("{first}.{}.{}", b(0), b(2))
}

/// What stops a task that cannot reach something it needs.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Blocked {
    pub stopped_reason: String,
    /// The container whose start failed, and its `reason`.
    pub container: Option<(String, String)>,
    /// awsemu's sentence: what it could not reach and why.
    pub explanation: String,
}

/// One thing a task needs to reach, in order.
struct Need {
    /// The service (in its Region) or internet host.
    region: String,
    to: To,
    /// (table key, placeholders), for Fargate and for EC2.
    fargate: (&'static str, Vec<(&'static str, String)>),
    ec2: (&'static str, Vec<(&'static str, String)>),
    container: String,
    /// The container's `reason` says it on Fargate too (image pulls).
    container_reason_on_fargate: bool,
    /// What the task calls there, which an endpoint's policy must allow,
    /// and the Fargate text when it does not.
    actions: &'static [&'static str],
    denied: &'static str,
    /// The resource named when denied.
    resource: String,
}

fn service(region: &str, name: &str) -> (String, To) {
    (region.to_string(), To::Service(name.to_string()))
}

/// The Region and service of a secret's `valueFrom`.
fn secret_source(value_from: &str, region: &str) -> (String, bool) {
    let parts: Vec<&str> = value_from.splitn(6, ':').collect();
    if parts.len() == 6 && parts[0] == "arn" {
        (parts[3].to_string(), parts[2] == "secretsmanager")
    } else {
        (region.to_string(), false)
    }
}

fn needs(def: &m::TaskDefinition, region: &str) -> Vec<Need> {
    let containers: Vec<&m::ContainerDefinition> =
        def.container_definitions.iter().flatten().collect();
    let name = |c: &m::ContainerDefinition| c.name.clone().unwrap_or_default();
    let mut out = Vec::new();
    // Execution resources: secrets and private registry credentials.
    for c in &containers {
        let creds = c
            .repository_credentials
            .as_ref()
            .and_then(|r| r.credentials_parameter.clone());
        let secrets = c
            .secrets
            .iter()
            .flatten()
            .filter_map(|s| s.value_from.clone());
        for value_from in secrets.chain(creds) {
            let (r, asm) = secret_source(&value_from, region);
            let (svc, key) = if asm {
                ("secretsmanager", "asm")
            } else {
                ("ssm", "ssm")
            };
            let (region, to) = service(&r, svc);
            let ip = public_ip(&format!("{svc}.{r}"), "52.46");
            let vars = vec![
                ("region", r.clone()),
                ("secret", value_from.clone()),
                ("ip", ip),
            ];
            out.push(Need {
                region,
                to,
                fargate: (
                    if asm { "fargate.asm" } else { "fargate.ssm" },
                    vars.clone(),
                ),
                ec2: (if key == "asm" { "ec2.asm" } else { "ec2.ssm" }, vars),
                container: name(c),
                container_reason_on_fargate: false,
                actions: if asm {
                    &["secretsmanager:GetSecretValue"]
                } else {
                    &["ssm:GetParameters"]
                },
                denied: if asm {
                    "fargate.denied.asm"
                } else {
                    "fargate.denied.ssm"
                },
                resource: if asm || value_from.starts_with("arn:") {
                    value_from.clone()
                } else {
                    let name = value_from.trim_start_matches('/');
                    format!("arn:aws:ssm:{r}:{{account}}:parameter/{name}")
                },
            });
        }
    }
    // The ECR auth token, once per Region of the ECR images.
    let mut auth_regions: Vec<(String, String)> = Vec::new();
    for c in &containers {
        let image = parse_image(c.image.as_deref().unwrap_or(""));
        if let Some(r) = image.ecr_region {
            if !auth_regions.iter().any(|(x, _)| *x == r) {
                auth_regions.push((r, name(c)));
            }
        }
    }
    for (r, container) in auth_regions {
        let ip = public_ip(&format!("api.ecr.{r}"), "52.46");
        let vars = vec![("region", r.clone()), ("ip", ip)];
        let (region, to) = service(&r, "ecr.api");
        out.push(Need {
            region,
            to,
            fargate: ("fargate.ecr-auth", vars.clone()),
            ec2: ("ec2.ecr-auth", vars),
            container,
            container_reason_on_fargate: false,
            actions: &["ecr:GetAuthorizationToken"],
            denied: "fargate.denied.ecr-auth",
            resource: "*".into(),
        });
    }
    // The log driver.
    for c in &containers {
        let Some(log) = c.log_configuration.as_ref() else {
            continue;
        };
        if log.log_driver.as_deref() != Some("awslogs") {
            continue;
        }
        let r = log
            .options
            .as_ref()
            .and_then(|o| o.get("awslogs-region").cloned())
            .unwrap_or_else(|| region.to_string());
        let ip = public_ip(&format!("logs.{r}"), "52.46");
        let vars = vec![("region", r.clone()), ("ip", ip)];
        let (region, to) = service(&r, "logs");
        out.push(Need {
            region,
            to,
            fargate: ("fargate.logs", vars.clone()),
            ec2: ("ec2.logs", vars),
            container: name(c),
            container_reason_on_fargate: false,
            actions: &["logs:CreateLogStream", "logs:PutLogEvents"],
            denied: "fargate.denied.logs",
            resource: format!(
                "arn:aws:logs:{r}:{{account}}:log-group:{}:log-stream:",
                log.options
                    .as_ref()
                    .and_then(|o| o.get("awslogs-group").cloned())
                    .unwrap_or_default()
            ),
        });
    }
    // The images: the manifest, then (ECR) the layers from S3.
    for c in &containers {
        let image = parse_image(c.image.as_deref().unwrap_or(""));
        let vars = |ip: String| {
            vec![
                ("image", image.raw.clone()),
                ("ref", image.reference.clone()),
                ("host", image.host.clone()),
                ("repo", image.repo.clone()),
                ("tag", image.tag.clone()),
                ("ip", ip),
            ]
        };
        let host_ip = public_ip(&image.host, "54.239");
        match &image.ecr_region {
            Some(r) => {
                let (region, to) = service(r, "ecr.dkr");
                out.push(Need {
                    region,
                    to,
                    fargate: ("fargate.ecr-manifest", vars(host_ip.clone())),
                    ec2: ("ec2.pull", vars(host_ip)),
                    container: name(c),
                    container_reason_on_fargate: true,
                    actions: &["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    denied: "fargate.denied.pull",
                    resource: ecr_repo_arn(&image),
                });
                let s3_ip = public_ip(&format!("s3.{r}"), "52.216");
                let (region, to) = service(r, "s3");
                out.push(Need {
                    region,
                    to,
                    fargate: ("fargate.ecr-layers", vars(s3_ip.clone())),
                    ec2: ("ec2.pull", vars(s3_ip)),
                    container: name(c),
                    container_reason_on_fargate: true,
                    actions: &["s3:GetObject"],
                    denied: "fargate.denied.pull",
                    resource: format!("arn:aws:s3:::prod-{r}-starport-layer-bucket/*"),
                });
            }
            None => out.push(Need {
                region: region.to_string(),
                to: To::Internet(image.host.clone()),
                fargate: ("fargate.registry", vars(host_ip.clone())),
                ec2: ("ec2.pull", vars(host_ip)),
                container: name(c),
                container_reason_on_fargate: true,
                actions: &[],
                denied: "fargate.denied.pull",
                resource: String::new(),
            }),
        }
    }
    out
}

/// The first thing the task cannot reach from `eni` (its own for awsvpc,
/// its instance's otherwise) — or that an endpoint's policy does not let
/// `principal` (the role the call is made as) do — or None when it can
/// reach all it needs.
pub(super) fn first_blocked(
    ctx: &Ctx,
    def: &m::TaskDefinition,
    eni: &str,
    fargate: bool,
    principal: &str,
) -> Option<Blocked> {
    let st = &ctx.acct().ec2;
    for need in needs(def, ctx.region_name()) {
        let answer =
            reachability::check_for(st, &need.region, eni, &need.to, &ctx.account, need.actions);
        if answer.reachable {
            continue;
        }
        let explanation = format!(
            "the task cannot reach {} from {eni}: {}",
            answer.destination,
            answer.explanation.clone().unwrap_or_default()
        );
        let fill = |(key, vars): &(&str, Vec<(&str, String)>)| {
            let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
            text(key, &vars)
        };
        let reason =
            |fargate_key: &(&str, Vec<(&str, String)>), ec2_key| match &answer.denied_action {
                None if fargate => fill(fargate_key),
                None => fill(ec2_key),
                Some(action) => {
                    let resource = need.resource.replace("{account}", &ctx.account);
                    let request = ctx.world.ids.uuid();
                    let mut vars: Vec<(&str, String)> = fargate_key.1.clone();
                    vars.extend([
                        ("principal", principal.to_string()),
                        ("action", action.clone()),
                        ("resource", resource),
                        ("request", request),
                    ]);
                    let key = if fargate { need.denied } else { "ec2.denied" };
                    fill(&(key, vars))
                }
            };
        return Some(if fargate {
            let reason = reason(&need.fargate, &need.ec2);
            Blocked {
                container: need
                    .container_reason_on_fargate
                    .then(|| (need.container.clone(), reason.clone())),
                stopped_reason: reason,
                explanation,
            }
        } else {
            Blocked {
                stopped_reason: text("ec2.stopped", &[]),
                container: Some((need.container.clone(), reason(&need.fargate, &need.ec2))),
                explanation,
            }
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_parse_as_registry_clients_read_them() {
        let i = parse_image("nginx");
        assert_eq!(
            (
                i.host.as_str(),
                i.repo.as_str(),
                i.tag.as_str(),
                i.reference.as_str()
            ),
            (
                "registry-1.docker.io",
                "library/nginx",
                "latest",
                "docker.io/library/nginx:latest"
            )
        );
        let i = parse_image("grafana/grafana:10.1");
        assert_eq!(i.reference, "docker.io/grafana/grafana:10.1");
        let i = parse_image("public.ecr.aws/nginx/nginx:1.25");
        assert_eq!(
            (i.host.as_str(), i.repo.as_str()),
            ("public.ecr.aws", "nginx/nginx")
        );
        assert_eq!(i.ecr_region, None);
        let i = parse_image("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app/web@sha256:abcd");
        assert_eq!(i.ecr_region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            (i.repo.as_str(), i.tag.as_str()),
            ("app/web", "sha256:abcd")
        );
        assert_eq!(
            i.reference,
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app/web@sha256:abcd"
        );
        let i = parse_image("localhost:5000/web");
        assert_eq!(
            (i.host.as_str(), i.tag.as_str()),
            ("localhost:5000", "latest")
        );
    }

    #[test]
    fn every_text_is_in_the_table_and_filled() {
        for key in [
            "fargate.ecr-auth",
            "fargate.asm",
            "fargate.ssm",
            "fargate.logs",
            "fargate.ecr-manifest",
            "fargate.ecr-layers",
            "fargate.registry",
            "ec2.stopped",
            "ec2.ecr-auth",
            "ec2.asm",
            "ec2.ssm",
            "ec2.logs",
            "ec2.pull",
        ] {
            assert!(texts().contains_key(key), "{key}");
        }
        let t = text(
            "fargate.ecr-auth",
            &[("region", "us-east-1"), ("ip", "52.46.1.2")],
        );
        assert!(
            t.contains("Post \"https://api.ecr.us-east-1.amazonaws.com/\": dial tcp 52.46.1.2:443")
        );
        assert!(!t.contains('{'));
    }
}
