//! What instances are made of: the public AMIs awsemu offers in every
//! Region (`data/images.tsv`) and the instance types it knows
//! (`data/instance-types.tsv`), as data. DescribeImages and
//! DescribeInstanceTypes serve them (`instances/catalog.rs`); launches and
//! attachments check against them.

use std::sync::OnceLock;

const IMAGES: &str = include_str!("data/images.tsv");
const TYPES: &str = include_str!("data/instance-types.tsv");

/// A public AMI, the same in every Region but for its id.
#[derive(Debug)]
pub(crate) struct Image {
    pub name: &'static str,
    pub architecture: &'static str,
    pub owner: &'static str,
    pub description: &'static str,
    pub created: &'static str,
    pub ssm_parameter: &'static str,
}

impl Image {
    /// Amazon Linux 2 (and its ECS AMIs) boot from a gp2 volume, 2023 from gp3.
    pub fn volume_type(&self) -> &'static str {
        if self.name.starts_with("amzn2-") {
            "gp2"
        } else {
            "gp3"
        }
    }
    /// ECS-optimized AMIs come with a 30 GiB root volume, Amazon Linux with 8.
    pub fn volume_size(&self) -> i32 {
        if self.name.contains("-ecs-") {
            30
        } else {
            8
        }
    }
    pub fn root_device(&self) -> &'static str {
        "/dev/xvda"
    }
    /// The image's id in `region` (made from its name and the Region, as
    /// each Region's copy has its own).
    pub fn id(&self, region: &str) -> String {
        format!("ami-0{:016x}", fnv(&[region, self.name]))
    }
    pub fn snapshot_id(&self, region: &str) -> String {
        format!("snap-0{:016x}", fnv(&[region, self.name, "root"]))
    }
}

/// FNV-1a over the parts: stable ids from names.
fn fnv(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').collect())
}

pub(crate) fn images() -> &'static [Image] {
    static ALL: OnceLock<Vec<Image>> = OnceLock::new();
    ALL.get_or_init(|| {
        rows(IMAGES)
            .filter(|c| c.len() >= 6)
            .map(|c| Image {
                name: c[0],
                architecture: c[1],
                owner: c[2],
                description: c[3],
                created: c[4],
                ssm_parameter: c[5],
            })
            .collect()
    })
}

/// An instance type and what it offers.
#[derive(Debug)]
pub(crate) struct InstanceType {
    pub name: &'static str,
    pub architecture: &'static str,
    pub vcpus: i32,
    pub cores: i32,
    pub threads: i32,
    pub memory_mib: i64,
    pub max_enis: i32,
    pub ipv4_per_eni: i32,
    pub network: &'static str,
}

impl InstanceType {
    fn family(&self) -> &'static str {
        self.name.split('.').next().unwrap_or_default()
    }
    pub fn burstable(&self) -> bool {
        self.family().starts_with('t')
    }
    pub fn bare_metal(&self) -> bool {
        self.name.ends_with(".metal")
    }
    /// t2 runs on Xen, the rest on Nitro (bare metal has no hypervisor).
    pub fn hypervisor(&self) -> Option<&'static str> {
        match () {
            _ if self.bare_metal() => None,
            _ if self.family() == "t2" => Some("xen"),
            _ => Some("nitro"),
        }
    }
    /// The instance types of the AWS Free Tier [R].
    pub fn free_tier(&self) -> bool {
        matches!(self.name, "t2.micro" | "t3.micro")
    }
}

pub(crate) fn instance_types() -> &'static [InstanceType] {
    static ALL: OnceLock<Vec<InstanceType>> = OnceLock::new();
    ALL.get_or_init(|| {
        rows(TYPES)
            .filter(|c| c.len() >= 9)
            .map(|c| InstanceType {
                name: c[0],
                architecture: c[1],
                vcpus: c[2].parse().unwrap_or(1),
                cores: c[3].parse().unwrap_or(1),
                threads: c[4].parse().unwrap_or(1),
                memory_mib: c[5].parse().unwrap_or(0),
                max_enis: c[6].parse().unwrap_or(1),
                ipv4_per_eni: c[7].parse().unwrap_or(1),
                network: c[8],
            })
            .collect()
    })
}

/// The public AMI with this id in `region`.
pub(crate) fn image_by_id(region: &str, id: &str) -> Option<&'static Image> {
    images().iter().find(|i| i.id(region) == id)
}

pub(crate) fn instance_type(name: &str) -> Option<&'static InstanceType> {
    instance_types().iter().find(|t| t.name == name)
}

/// An instance type name AWS could have (`family.size`), known here or not.
pub(crate) fn well_formed_type(name: &str) -> bool {
    let mut parts = name.split('.');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}
