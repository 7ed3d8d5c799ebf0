//! The AWS-owned endpoint services (Owner `amazon`) of every Region, as
//! DescribeVpcEndpointServices answers them. The catalogue is data:
//! `data/endpoint-services.tsv` (one line per service, its sources in its
//! header), compiled in and parsed once on first use. Values marked [U] there
//! are AWS's usual pattern, not seen in a source.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::world::regions;

const DATA: &str = include_str!("data/endpoint-services.tsv");
/// The zones (ids) where a service takes no interface endpoint.
const ZONES: &str = include_str!("data/endpoint-service-zones.tsv");

/// One AWS service of the catalogue.
#[derive(Debug)]
pub struct Entry {
    /// The name with `REGION` for the Region (`com.amazonaws.REGION.ecr.dkr`);
    /// a global name (`com.amazonaws.iam`) has none.
    pub template: &'static str,
    /// What follows the Region (`ecr.dkr`), or the whole name when global.
    pub suffix: &'static str,
    /// The label of `BaseEndpointDnsNames` (`<label>.<region>.vpce.amazonaws.com`).
    pub dns_label: &'static str,
    pub interface: bool,
    pub gateway: bool,
    /// Private DNS names of the interface service, `REGION` for the Region.
    pub private_dns: Vec<&'static str>,
    /// False when the names are AWS's usual pattern rather than a source's [U].
    pub private_dns_known: bool,
    /// Whether interface endpoints turn private DNS on when the caller does not say.
    pub private_dns_default: bool,
    pub policy_supported: bool,
    pub dual_stack: bool,
    /// Reachable from other Regions through `ServiceRegion`.
    pub cross_region: bool,
    /// Endpoint DNS names carry a leading `*.` (S3).
    pub wildcard: bool,
    /// The Regions it is offered in; `None`: every Region.
    pub regions: Option<Vec<&'static str>>,
    /// Zone ids where it takes no endpoint (`data/endpoint-service-zones.tsv`).
    pub absent_zones: Vec<&'static str>,
}

impl Entry {
    pub fn global(&self) -> bool {
        !self.template.contains("REGION")
    }
    pub fn offered_in(&self, region: &str) -> bool {
        match &self.regions {
            None => true,
            // A well-formed Region awsemu has no table for offers everything.
            Some(list) => list.contains(&region) || regions::region_info(region).is_none(),
        }
    }
    /// The service's name in `region`.
    pub fn name_in(&self, region: &str) -> String {
        self.template.replace("REGION", region)
    }
}

struct Catalog {
    entries: Vec<Entry>,
    /// Template → index.
    by_template: HashMap<&'static str, usize>,
}

/// Parses one data line; `Err` names what is wrong.
fn parse_line(line: &'static str) -> Result<Entry, String> {
    let cols: Vec<&'static str> = line.split('\t').collect();
    let [template, types, label, dns, flags, where_, _source] = cols[..] else {
        return Err(format!("{} columns, want 7", cols.len()));
    };
    let parts: Vec<&str> = template.split('.').collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) {
        return Err(format!("bad name {template}"));
    }
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-.".contains(c);
    let lowered = template.replace("REGION", "r");
    if !lowered.chars().all(ok_char) {
        return Err(format!("bad character in {template}"));
    }
    let suffix = match template.find(".REGION.") {
        Some(i) => &template[i + ".REGION.".len()..],
        None if template.contains("REGION") => return Err(format!("REGION last in {template}")),
        None => template,
    };
    let (interface, gateway) = match types {
        "Interface" => (true, false),
        "Gateway" => (false, true),
        "Interface,Gateway" => (true, true),
        other => return Err(format!("bad types {other}")),
    };
    if label.is_empty() || !label.chars().all(ok_char) {
        return Err(format!("bad label {label}"));
    }
    let mut known = true;
    let private_dns: Vec<&'static str> = if dns == "-" {
        vec![]
    } else {
        dns.split(';')
            .map(|d| {
                if let Some(rest) = d.strip_prefix("[U]") {
                    known = false;
                    rest
                } else {
                    d
                }
            })
            .collect()
    };
    for d in &private_dns {
        let host = d.strip_prefix("*.").unwrap_or(d).replace("REGION", "r");
        if host.is_empty() || !host.chars().all(ok_char) || !host.contains('.') {
            return Err(format!("bad private DNS name {d}"));
        }
    }
    if private_dns.is_empty() && interface && dns != "-" {
        return Err("empty private DNS".into());
    }
    let f = |name: &str| flags.split(',').any(|x| x == name);
    for x in flags.split(',') {
        if !["-", "pdns-off", "no-policy", "ipv6", "xregion", "wildcard"].contains(&x) {
            return Err(format!("unknown flag {x}"));
        }
    }
    let regions = match where_ {
        "*" => None,
        list => {
            let list: Vec<&'static str> = list.split(',').collect();
            if let Some(bad) = list.iter().find(|r| regions::region_info(r).is_none()) {
                return Err(format!("unknown Region {bad}"));
            }
            Some(list)
        }
    };
    Ok(Entry {
        template,
        suffix,
        dns_label: label,
        interface,
        gateway,
        private_dns_known: known,
        private_dns_default: !f("pdns-off"),
        policy_supported: !f("no-policy"),
        dual_stack: f("ipv6"),
        cross_region: f("xregion"),
        wildcard: f("wildcard"),
        private_dns,
        regions,
        absent_zones: vec![],
    })
}

