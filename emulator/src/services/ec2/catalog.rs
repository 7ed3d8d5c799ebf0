//! The AWS-owned endpoint services every Region offers (aws-spec.md §12),
//! kept as data: one line per service. Values tagged [U] in the spec are
//! defaults to revisit when real output is seen.

use crate::world::regions;

/// `I` interface, `G` gateway.
pub struct Entry {
    /// `com.amazonaws.<region>.<suffix>`
    pub suffix: &'static str,
    /// The label of `BaseEndpointDnsNames` (`<label>.<region>.vpce.amazonaws.com`).
    pub dns_label: &'static str,
    pub interface: bool,
    pub gateway: bool,
    /// Private DNS names of the interface service; `{r}` is the Region.
    pub private_dns: &'static [&'static str],
    /// Whether interface endpoints turn private DNS on when the caller does not say.
    pub private_dns_default: bool,
    pub policy_supported: bool,
    pub dual_stack: bool,
    /// Reachable from other Regions through `ServiceRegion`.
    pub cross_region: bool,
}

const fn has(types: &str, c: u8) -> bool {
    let b = types.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == c {
            return true;
        }
        i += 1;
    }
    false
}

macro_rules! svc {
    ($suffix:literal, $label:literal, $types:literal, [$($dns:literal),*], $pdns_default:literal, $policy:literal, $dual:literal, $xr:literal) => {
        Entry {
            suffix: $suffix,
            dns_label: $label,
            interface: has($types, b'I'),
            gateway: has($types, b'G'),
            private_dns: &[$($dns),*],
            private_dns_default: $pdns_default,
            policy_supported: $policy,
            dual_stack: $dual,
            cross_region: $xr,
        }
    };
}

