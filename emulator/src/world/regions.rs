//! The Regions awsemu knows and their Availability Zones. AZ-name to AZ-id
//! mapping is per account in AWS; here it is one fixed table [U], with the
//! us-east-1 pairs seen in real output (`us-east-1a` → `use1-az6`, `b` → `use1-az1`).
//! The Regions are botocore's `aws` partition (endpoints.json, 34 commercial
//! Regions); long names from its descriptions; zone letters and id numbers
//! of the newer Regions are a, b, c → az1, az2, az3 [U].

pub struct RegionInfo {
    pub name: &'static str,
    pub long_name: &'static str,
    /// Zone-id prefix, e.g. `use1`.
    pub abbrev: &'static str,
    /// (letter, zone-id number)
    pub zones: &'static [(char, u8)],
    /// An opt-in Region (launched after March 2019): `opted-in` here.
    pub opt_in: bool,
}

impl RegionInfo {
    /// DescribeRegions' `OptInStatus`: every Region is enabled in awsemu.
    pub fn opt_in_status(&self) -> &'static str {
        if self.opt_in {
            "opted-in"
        } else {
            "opt-in-not-required"
        }
    }
}

#[derive(Debug, Clone)]
pub struct Zone {
    pub name: String,
    pub id: String,
    pub group_long_name: String,
}

const US_EAST_1_ZONES: &[(char, u8)] =
    &[('a', 6), ('b', 1), ('c', 2), ('d', 4), ('e', 3), ('f', 5)];
const THREE: &[(char, u8)] = &[('a', 1), ('b', 2), ('c', 3)];

pub const REGIONS: &[RegionInfo] = &[
    RegionInfo {
        name: "us-east-1",
        long_name: "US East (N. Virginia)",
        abbrev: "use1",
        zones: US_EAST_1_ZONES,
        opt_in: false,
    },
    RegionInfo {
        name: "us-east-2",
        long_name: "US East (Ohio)",
        abbrev: "use2",
        zones: THREE,
        opt_in: false,
    },
    RegionInfo {
        name: "us-west-1",
        long_name: "US West (N. California)",
        abbrev: "usw1",
        zones: &[('a', 1), ('c', 3)],
        opt_in: false,
    },
    RegionInfo {
        name: "us-west-2",
        long_name: "US West (Oregon)",
        abbrev: "usw2",
        zones: &[('a', 2), ('b', 1), ('c', 3), ('d', 4)],
        opt_in: false,
    },
    RegionInfo {
        name: "ca-central-1",
        long_name: "Canada (Central)",
        abbrev: "cac1",
        zones: &[('a', 1), ('b', 2), ('d', 4)],
        opt_in: false,
    },
    RegionInfo {
        name: "eu-west-1",
        long_name: "Europe (Ireland)",
        abbrev: "euw1",
        zones: THREE,
        opt_in: false,
    },
    RegionInfo {
        name: "eu-west-2",
        long_name: "Europe (London)",
        abbrev: "euw2",
        zones: THREE,
        opt_in: false,
    },
    RegionInfo {
        name: "eu-west-3",
        long_name: "Europe (Paris)",
        abbrev: "euw3",
        zones: THREE,
        opt_in: false,
    },
    RegionInfo {
        name: "eu-central-1",
        long_name: "Europe (Frankfurt)",
        abbrev: "euc1",
        zones: THREE,
        opt_in: false,
    },
    RegionInfo {
        name: "eu-north-1",
        long_name: "Europe (Stockholm)",
        abbrev: "eun1",
        zones: THREE,
        opt_in: false,
    },
    RegionInfo {
        name: "eu-south-1",
        long_name: "Europe (Milan)",
        abbrev: "eus1",
        zones: THREE,
        opt_in: true,
    },
    RegionInfo {
        name: "ap-south-1",
        long_name: "Asia Pacific (Mumbai)",
        abbrev: "aps1",
        zones: THREE,
        opt_in: false,
    },
    RegionInfo {
        name: "ap-northeast-1",
        long_name: "Asia Pacific (Tokyo)",
        abbrev: "apne1",
        zones: &[('a', 4), ('c', 1), ('d', 2)],
        opt_in: false,
    },
    RegionInfo {
        name: "ap-northeast-2",
        long_name: "Asia Pacific (Seoul)",
        abbrev: "apne2",
        zones: &[('a', 1), ('b', 2), ('c', 3), ('d', 4)],
        opt_in: false,
    },
    RegionInfo {
        name: "ap-southeast-1",
        long_name: "Asia Pacific (Singapore)",
        abbrev: "apse1",
        zones: THREE,
        opt_in: false,
    },
    RegionInfo {
        name: "ap-southeast-2",
        long_name: "Asia Pacific (Sydney)",
        abbrev: "apse2",
        zones: THREE,
        opt_in: false,
    },
    RegionInfo {
        name: "sa-east-1",
        long_name: "South America (Sao Paulo)",
        abbrev: "sae1",
        zones: THREE,
        opt_in: false,
    },
    RegionInfo {
        name: "af-south-1",
        long_name: "Africa (Cape Town)",
        abbrev: "afs1",
        zones: THREE,
        opt_in: true,
    },
    RegionInfo {
        name: "me-south-1",
        long_name: "Middle East (Bahrain)",
        abbrev: "mes1",
        zones: THREE,
        opt_in: true,
    },
    RegionInfo {
        name: "ap-east-1",
        long_name: "Asia Pacific (Hong Kong)",
        abbrev: "ape1",
        zones: THREE,
        opt_in: true,
    },
    RegionInfo {
        name: "ap-east-2",
        long_name: "Asia Pacific (Taipei)",
        abbrev: "ape2",
        zones: THREE,
        opt_in: true,
    },
    RegionInfo {
        name: "ap-northeast-3",
        long_name: "Asia Pacific (Osaka)",
        abbrev: "apne3",
        zones: THREE,
        opt_in: false,
    },
    RegionInfo {
        name: "ap-south-2",
        long_name: "Asia Pacific (Hyderabad)",
        abbrev: "aps2",
        zones: THREE,
        opt_in: true,
    },
    RegionInfo {
        name: "ap-southeast-3",
        long_name: "Asia Pacific (Jakarta)",
        abbrev: "apse3",
        zones: THREE,
        opt_in: true,
    },
    RegionInfo {
        name: "ap-southeast-4",
        long_name: "Asia Pacific (Melbourne)",
        abbrev: "apse4",
        zones: THREE,
        opt_in: true,
    },
    RegionInfo {
        name: "ap-southeast-5",
        long_name: "Asia Pacific (Malaysia)",
        abbrev: "apse5",
        zones: THREE,
        opt_in: true,
    },
    RegionInfo {
        name: "ap-southeast-6",
        long_name: "Asia Pacific (New Zealand)",
        abbrev: "apse6",
        zones: THREE,
        opt_in: true,
    },
    RegionInfo {
        name: "ap-southeast-7",
        long_name: "Asia Pacific (Thailand)",
        abbrev: "apse7",
        zones: THREE,
        opt_in: true,
    },
    RegionInfo {
        name: "ca-west-1",
        long_name: "Canada West (Calgary)",
        abbrev: "caw1",
        zones: THREE,
        opt_in: true,
    },
    RegionInfo {
        name: "eu-central-2",
        long_name: "Europe (Zurich)",
        abbrev: "euc2",
        zones: THREE,
        opt_in: true,
    },
    RegionInfo {
        name: "eu-south-2",
        long_name: "Europe (Spain)",
        abbrev: "eus2",
        zones: THREE,
        opt_in: true,
    },
    RegionInfo {
        name: "il-central-1",
        long_name: "Israel (Tel Aviv)",
        abbrev: "ilc1",
        zones: THREE,
        opt_in: true,
    },
    RegionInfo {
        name: "me-central-1",
        long_name: "Middle East (UAE)",
        abbrev: "mec1",
        zones: THREE,
        opt_in: true,
    },
    RegionInfo {
        name: "mx-central-1",
        long_name: "Mexico (Central)",
        abbrev: "mxc1",
        zones: THREE,
        opt_in: true,
    },
];