fn lines_of(data: &'static str) -> impl Iterator<Item = &'static str> {
    data.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn data_lines() -> impl Iterator<Item = &'static str> {
    lines_of(DATA)
}

/// One line of the zones file: (name template, absent zone ids).
fn parse_zone_line(line: &'static str) -> Result<(&'static str, Vec<&'static str>), String> {
    let [template, absent, _source] = line.split('\t').collect::<Vec<_>>()[..] else {
        return Err("want 3 columns".into());
    };
    let ids: Vec<&'static str> = absent.split(',').collect();
    for id in &ids {
        let known = id.split_once("-az").is_some_and(|(abbrev, n)| {
            regions::REGIONS.iter().any(|r| r.abbrev == abbrev) && n.parse::<u8>().is_ok()
        });
        if !known {
            return Err(format!("bad zone id {id}"));
        }
    }
    Ok((template, ids))
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut entries: Vec<Entry> = data_lines().filter_map(|l| parse_line(l).ok()).collect();
        let by_template: HashMap<&'static str, usize> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.template, i))
            .collect();
        for (template, ids) in lines_of(ZONES).filter_map(|l| parse_zone_line(l).ok()) {
            if let Some(&i) = by_template.get(template) {
                entries[i].absent_zones = ids;
            }
        }
        Catalog {
            entries,
            by_template,
        }
    })
}

/// Every service of the catalogue, in the data file's order (by name).
pub fn entries() -> &'static [Entry] {
    &catalog().entries
}

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
        // Any other gateway service (s3express) [U: id and ranges].
        _ if find_in(&format!("com.amazonaws.{region}.{suffix}"), region)
            .is_some_and(|s| s.entry.gateway) =>
        {
            format!("pl-{}", stable_hex(&format!("{region}/{suffix}"), 8))
        }
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
        "dynamodb" => vec!["3.218.180.0/22", "52.94.0.0/22", "52.119.224.0/20"],
        _ => vec!["3.5.0.0/19"],
    };
    Some(PrefixList {
        id,
        name: format!("com.amazonaws.{region}.{suffix}"),
        cidrs,
    })
}

/// The prefix lists of the Region's gateway services.
pub fn prefix_lists(region: &str) -> Vec<PrefixList> {
    entries()
        .iter()
        .filter(|e| e.gateway && !e.global() && e.offered_in(region))
        .filter_map(|e| prefix_list(region, e.suffix))
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
        // A global name is the same in every Region; its id is not.
        let key = if self.entry.global() {
            format!("{}/{}/{kind}", self.region, self.name)
        } else {
            format!("{}/{kind}", self.name)
        };
        format!("vpce-svc-{}", stable_hex(&key, 17))
    }
    /// The name endpoint DNS names end with: `<label>.<region>.vpce.amazonaws.com`,
    /// and under `vpce.sagemaker.aws` for `aws.sagemaker.*` [R: re:Post, notebook].
    pub fn base_dns(&self) -> String {
        let domain = if self.entry.template.starts_with("aws.sagemaker.") {
            "sagemaker.aws"
        } else {
            "amazonaws.com"
        };
        format!("{}.{}.vpce.{domain}", self.entry.dns_label, self.region)
    }
    pub fn gateway_dns(&self) -> String {
        format!("{}.{}.amazonaws.com", self.entry.suffix, self.region)
    }
    pub fn private_dns_names(&self) -> Vec<String> {
        self.entry
            .private_dns
            .iter()
            .map(|p| p.replace("REGION", &self.region))
            .collect()
    }
    /// The Region's zones where the service takes endpoints.
    pub fn zones(&self) -> Vec<regions::Zone> {
        let mut zones = regions::zones(&self.region);
        zones.retain(|z| !self.entry.absent_zones.contains(&z.id.as_str()));
        zones
    }
    /// S3 interface names carry a leading `*.`.
    pub fn wildcard_names(&self) -> bool {
        self.entry.wildcard
    }
}

/// The entry a name denotes and the Region written in it (none when global).
fn locate(name: &str) -> Option<(&'static Entry, Option<&str>)> {
    let c = catalog();
    if let Some(&i) = c.by_template.get(name) {
        return Some((&c.entries[i], None));
    }
    let parts: Vec<&str> = name.split('.').collect();
    for i in 1..parts.len().saturating_sub(1) {
        if !regions::is_region_name(parts[i]) {
            continue;
        }
        let template = format!(
            "{}.REGION.{}",
            parts[..i].join("."),
            parts[i + 1..].join(".")
        );
        if let Some(&j) = c.by_template.get(template.as_str()) {
            return Some((&c.entries[j], Some(parts[i])));
        }
    }
    None
}