//   suffix, DNS label, types, private DNS names, private DNS by default, policy, dual stack, cross-Region
pub static CATALOG: &[Entry] = &[
    svc!(
        "ecs",
        "ecs",
        "I",
        ["ecs.{r}.amazonaws.com"],
        true,
        false,
        false,
        true
    ),
    svc!(
        "ecs-agent",
        "ecs-agent",
        "I",
        ["ecs-a.{r}.amazonaws.com"],
        true,
        false,
        false,
        false
    ),
    svc!(
        "ecs-telemetry",
        "ecs-telemetry",
        "I",
        ["ecs-t.{r}.amazonaws.com"],
        true,
        false,
        false,
        false
    ),
    svc!(
        "ecr.api",
        "api.ecr",
        "I",
        ["api.ecr.{r}.amazonaws.com"],
        true,
        true,
        false,
        true
    ),
    svc!(
        "ecr.dkr",
        "dkr.ecr",
        "I",
        ["*.dkr.ecr.{r}.amazonaws.com"],
        true,
        true,
        false,
        true
    ),
    svc!(
        "logs",
        "logs",
        "I",
        ["logs.{r}.amazonaws.com"],
        true,
        true,
        true,
        false
    ),
    svc!(
        "s3",
        "s3",
        "IG",
        ["*.s3.{r}.amazonaws.com"],
        false,
        true,
        true,
        true
    ),
    svc!("dynamodb", "dynamodb", "G", [], false, true, false, false),
    svc!(
        "sts",
        "sts",
        "I",
        ["sts.{r}.amazonaws.com"],
        true,
        true,
        false,
        false
    ),
    svc!(
        "ssm",
        "ssm",
        "I",
        ["ssm.{r}.amazonaws.com"],
        true,
        true,
        false,
        false
    ),
    svc!(
        "ssmmessages",
        "ssmmessages",
        "I",
        ["ssmmessages.{r}.amazonaws.com"],
        true,
        true,
        false,
        false
    ),
    svc!(
        "ec2messages",
        "ec2messages",
        "I",
        ["ec2messages.{r}.amazonaws.com"],
        true,
        true,
        false,
        false
    ),
    svc!(
        "ec2",
        "ec2",
        "I",
        ["ec2.{r}.amazonaws.com"],
        true,
        true,
        false,
        false
    ),
    svc!(
        "secretsmanager",
        "secretsmanager",
        "I",
        ["secretsmanager.{r}.amazonaws.com"],
        true,
        true,
        false,
        false
    ),
    svc!(
        "kms",
        "kms",
        "I",
        ["kms.{r}.amazonaws.com"],
        true,
        true,
        false,
        true
    ),
    svc!(
        "sqs",
        "sqs",
        "I",
        ["sqs.{r}.amazonaws.com"],
        true,
        true,
        false,
        false
    ),
    svc!(
        "sns",
        "sns",
        "I",
        ["sns.{r}.amazonaws.com"],
        true,
        true,
        false,
        false
    ),
    svc!(
        "elasticloadbalancing",
        "elasticloadbalancing",
        "I",
        ["elasticloadbalancing.{r}.amazonaws.com"],
        true,
        true,
        false,
        false
    ),
    svc!(
        "monitoring",
        "monitoring",
        "I",
        [
            "monitoring.{r}.amazonaws.com",
            "monitoring.{r}.api.aws",
            "monitoring-fips.{r}.amazonaws.com",
            "monitoring-fips.{r}.api.aws"
        ],
        true,
        true,
        true,
        false
    ),
    svc!(
        "lambda",
        "lambda",
        "I",
        ["lambda.{r}.amazonaws.com"],
        true,
        true,
        false,
        true
    ),
    svc!(
        "events",
        "events",
        "I",
        ["events.{r}.amazonaws.com"],
        true,
        true,
        false,
        false
    ),
    svc!(
        "execute-api",
        "execute-api",
        "I",
        ["*.execute-api.{r}.amazonaws.com"],
        true,
        true,
        false,
        false
    ),
    svc!(
        "kinesis-streams",
        "kinesis-streams",
        "I",
        ["kinesis.{r}.amazonaws.com"],
        true,
        true,
        false,
        false
    ),
    svc!(
        "states",
        "states",
        "I",
        ["states.{r}.amazonaws.com"],
        true,
        true,
        false,
        false
    ),
    svc!(
        "elasticfilesystem",
        "elasticfilesystem",
        "I",
        ["elasticfilesystem.{r}.amazonaws.com"],
        true,
        true,
        false,
        false
    ),
    svc!(
        "autoscaling",
        "autoscaling",
        "I",
        ["autoscaling.{r}.amazonaws.com"],
        true,
        true,
        false,
        false
    ),
    svc!(
        "servicediscovery",
        "servicediscovery",
        "I",
        ["servicediscovery.{r}.amazonaws.com"],
        true,
        true,
        false,
        false
    ),
    svc!(
        "appmesh-envoy-management",
        "appmesh-envoy-management",
        "I",
        ["appmesh-envoy-management.{r}.amazonaws.com"],
        true,
        false,
        false,
        false
    ),
    svc!(
        "acm-pca",
        "acm-pca",
        "I",
        ["acm-pca.{r}.amazonaws.com"],
        true,
        true,
        false,
        false
    ),
];

/// Hosted zone of `*.vpce.amazonaws.com` names, per Region [R for us-east-1/2, U otherwise].
pub fn vpce_hosted_zone(region: &str) -> String {
    match region {
        "us-east-1" => "Z7HUB22UULQXV".into(),
        "us-east-2" => "ZC8PG0KIFKBRI".into(),
        "us-west-2" => "Z1YSA3EXCYUU9Z".into(),
        "eu-west-1" => "Z38GZ743OKFT7T".into(),
        other => format!("Z{}", stable_hex(other, 12).to_uppercase()),
    }
}

/// The AWS-managed prefix list of a gateway service in a Region.
#[derive(Debug, Clone)]
pub struct PrefixList {
    pub id: String,
    pub name: String,
    pub cidrs: Vec<&'static str>,
}