pub fn region_info(name: &str) -> Option<&'static RegionInfo> {
    REGIONS.iter().find(|r| r.name == name)
}

/// True for names shaped like a Region (`xx-word-N`), known or not.
pub fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// The zones of a Region; an unknown (but well-formed) Region gets a, b, c.
pub fn zones(region: &str) -> Vec<Zone> {
    let (long, abbrev, list): (String, String, &[(char, u8)]) = match region_info(region) {
        Some(r) => (r.long_name.to_string(), r.abbrev.to_string(), r.zones),
        None => (region.to_string(), region.replace('-', ""), THREE),
    };
    list.iter()
        .map(|(letter, n)| Zone {
            name: format!("{region}{letter}"),
            id: format!("{abbrev}-az{n}"),
            group_long_name: format!("{long} 1"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn us_east_1_has_six_zones_with_known_ids() {
        let z = zones("us-east-1");
        assert_eq!(z.len(), 6);
        assert_eq!(
            (z[0].name.as_str(), z[0].id.as_str()),
            ("us-east-1a", "use1-az6")
        );
        assert_eq!(z[1].id, "use1-az1");
        assert!(is_region_name("eu-west-1"));
        assert!(!is_region_name("nowhere"));
        assert_eq!(zones("xx-test-9")[2].name, "xx-test-9c");
        assert_eq!(REGIONS.len(), 34);
        assert_eq!(
            region_info("il-central-1").unwrap().opt_in_status(),
            "opted-in"
        );
        assert_eq!(
            region_info("eu-west-1").unwrap().opt_in_status(),
            "opt-in-not-required"
        );
    }
}