/// Looks a service name up (`com.amazonaws.<region>.<suffix>`, `aws.api.<region>.<suffix>`,
/// a global name…); `None` when AWS has no such service in that Region. A
/// global name is looked up in its home Region (the first it is offered in).
pub fn find(name: &str) -> Option<Service> {
    let (entry, region) = locate(name)?;
    let region = match region {
        Some(r) => r.to_string(),
        None => entry
            .regions
            .as_ref()
            .map_or("us-east-1", |l| l[0])
            .to_string(),
    };
    find_in(name, &region)
}

/// The service `name` as offered in `region` (a regional name only in its own Region).
pub fn find_in(name: &str, region: &str) -> Option<Service> {
    let (entry, named) = locate(name)?;
    if named.is_some_and(|r| r != region) || !entry.offered_in(region) {
        return None;
    }
    Some(Service {
        entry,
        region: region.to_string(),
        name: name.to_string(),
    })
}

/// The catalogue of one Region, by name.
pub fn services_in(region: &str) -> Vec<Service> {
    entries()
        .iter()
        .filter(|e| e.offered_in(region))
        .map(|entry| Service {
            entry,
            region: region.to_string(),
            name: entry.name_in(region),
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
        assert!(s3.entry.interface && s3.entry.gateway && s3.wildcard_names());
        assert_ne!(s3.id(true), s3.id(false));
        assert_eq!(
            s3.id(true),
            find("com.amazonaws.eu-west-1.s3").unwrap().id(true)
        );
        assert_eq!(prefix_list("us-east-1", "s3").unwrap().id, "pl-63a5400a");
        assert!(prefix_list("us-east-1", "ecs").is_none());
        let ddb = find("com.amazonaws.us-east-1.dynamodb").unwrap();
        assert!(ddb.entry.gateway && ddb.entry.interface);
        let express = find("com.amazonaws.us-east-1.s3express").unwrap();
        assert!(express.entry.gateway && !express.entry.interface);
        assert!(prefix_list("us-east-1", "s3express").is_some());
        // Other prefixes and global names.
        let q = find("aws.api.us-east-1.qbusiness").unwrap();
        assert_eq!(q.region, "us-east-1");
        assert!(find("aws.sagemaker.eu-west-1.notebook").is_some());
        let iam = find("com.amazonaws.iam").unwrap();
        assert_eq!(iam.region, "us-east-1");
        assert!(find_in("com.amazonaws.iam", "eu-west-1").is_none());
        let ap = find_in("com.amazonaws.s3-global.accesspoint", "eu-west-1").unwrap();
        assert_ne!(
            ap.id(false),
            find_in("com.amazonaws.s3-global.accesspoint", "us-east-1")
                .unwrap()
                .id(false)
        );
        // A regional name only in its own Region; FIPS names only where offered.
        assert!(find_in("com.amazonaws.us-east-1.ecs", "eu-west-1").is_none());
        assert!(find("com.amazonaws.us-east-1.ecs-fips").is_some());
        assert!(find("com.amazonaws.eu-west-1.ecs-fips").is_none());
        // SES takes no endpoint in three us-east-1 zones.
        let ids = |name: &str| -> Vec<String> {
            find(name)
                .unwrap()
                .zones()
                .into_iter()
                .map(|z| z.id)
                .collect()
        };
        assert_eq!(
            ids("com.amazonaws.us-east-1.email-smtp"),
            ["use1-az6", "use1-az1", "use1-az4"]
        );
        assert_eq!(ids("com.amazonaws.us-east-1.ecs").len(), 6);
    }

    #[test]
    fn every_line_is_well_formed() {
        let mut seen = std::collections::HashSet::new();
        let mut n = 0;
        for line in data_lines() {
            let e = parse_line(line).unwrap_or_else(|err| panic!("{err}: {line}"));
            assert!(seen.insert(e.template), "twice: {}", e.template);
            assert!(e.interface || e.gateway);
            if e.gateway && !e.global() {
                assert!(
                    matches!(e.suffix, "s3" | "dynamodb" | "s3express"),
                    "{line}"
                );
            }
            if e.interface {
                assert!(!e.private_dns.is_empty(), "{line}");
            }
            n += 1;
        }
        assert_eq!(n, entries().len());
        assert!(n >= 495, "{n}");
        for line in lines_of(ZONES) {
            let (template, _) = parse_zone_line(line).unwrap_or_else(|err| panic!("{err}: {line}"));
            assert!(catalog().by_template.contains_key(template), "{line}");
        }
        for region in regions::REGIONS {
            let here = services_in(region.name);
            assert!(here.len() > 100, "{}: {}", region.name, here.len());
            for s in &here {
                let back = find_in(&s.name, region.name).expect(&s.name);
                assert_eq!(back.entry.template, s.entry.template);
            }
        }
    }
}