pub fn prefix_list(region: &str, suffix: &str) -> Option<PrefixList> {
    let id = match (region, suffix) {
        ("us-east-1", "s3") => "pl-63a5400a".to_string(),
        ("us-east-1", "dynamodb") => "pl-02cd2c6b".to_string(),
        (_, "s3" | "dynamodb") => format!("pl-{}", stable_hex(&format!("{region}/{suffix}"), 8)),
        _ => return None,
    };
    let cidrs = match suffix {
        "s3" => vec![
            "3.5.0.0/19",
            "16.182.0.0/16",
            "18.34.0.0/19",
            "52.216.0.0/15",
            "54.231.0.0/16",
        ],
        _ => vec!["3.218.180.0/22", "52.94.0.0/22", "52.119.224.0/20"],
    };
    Some(PrefixList {
        id,
        name: format!("com.amazonaws.{region}.{suffix}"),
        cidrs,
    })
}

pub fn prefix_lists(region: &str) -> Vec<PrefixList> {
    ["s3", "dynamodb"]
        .iter()
        .filter_map(|s| prefix_list(region, s))
        .collect()
}

/// A catalogue service as seen in one Region.
pub struct Service {
    pub entry: &'static Entry,
    pub region: String,
    pub name: String,
}

impl Service {
    pub fn id(&self, gateway: bool) -> String {
        let kind = if gateway { "Gateway" } else { "Interface" };
        format!(
            "vpce-svc-{}",
            stable_hex(&format!("{}/{kind}", self.name), 17)
        )
    }
    pub fn base_dns(&self) -> String {
        format!(
            "{}.{}.vpce.amazonaws.com",
            self.entry.dns_label, self.region
        )
    }
    pub fn gateway_dns(&self) -> String {
        format!("{}.{}.amazonaws.com", self.entry.suffix, self.region)
    }
    pub fn private_dns_names(&self) -> Vec<String> {
        self.entry
            .private_dns
            .iter()
            .map(|p| p.replace("{r}", &self.region))
            .collect()
    }
    pub fn zones(&self) -> Vec<regions::Zone> {
        regions::zones(&self.region)
    }
    /// S3 interface names carry a leading `*.`.
    pub fn wildcard_names(&self) -> bool {
        self.entry.suffix == "s3"
    }
}

/// Looks `com.amazonaws.<region>.<suffix>` up; `None` when no such service exists.
pub fn find(name: &str) -> Option<Service> {
    let rest = name.strip_prefix("com.amazonaws.")?;
    let (region, suffix) = rest.split_once('.')?;
    if !regions::is_region_name(region) {
        return None;
    }
    let entry = CATALOG.iter().find(|e| e.suffix == suffix)?;
    Some(Service {
        entry,
        region: region.to_string(),
        name: name.to_string(),
    })
}

pub fn services_in(region: &str) -> Vec<Service> {
    CATALOG
        .iter()
        .map(|entry| Service {
            entry,
            region: region.to_string(),
            name: format!("com.amazonaws.{region}.{}", entry.suffix),
        })
        .collect()
}

/// `n` hex digits derived from `input` (FNV-1a): stable across runs and resets.
pub fn stable_hex(input: &str, n: usize) -> String {
    let mut out = String::new();
    let mut round: u64 = 0;
    while out.len() < n {
        let mut h: u64 = 0xcbf29ce484222325 ^ round;
        for b in input.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        out.push_str(&format!("{h:016x}"));
        round += 1;
    }
    out.truncate(n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_lookups() {
        let s = find("com.amazonaws.us-east-1.ecr.dkr").unwrap();
        assert_eq!(s.base_dns(), "dkr.ecr.us-east-1.vpce.amazonaws.com");
        assert_eq!(
            s.private_dns_names(),
            vec!["*.dkr.ecr.us-east-1.amazonaws.com"]
        );
        assert!(find("com.amazonaws.us-east-1.nope").is_none());
        let s3 = find("com.amazonaws.eu-west-1.s3").unwrap();
        assert!(s3.entry.interface && s3.entry.gateway);
        assert_ne!(s3.id(true), s3.id(false));
        assert_eq!(
            s3.id(true),
            find("com.amazonaws.eu-west-1.s3").unwrap().id(true)
        );
        assert_eq!(prefix_list("us-east-1", "s3").unwrap().id, "pl-63a5400a");
        assert!(prefix_list("us-east-1", "ecs").is_none());
        let ddb = find("com.amazonaws.us-east-1.dynamodb").unwrap();
        assert!(ddb.entry.gateway && !ddb.entry.interface);
    }
}
