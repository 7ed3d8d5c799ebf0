//! EC2's resources in scenario files: applied through the handlers (the
//! default VPC, VPCs, subnets, security groups, route tables, endpoint
//! services, endpoints, notifications) and exported back with what AWS
//! generated for them pinned.

use std::sync::Arc;

use super::state::{NetworkAcl, Peer, Rule, SecurityGroup, State, Subnet, Vpc, VpcEndpoint};
use super::tags::Tags;
use crate::scenario_file::format as f;
use crate::scenario_file::mapping::time;
use crate::services::state::{Account, Region};

use super::Ec2;
use crate::model::ec2 as e;
use crate::scenario_file::format;
use crate::scenario_file::mapping::{bad, one_ref, refs, At, Names, Phase, Pins, ScenarioError};
use crate::services::state::World;
use crate::world::regions;

/// AWS's allow-all egress rule, which every new security group has.
fn allow_all(r: &format::Rule) -> bool {
    r.protocol == "-1"
        && r.cidr.as_deref() == Some("0.0.0.0/0")
        && r.cidr_ipv6.is_none()
        && r.prefix_list.is_none()
        && r.source_group.is_none()
        && r.description.is_none()
        && r.port.is_none()
        && r.from_port.is_none()
        && r.to_port.is_none()
}

pub(crate) fn tags(kind: &str, t: &format::Tags) -> Option<Vec<e::TagSpecification>> {
    (!t.is_empty()).then(|| {
        vec![e::TagSpecification {
            resource_type: Some(kind.to_string()),
            tags: Some(
                t.iter()
                    .map(|(k, v)| e::Tag {
                        key: Some(k.clone()),
                        value: Some(v.clone()),
                    })
                    .collect(),
            ),
        }]
    })
}

/// Tags an existing resource (what its create call could not tag).
pub(crate) fn tag_resource(
    world: &Arc<World>,
    at: &At<'_>,
    id: &str,
    t: &format::Tags,
) -> Result<(), ScenarioError> {
    let Some(spec) = tags("", t) else {
        return Ok(());
    };
    ec2(
        world,
        at,
        e::Request::CreateTags(e::CreateTagsRequest {
            resources: Some(vec![id.to_string()]),
            tags: spec.into_iter().next().and_then(|s| s.tags),
            ..Default::default()
        }),
    )?;
    Ok(())
}

/// What CreateNetworkInterface and RunInstances do not take: an
/// interface's secondary addresses and its source/destination check.
pub(crate) fn interface_extras(
    world: &Arc<World>,
    at: &At<'_>,
    eni: &str,
    secondary_ips: &[String],
    source_dest_check: Option<bool>,
) -> Result<(), ScenarioError> {
    if !secondary_ips.is_empty() {
        ec2(
            world,
            at,
            e::Request::AssignPrivateIpAddresses(e::AssignPrivateIpAddressesRequest {
                network_interface_id: Some(eni.to_string()),
                private_ip_addresses: Some(secondary_ips.to_vec()),
                ..Default::default()
            }),
        )?;
    }
    if let Some(check) = source_dest_check {
        ec2(
            world,
            at,
            e::Request::ModifyNetworkInterfaceAttribute(
                e::ModifyNetworkInterfaceAttributeRequest {
                    network_interface_id: Some(eni.to_string()),
                    source_dest_check: Some(e::AttributeBooleanValue { value: Some(check) }),
                    ..Default::default()
                },
            ),
        )?;
    }
    Ok(())
}

pub(crate) fn ec2(
    world: &Arc<World>,
    at: &At<'_>,
    req: e::Request,
) -> Result<e::Response, ScenarioError> {
    let mut ctx = world.context(&at.who(), "scenario");
    e::call(&Ec2, &mut ctx, req).map_err(|x| at.aws(x))
}

pub(crate) fn default_vpc(
    world: &Arc<World>,
    p: &Phase<'_>,
    d: Option<&format::DefaultVpc>,
) -> Result<(), ScenarioError> {
    let at = p.at(format!("{}.defaultVpc", p.base));
    let d = d.cloned().unwrap_or_default();
    let pins = Pins::default()
        .id(&at, "id", "vpc", d.id.as_ref())?
        .id(
            &at,
            "cidrAssociationId",
            "vpc-cidr-assoc",
            d.cidr_association_id.as_ref(),
        )?
        .id(&at, "dhcpOptionsId", "dopt", d.dhcp_options_id.as_ref())?
        .id(
            &at,
            "defaultSecurityGroupId",
            "sg",
            d.default_security_group_id.as_ref(),
        )?
        .ids(
            &at,
            "defaultSecurityGroupRuleIds",
            "sgr",
            d.default_security_group_rule_ids.iter().map(Some),
        )?
        .id(
            &at,
            "mainRouteTableId",
            "rtb",
            d.main_route_table_id.as_ref(),
        )?
        .id(
            &at,
            "mainRouteTableAssociationId",
            "rtbassoc",
            d.main_route_table_association_id.as_ref(),
        )?
        .ids(&at, "subnets", "subnet", d.subnets.iter().map(Some))?
        .id(
            &at,
            "defaultNetworkAclId",
            "acl",
            d.default_network_acl_id.as_ref(),
        )?
        .id(
            &at,
            "internetGatewayId",
            "igw",
            d.internet_gateway_id.as_ref(),
        )?
        .ids(
            &at,
            "networkAclAssociationIds",
            "aclassoc",
            d.network_acl_association_ids
                .iter()
                .map(|a| Some(a).filter(|a| !a.is_empty())),
        )?;
    pins.run(world, || {
        drop(world.context(&at.who(), "scenario"));
    });
    if !d.cidr_blocks.is_empty() {
        let id = {
            let ctx = world.context(&at.who(), "scenario");
            ctx.acct()
                .ec2
                .vpcs
                .values()
                .find(|v| v.is_default)
                .map(|v| v.id.clone())
        };
        if let Some(id) = id {
            cidr_blocks(world, &at, &id, &d.cidr_blocks)?;
        }
    }
    Ok(())
}

/// A VPC's blocks beyond its primary one, associated in order with their
/// association ids (and IPv6 blocks) pinned.
fn cidr_blocks(
    world: &Arc<World>,
    at: &At<'_>,
    vpc_id: &str,
    blocks: &[format::CidrBlock],
) -> Result<(), ScenarioError> {
    for (j, b) in blocks.iter().enumerate() {
        let field = format!("cidrBlocks[{j}]");
        let mut pins = Pins::default().id(
            at,
            &format!("{field}.associationId"),
            "vpc-cidr-assoc",
            b.association_id.as_ref(),
        )?;
        let mut req = e::AssociateVpcCidrBlockRequest {
            vpc_id: Some(vpc_id.to_string()),
            ..Default::default()
        };
        if b.amazon_provided_ipv6 {
            if let Some(c) = &b.cidr {
                if c.parse::<ipnet::Ipv6Net>()
                    .map_or(true, |n| n.prefix_len() != 56)
                {
                    return Err(bad(at, &field, c, "an IPv6 /56"));
                }
                pins = pins.push(super::cidrs::IPV6_PIN, c.clone().into());
            }
            req.amazon_provided_ipv6_cidr_block = Some(true);
        } else {
            let Some(c) = &b.cidr else {
                return Err(at.err(&field, "an IPv4 block needs its cidr"));
            };
            if c.parse::<ipnet::Ipv4Net>().is_err() {
                return Err(bad(at, &field, c, "an IPv4 CIDR block"));
            }
            req.cidr_block = Some(c.clone());
        }
        pins.run(world, || {
            ec2(world, at, e::Request::AssociateVpcCidrBlock(req))
        })?;
    }
    Ok(())
}

pub(crate) fn network(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &mut Names,
    res: &format::RegionResources,
) -> Result<(), ScenarioError> {
    for (i, v) in res.vpcs.iter().enumerate() {
        let at = p.at(format!("{}.vpcs[{i}]", p.base));
        if v.cidr.parse::<ipnet::Ipv4Net>().is_err() {
            return Err(at.err("cidr", format!("'{}' is not an IPv4 CIDR block", v.cidr)));
        }
        let pins = Pins::default()
            .id(&at, "id", "vpc", v.id.as_ref())?
            .id(
                &at,
                "defaultSecurityGroupId",
                "sg",
                v.default_security_group_id.as_ref(),
            )?
            .ids(
                &at,
                "defaultSecurityGroupRuleIds",
                "sgr",
                v.default_security_group_rule_ids.iter().map(Some),
            )?
            .id(
                &at,
                "mainRouteTableId",
                "rtb",
                v.main_route_table_id.as_ref(),
            )?
            .id(
                &at,
                "mainRouteTableAssociationId",
                "rtbassoc",
                v.main_route_table_association_id.as_ref(),
            )?
            .id(
                &at,
                "cidrAssociationId",
                "vpc-cidr-assoc",
                v.cidr_association_id.as_ref(),
            )?
            .id(&at, "dhcpOptionsId", "dopt", v.dhcp_options_id.as_ref())?
            .id(
                &at,
                "defaultNetworkAclId",
                "acl",
                v.default_network_acl_id.as_ref(),
            )?;
        let out = pins.run(world, || {
            ec2(
                world,
                &at,
                e::Request::CreateVpc(e::CreateVpcRequest {
                    cidr_block: Some(v.cidr.clone()),
                    tag_specifications: tags("vpc", &v.tags),
                    ..Default::default()
                }),
            )
        })?;
        let e::Response::CreateVpc(out) = out else {
            return Err(at.err("", "unexpected answer"));
        };
        let id = out.vpc.and_then(|v| v.vpc_id).unwrap_or_default();
        for (attr, value) in [
            ("support", v.dns_support),
            ("hostnames", v.dns_hostnames),
            ("metrics", v.address_usage_metrics),
        ] {
            if let Some(b) = value {
                let val = Some(e::AttributeBooleanValue { value: Some(b) });
                let mut req = e::ModifyVpcAttributeRequest {
                    vpc_id: Some(id.clone()),
                    ..Default::default()
                };
                match attr {
                    "support" => req.enable_dns_support = val,
                    "hostnames" => req.enable_dns_hostnames = val,
                    _ => req.enable_network_address_usage_metrics = val,
                }
                ec2(world, &at, e::Request::ModifyVpcAttribute(req))?;
            }
        }
        cidr_blocks(world, &at, &id, &v.cidr_blocks)?;
        names.put(p.account, p.region, "vpc", &v.name, id);
    }
    dhcp_options(world, p, names, res)?;
    let zones = regions::zones(p.region);
    for (i, s) in res.subnets.iter().enumerate() {
        let at = p.at(format!("{}.subnets[{i}]", p.base));
        let vpc = one_ref(names, &at, "vpc", "vpc", "vpc", &s.vpc)?;
        if s.cidr.parse::<ipnet::Ipv4Net>().is_err() {
            return Err(at.err("cidr", format!("'{}' is not an IPv4 CIDR block", s.cidr)));
        }
        if !zones.iter().any(|z| z.name == s.az || z.id == s.az) {
            let known: Vec<&str> = zones.iter().map(|z| z.name.as_str()).collect();
            return Err(at.err(
                "az",
                format!(
                    "'{}' is not an Availability Zone of {} ({})",
                    s.az,
                    p.region,
                    known.join(", ")
                ),
            ));
        }
        let (az, az_id) = if s.az.contains("-az") {
            (None, Some(s.az.clone()))
        } else {
            (Some(s.az.clone()), None)
        };
        if let Some(c) = &s.ipv6_cidr {
            if c.parse::<ipnet::Ipv6Net>().is_err() {
                return Err(bad(&at, "ipv6Cidr", c, "an IPv6 CIDR block"));
            }
        }
        let pins = Pins::default()
            .id(&at, "id", "subnet", s.id.as_ref())?
            .id(
                &at,
                "networkAclAssociationId",
                "aclassoc",
                s.network_acl_association_id.as_ref(),
            )?
            .id(
                &at,
                "ipv6AssociationId",
                "subnet-cidr-assoc",
                s.ipv6_association_id.as_ref(),
            )?;
        let out = pins.run(world, || {
            ec2(
                world,
                &at,
                e::Request::CreateSubnet(e::CreateSubnetRequest {
                    vpc_id: Some(vpc),
                    cidr_block: Some(s.cidr.clone()),
                    ipv6_cidr_block: s.ipv6_cidr.clone(),
                    availability_zone: az,
                    availability_zone_id: az_id,
                    tag_specifications: tags("subnet", &s.tags),
                    ..Default::default()
                }),
            )
        })?;
        let e::Response::CreateSubnet(out) = out else {
            return Err(at.err("", "unexpected answer"));
        };
        let id = out.subnet.and_then(|s| s.subnet_id).unwrap_or_default();
        let flag = |b: Option<bool>| b.map(|v| e::AttributeBooleanValue { value: Some(v) });
        // One attribute a call, as AWS takes them.
        let changes = [
            e::ModifySubnetAttributeRequest {
                map_public_ip_on_launch: flag(s.map_public_ip_on_launch),
                ..Default::default()
            },
            e::ModifySubnetAttributeRequest {
                enable_dns64: flag(s.enable_dns64),
                ..Default::default()
            },
            e::ModifySubnetAttributeRequest {
                private_dns_hostname_type_on_launch: s.hostname_type.clone(),
                ..Default::default()
            },
            e::ModifySubnetAttributeRequest {
                enable_resource_name_dns_a_record_on_launch: flag(s.resource_name_dns_a),
                ..Default::default()
            },
            e::ModifySubnetAttributeRequest {
                enable_resource_name_dns_aaaa_record_on_launch: flag(s.resource_name_dns_aaaa),
                ..Default::default()
            },
            e::ModifySubnetAttributeRequest {
                assign_ipv6_address_on_creation: flag(s.assign_ipv6_address_on_creation),
                ..Default::default()
            },
        ];
        let given = [
            s.map_public_ip_on_launch.is_some(),
            s.enable_dns64.is_some(),
            s.hostname_type.is_some(),
            s.resource_name_dns_a.is_some(),
            s.resource_name_dns_aaaa.is_some(),
            s.assign_ipv6_address_on_creation.is_some(),
        ];
        for (mut change, given) in changes.into_iter().zip(given) {
            if given {
                change.subnet_id = Some(id.clone());
                ec2(world, &at, e::Request::ModifySubnetAttribute(change))?;
            }
        }
        names.put(p.account, p.region, "subnet", &s.name, id);
    }
    network_acls(world, p, names, res)?;
    for (i, g) in res.security_groups.iter().enumerate() {
        let at = p.at(format!("{}.securityGroups[{i}]", p.base));
        let vpc = one_ref(names, &at, "vpc", "vpc", "vpc", &g.vpc)?;
        if g.group_name.as_deref() == Some("default") {
            // The VPC's own default group: it comes with the VPC, the
            // entry adds its rules and tags.
            let gid = {
                let ctx = world.context(&at.who(), "scenario");
                ctx.acct()
                    .ec2
                    .vpcs
                    .get(&vpc)
                    .map(|v| v.default_security_group_id.clone())
            };
            let Some(gid) = gid else {
                return Err(at.err("vpc", format!("no VPC '{vpc}' in this account and Region")));
            };
            tag_resource(world, &at, &gid, &g.tags)?;
            names.put(p.account, p.region, "securityGroup", &g.name, gid);
            continue;
        }
        // A group starts with AWS's allow-all egress rule: kept when the
        // egress rules start with it, so it keeps its id and place.
        let kept = g.egress.as_ref().map_or(Some(None), |e| {
            e.first().filter(|r| allow_all(r)).map(|r| r.id.as_ref())
        });
        let pins = Pins::default().id(&at, "id", "sg", g.id.as_ref())?.id(
            &at,
            "egress[0].id",
            "sgr",
            kept.flatten(),
        )?;
        let out = pins.run(world, || {
            ec2(
                world,
                &at,
                e::Request::CreateSecurityGroup(e::CreateSecurityGroupRequest {
                    group_name: Some(g.group_name.clone().unwrap_or_else(|| g.name.clone())),
                    description: Some(g.description.clone().unwrap_or_else(|| g.name.clone())),
                    vpc_id: Some(vpc),
                    tag_specifications: tags("security-group", &g.tags),
                    ..Default::default()
                }),
            )
        })?;
        let e::Response::CreateSecurityGroup(out) = out else {
            return Err(at.err("", "unexpected answer"));
        };
        names.put(
            p.account,
            p.region,
            "securityGroup",
            &g.name,
            out.group_id.unwrap_or_default(),
        );
    }
    // Rules once every group exists, so they may refer to each other.
    for (i, g) in res.security_groups.iter().enumerate() {
        let at = p.at(format!("{}.securityGroups[{i}]", p.base));
        let id = one_ref(names, &at, "name", "securityGroup", "sg", &g.name)?;
        let perm = |r: &format::Rule, f: &str| -> Result<e::IpPermission, ScenarioError> {
            let mut p = e::IpPermission {
                ip_protocol: Some(r.protocol.clone()),
                from_port: r.from_port.or(r.port),
                to_port: r.to_port.or(r.port),
                ..Default::default()
            };
            if let Some(cidr) = &r.cidr {
                p.ip_ranges = Some(vec![e::IpRange {
                    cidr_ip: Some(cidr.clone()),
                    description: r.description.clone(),
                }]);
            }
            if let Some(src) = &r.source_group {
                let gid = one_ref(
                    names,
                    &at,
                    &format!("{f}.sourceGroup"),
                    "securityGroup",
                    "sg",
                    src,
                )?;
                p.user_id_group_pairs = Some(vec![e::UserIdGroupPair {
                    group_id: Some(gid),
                    description: r.description.clone(),
                    ..Default::default()
                }]);
            }
            if let Some(cidr) = &r.cidr_ipv6 {
                p.ipv6_ranges = Some(vec![e::Ipv6Range {
                    cidr_ipv6: Some(cidr.clone()),
                    description: r.description.clone(),
                }]);
            }
            if let Some(pl) = &r.prefix_list {
                p.prefix_list_ids = Some(vec![e::PrefixListId {
                    prefix_list_id: Some(pl.clone()),
                    description: r.description.clone(),
                }]);
            }
            let peers = [&r.cidr, &r.cidr_ipv6, &r.prefix_list, &r.source_group];
            if peers.iter().all(|p| p.is_none()) {
                return Err(at.err(
                    f,
                    "a rule needs a cidr, cidrIpv6, prefixList or sourceGroup",
                ));
            }
            Ok(p)
        };
        // One call for `rules[from..]`, their ids pinned in order.
        let authorize = |rules: &[format::Rule],
                         field: &str,
                         from: usize,
                         egress: bool|
         -> Result<(), ScenarioError> {
            if rules.len() <= from {
                return Ok(());
            }
            let mut pins = Pins::default();
            let mut p = Vec::new();
            for (ri, r) in rules.iter().enumerate().skip(from) {
                let f = format!("{field}[{ri}]");
                p.push(perm(r, &f)?);
                pins = pins.ids(&at, &format!("{f}.id"), "sgr", [r.id.as_ref()])?;
            }
            let req = if egress {
                e::Request::AuthorizeSecurityGroupEgress(e::AuthorizeSecurityGroupEgressRequest {
                    group_id: Some(id.clone()),
                    ip_permissions: Some(p),
                    ..Default::default()
                })
            } else {
                e::Request::AuthorizeSecurityGroupIngress(e::AuthorizeSecurityGroupIngressRequest {
                    group_id: Some(id.clone()),
                    ip_permissions: Some(p),
                    ..Default::default()
                })
            };
            pins.run(world, || ec2(world, &at, req))?;
            Ok(())
        };
        // The rules a group comes with, kept when the list starts with
        // them (so they keep their ids and places), else revoked.
        let default_group = g.group_name.as_deref() == Some("default");
        let from_itself = |r: &format::Rule| {
            r.protocol == "-1"
                && r.cidr.is_none()
                && r.cidr_ipv6.is_none()
                && r.prefix_list.is_none()
                && r.description.is_none()
                && r.port.or(r.from_port).or(r.to_port).is_none()
                && r.source_group
                    .as_ref()
                    .is_some_and(|s| *s == id || *s == g.name)
        };
        let keeps_self = default_group && g.ingress.first().is_some_and(from_itself);
        if default_group && !keeps_self {
            ec2(
                world,
                &at,
                e::Request::RevokeSecurityGroupIngress(e::RevokeSecurityGroupIngressRequest {
                    group_id: Some(id.clone()),
                    ip_permissions: Some(vec![e::IpPermission {
                        ip_protocol: Some("-1".into()),
                        user_id_group_pairs: Some(vec![e::UserIdGroupPair {
                            group_id: Some(id.clone()),
                            ..Default::default()
                        }]),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }),
            )?;
        }
        authorize(&g.ingress, "ingress", usize::from(keeps_self), false)?;
        match &g.egress {
            None => {}
            Some(egress) if egress.first().is_some_and(allow_all) => {
                authorize(egress, "egress", 1, true)?
            }
            Some(egress) => {
                ec2(
                    world,
                    &at,
                    e::Request::RevokeSecurityGroupEgress(e::RevokeSecurityGroupEgressRequest {
                        group_id: Some(id.clone()),
                        ip_permissions: Some(vec![e::IpPermission {
                            ip_protocol: Some("-1".into()),
                            ip_ranges: Some(vec![e::IpRange {
                                cidr_ip: Some("0.0.0.0/0".into()),
                                description: None,
                            }]),
                            ..Default::default()
                        }]),
                        ..Default::default()
                    }),
                )?;
                authorize(egress, "egress", 0, true)?;
            }
        }
        // Rules' own tags, on the ids they pin.
        for (field, list) in [("ingress", Some(&g.ingress)), ("egress", g.egress.as_ref())] {
            for (ri, r) in list.into_iter().flatten().enumerate() {
                if r.tags.is_empty() {
                    continue;
                }
                let Some(rule_id) = &r.id else {
                    return Err(
                        at.err(&format!("{field}[{ri}].tags"), "tags on a rule need its id")
                    );
                };
                tag_resource(world, &at, rule_id, &r.tags)?;
            }
        }
    }
    for (i, t) in res.route_tables.iter().enumerate() {
        let at = p.at(format!("{}.routeTables[{i}]", p.base));
        let vpc = one_ref(names, &at, "vpc", "vpc", "vpc", &t.vpc)?;
        let subnets = refs(names, &at, "subnets", "subnet", "subnet", &t.subnets)?;
        let pins = Pins::default().id(&at, "id", "rtb", t.id.as_ref())?;
        let out = pins.run(world, || {
            ec2(
                world,
                &at,
                e::Request::CreateRouteTable(e::CreateRouteTableRequest {
                    vpc_id: Some(vpc),
                    tag_specifications: tags("route-table", &t.tags),
                    ..Default::default()
                }),
            )
        })?;
        let e::Response::CreateRouteTable(out) = out else {
            return Err(at.err("", "unexpected answer"));
        };
        let id = out
            .route_table
            .and_then(|r| r.route_table_id)
            .unwrap_or_default();
        if t.association_ids.len() > subnets.len() {
            return Err(at.err("associationIds", "one per subnet at most"));
        }
        for (si, s) in subnets.into_iter().enumerate() {
            let pins = Pins::default().id(
                &at,
                &format!("associationIds[{si}]"),
                "rtbassoc",
                t.association_ids.get(si),
            )?;
            pins.run(world, || {
                ec2(
                    world,
                    &at,
                    e::Request::AssociateRouteTable(e::AssociateRouteTableRequest {
                        route_table_id: Some(id.clone()),
                        subnet_id: Some(s),
                        ..Default::default()
                    }),
                )
            })?;
        }
        names.put(p.account, p.region, "routeTable", &t.name, id);
    }
    for (i, n) in res.network_interfaces.iter().enumerate() {
        let at = p.at(format!("{}.networkInterfaces[{i}]", p.base));
        let subnet = one_ref(names, &at, "subnet", "subnet", "subnet", &n.subnet)?;
        let groups = refs(
            names,
            &at,
            "securityGroups",
            "securityGroup",
            "sg",
            &n.security_groups,
        )?;
        let pin = format::NetworkInterface {
            id: n.id.clone(),
            private_ip: n.private_ip.clone(),
            mac: n.mac.clone(),
            public_ip: None,
        };
        let pins = Pins::default().eni(&at, &pin)?;
        let out = pins.run(world, || {
            ec2(
                world,
                &at,
                e::Request::CreateNetworkInterface(e::CreateNetworkInterfaceRequest {
                    subnet_id: Some(subnet),
                    groups: (!groups.is_empty()).then_some(groups),
                    description: n.description.clone(),
                    tag_specifications: tags("network-interface", &n.tags),
                    ..Default::default()
                }),
            )
        })?;
        let e::Response::CreateNetworkInterface(out) = out else {
            return Err(at.err("", "unexpected answer"));
        };
        let id = out
            .network_interface
            .and_then(|n| n.network_interface_id)
            .unwrap_or_default();
        interface_extras(
            world,
            &at,
            &id,
            &n.secondary_private_ips,
            n.source_dest_check,
        )?;
        names.put(p.account, p.region, "networkInterface", &n.name, id);
    }
    gateways(world, p, names, res)?;
    for (i, a) in res.elastic_ips.iter().enumerate() {
        let at = p.at(format!("{}.elasticIps[{i}]", p.base));
        if let Some(ip) = &a.public_ip {
            if ip.parse::<std::net::Ipv4Addr>().is_err() {
                return Err(at.err("publicIp", format!("'{ip}' is not an IPv4 address")));
            }
        }
        let pins = Pins::default()
            .id(&at, "allocationId", "eipalloc", a.allocation_id.as_ref())?
            .value("elastic-ip", a.public_ip.as_ref());
        let out = pins.run(world, || {
            ec2(
                world,
                &at,
                e::Request::AllocateAddress(e::AllocateAddressRequest {
                    domain: Some("vpc".into()),
                    tag_specifications: tags("elastic-ip", &a.tags),
                    ..Default::default()
                }),
            )
        })?;
        let e::Response::AllocateAddress(out) = out else {
            return Err(at.err("", "unexpected answer"));
        };
        let id = out.allocation_id.unwrap_or_default();
        names.put(p.account, p.region, "elasticIp", &a.name, id);
    }
    nat_gateways(world, p, names, res)
}

fn nat_gateways(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &mut Names,
    res: &format::RegionResources,
) -> Result<(), ScenarioError> {
    for (i, g) in res.nat_gateways.iter().enumerate() {
        let at = p.at(format!("{}.natGateways[{i}]", p.base));
        let subnet = one_ref(names, &at, "subnet", "subnet", "subnet", &g.subnet)?;
        let allocation = match &g.elastic_ip {
            Some(e) => Some(one_ref(
                names,
                &at,
                "elasticIp",
                "elasticIp",
                "eipalloc",
                e,
            )?),
            None => None,
        };
        let pins = Pins::default()
            .id(&at, "id", "nat", g.id.as_ref())?
            .id(&at, "associationId", "eipassoc", g.association_id.as_ref())?
            .time(&at, "createdAt", g.created_at.as_ref())?;
        let pins = match &g.network_interface {
            Some(n) => pins.enis(&at, "networkInterface", std::slice::from_ref(n))?,
            None => pins,
        };
        let out = pins.run(world, || {
            ec2(
                world,
                &at,
                e::Request::CreateNatGateway(e::CreateNatGatewayRequest {
                    subnet_id: Some(subnet),
                    allocation_id: allocation,
                    connectivity_type: g.connectivity.clone(),
                    tag_specifications: tags("natgateway", &g.tags),
                    ..Default::default()
                }),
            )
        })?;
        let e::Response::CreateNatGateway(out) = out else {
            return Err(at.err("", "unexpected answer"));
        };
        let id = out
            .nat_gateway
            .and_then(|g| g.nat_gateway_id)
            .unwrap_or_default();
        names.put(p.account, p.region, "natGateway", &g.name, id);
    }
    Ok(())
}

/// A route's target: a name of the scenario (gateway, NAT gateway,
/// interface) or an id, as the request member it goes in.
fn route_target(
    names: &Names,
    at: &At<'_>,
    field: &str,
    target: &str,
) -> Result<(&'static str, String), ScenarioError> {
    const KINDS: &[(&str, &str)] = &[
        ("internetGateway", "igw"),
        ("natGateway", "nat"),
        ("egressOnlyInternetGateway", "eigw"),
        ("networkInterface", "eni"),
        ("instance", "i"),
    ];
    let id = KINDS
        .iter()
        .find_map(|(kind, _)| names.get(at.account, at.region, kind, target))
        .unwrap_or_else(|| target.to_string());
    let member = match id.split_once('-').map(|(p, _)| p) {
        Some("igw" | "vgw" | "vpce") => "gateway",
        Some("nat") => "nat",
        Some("eigw") => "egressOnly",
        Some("eni") => "interface",
        Some("i") => "instance",
        Some("pcx") => "peering",
        Some("tgw") => "transit",
        _ => {
            return Err(at.err(
                field,
                format!(
                "no gateway, NAT gateway or interface named '{target}' in this account and Region"
            ),
            ))
        }
    };
    Ok((member, id))
}

/// Routes added to route tables (and to VPCs' main tables), once every
/// target exists (the network's and instances).
pub(crate) fn routes(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &mut Names,
    res: &format::RegionResources,
) -> Result<(), ScenarioError> {
    let main_of = |vpc: &str| -> Option<String> {
        let ctx = world.context(&p.at(String::new()).who(), "scenario");
        ctx.acct()
            .ec2
            .vpcs
            .get(vpc)
            .map(|v| v.main_route_table_id.clone())
    };
    let mut tables: Vec<(String, String, &Vec<format::Route>)> = Vec::new();
    for (i, v) in res.vpcs.iter().enumerate() {
        if v.routes.is_empty() {
            continue;
        }
        let path = format!("{}.vpcs[{i}]", p.base);
        let at = p.at(path.clone());
        let vpc = one_ref(names, &at, "name", "vpc", "vpc", &v.name)?;
        let Some(main) = main_of(&vpc) else {
            return Err(at.err("name", format!("no VPC '{vpc}' in this account and Region")));
        };
        tables.push((path, main, &v.routes));
    }
    for (i, t) in res.route_tables.iter().enumerate() {
        if t.routes.is_empty() {
            continue;
        }
        let path = format!("{}.routeTables[{i}]", p.base);
        let at = p.at(path.clone());
        let id = one_ref(names, &at, "name", "routeTable", "rtb", &t.name)?;
        tables.push((path, id, &t.routes));
    }
    for (path, table, routes) in tables {
        let at = p.at(path);
        for (ri, r) in routes.iter().enumerate() {
            let field = format!("routes[{ri}]");
            let (member, target) = route_target(names, &at, &format!("{field}.target"), &r.target)?;
            let mut create = e::CreateRouteRequest {
                route_table_id: Some(table.clone()),
                ..Default::default()
            };
            if r.destination.starts_with("pl-") {
                create.destination_prefix_list_id = Some(r.destination.clone());
            } else if r.destination.contains(':') {
                create.destination_ipv6_cidr_block = Some(r.destination.clone());
            } else {
                create.destination_cidr_block = Some(r.destination.clone());
            }
            let t = Some(target);
            match member {
                "gateway" => create.gateway_id = t,
                "nat" => create.nat_gateway_id = t,
                "egressOnly" => create.egress_only_internet_gateway_id = t,
                "interface" => create.network_interface_id = t,
                "instance" => create.instance_id = t,
                "peering" => create.vpc_peering_connection_id = t,
                _ => create.transit_gateway_id = t,
            }
            let replace = e::ReplaceRouteRequest {
                route_table_id: create.route_table_id.clone(),
                destination_cidr_block: create.destination_cidr_block.clone(),
                destination_ipv6_cidr_block: create.destination_ipv6_cidr_block.clone(),
                destination_prefix_list_id: create.destination_prefix_list_id.clone(),
                gateway_id: create.gateway_id.clone(),
                nat_gateway_id: create.nat_gateway_id.clone(),
                egress_only_internet_gateway_id: create.egress_only_internet_gateway_id.clone(),
                network_interface_id: create.network_interface_id.clone(),
                vpc_peering_connection_id: create.vpc_peering_connection_id.clone(),
                transit_gateway_id: create.transit_gateway_id.clone(),
                ..Default::default()
            };
            let at_route = p.at(format!("{}.{field}", at.path));
            ec2(world, &at_route, e::Request::CreateRoute(create))?;
            match r.origin.as_deref() {
                None | Some("CreateRoute") => {}
                Some("ReplaceRoute") => {
                    ec2(world, &at_route, e::Request::ReplaceRoute(replace))?;
                }
                Some(other) => {
                    return Err(at_route.err(
                        "origin",
                        format!("'{other}' is not a route origin (CreateRoute or ReplaceRoute)"),
                    ))
                }
            }
        }
    }
    Ok(())
}

/// The request that makes a scenario's ACL entry.
fn acl_entry_request(acl: &str, x: &format::AclEntry) -> e::CreateNetworkAclEntryRequest {
    e::CreateNetworkAclEntryRequest {
        network_acl_id: Some(acl.to_string()),
        rule_number: Some(x.rule_number),
        protocol: Some(x.protocol.clone()),
        rule_action: Some(x.action.clone()),
        egress: Some(x.egress),
        cidr_block: x.cidr.clone(),
        ipv6_cidr_block: x.ipv6_cidr.clone(),
        port_range: x.ports.map(|(from, to)| e::PortRange {
            from: Some(from),
            to: Some(to),
        }),
        icmp_type_code: x.icmp.map(|(t, c)| e::IcmpTypeCode {
            type_: Some(t),
            code: Some(c),
        }),
        ..Default::default()
    }
}

/// Network ACLs: new ones with their entries, a VPC's default one with the
/// entries it declares instead of AWS's, and the subnets moved to them.
fn network_acls(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &mut Names,
    res: &format::RegionResources,
) -> Result<(), ScenarioError> {
    let who = p.at(String::new()).who();
    for (i, a) in res.network_acls.iter().enumerate() {
        let at = p.at(format!("{}.networkAcls[{i}]", p.base));
        let vpc = one_ref(names, &at, "vpc", "vpc", "vpc", &a.vpc)?;
        let subnets = refs(names, &at, "subnets", "subnet", "subnet", &a.subnets)?;
        let id = if a.default {
            // The VPC's own: AWS's entries go unless declared.
            let (id, existing) = {
                let ctx = world.context(&who, "scenario");
                let Some(acl) = ctx
                    .acct()
                    .ec2
                    .network_acls
                    .values()
                    .find(|x| x.is_default && x.vpc_id == vpc)
                else {
                    return Err(at.err("vpc", format!("no VPC '{vpc}' in this account and Region")));
                };
                (acl.id.clone(), acl.entries.clone())
            };
            for x in existing.iter().filter(|x| x.rule_number != 32767) {
                let declared = a
                    .entries
                    .iter()
                    .any(|d| d.rule_number == x.rule_number && d.egress == x.egress);
                if !declared {
                    ec2(
                        world,
                        &at,
                        e::Request::DeleteNetworkAclEntry(e::DeleteNetworkAclEntryRequest {
                            network_acl_id: Some(id.clone()),
                            rule_number: Some(x.rule_number),
                            egress: Some(x.egress),
                            ..Default::default()
                        }),
                    )?;
                }
            }
            tag_resource(world, &at, &id, &a.tags)?;
            for (ei, x) in a.entries.iter().enumerate() {
                let present = existing
                    .iter()
                    .any(|y| y.rule_number == x.rule_number && y.egress == x.egress);
                let at_entry = p.at(format!("{}.entries[{ei}]", at.path));
                let req = acl_entry_request(&id, x);
                if present {
                    let r = e::ReplaceNetworkAclEntryRequest {
                        network_acl_id: req.network_acl_id,
                        rule_number: req.rule_number,
                        protocol: req.protocol,
                        rule_action: req.rule_action,
                        egress: req.egress,
                        cidr_block: req.cidr_block,
                        ipv6_cidr_block: req.ipv6_cidr_block,
                        port_range: req.port_range,
                        icmp_type_code: req.icmp_type_code,
                        ..Default::default()
                    };
                    ec2(world, &at_entry, e::Request::ReplaceNetworkAclEntry(r))?;
                } else {
                    ec2(world, &at_entry, e::Request::CreateNetworkAclEntry(req))?;
                }
            }
            id
        } else {
            let pins = Pins::default().id(&at, "id", "acl", a.id.as_ref())?;
            let out = pins.run(world, || {
                ec2(
                    world,
                    &at,
                    e::Request::CreateNetworkAcl(e::CreateNetworkAclRequest {
                        vpc_id: Some(vpc.clone()),
                        tag_specifications: tags("network-acl", &a.tags),
                        ..Default::default()
                    }),
                )
            })?;
            let e::Response::CreateNetworkAcl(out) = out else {
                return Err(at.err("", "unexpected answer"));
            };
            let id = out
                .network_acl
                .and_then(|x| x.network_acl_id)
                .unwrap_or_default();
            for (ei, x) in a.entries.iter().enumerate() {
                let at_entry = p.at(format!("{}.entries[{ei}]", at.path));
                ec2(
                    world,
                    &at_entry,
                    e::Request::CreateNetworkAclEntry(acl_entry_request(&id, x)),
                )?;
            }
            id
        };
        if a.association_ids.len() > subnets.len() {
            return Err(at.err("associationIds", "one per subnet at most"));
        }
        for (si, s) in subnets.iter().enumerate() {
            let current = {
                let ctx = world.context(&who, "scenario");
                ctx.acct().ec2.network_acls.values().find_map(|x| {
                    x.associations
                        .iter()
                        .find(|(_, sub)| sub == s)
                        .map(|(assoc, _)| assoc.clone())
                })
            };
            let Some(current) = current else {
                return Err(at.err(
                    &format!("subnets[{si}]"),
                    format!("subnet '{s}' has no network ACL association"),
                ));
            };
            let pins = Pins::default().id(
                &at,
                &format!("associationIds[{si}]"),
                "aclassoc",
                a.association_ids.get(si),
            )?;
            pins.run(world, || {
                ec2(
                    world,
                    &at,
                    e::Request::ReplaceNetworkAclAssociation(
                        e::ReplaceNetworkAclAssociationRequest {
                            association_id: Some(current),
                            network_acl_id: Some(id.clone()),
                            ..Default::default()
                        },
                    ),
                )
            })?;
        }
        names.put(p.account, p.region, "networkAcl", &a.name, id);
    }
    Ok(())
}

/// DHCP options sets, and the VPCs that use one other than the default.
fn dhcp_options(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &mut Names,
    res: &format::RegionResources,
) -> Result<(), ScenarioError> {
    for (i, d) in res.dhcp_options.iter().enumerate() {
        let at = p.at(format!("{}.dhcpOptions[{i}]", p.base));
        let pins = Pins::default().id(&at, "id", "dopt", d.id.as_ref())?;
        let out = pins.run(world, || {
            ec2(
                world,
                &at,
                e::Request::CreateDhcpOptions(e::CreateDhcpOptionsRequest {
                    dhcp_configurations: Some(
                        d.configurations
                            .iter()
                            .map(|c| e::NewDhcpConfiguration {
                                key: Some(c.key.clone()),
                                values: Some(c.values.clone()),
                            })
                            .collect(),
                    ),
                    tag_specifications: tags("dhcp-options", &d.tags),
                    ..Default::default()
                }),
            )
        })?;
        let e::Response::CreateDhcpOptions(out) = out else {
            return Err(at.err("", "unexpected answer"));
        };
        let id = out
            .dhcp_options
            .and_then(|d| d.dhcp_options_id)
            .unwrap_or_default();
        names.put(p.account, p.region, "dhcpOptions", &d.name, id);
    }
    for (i, v) in res.vpcs.iter().enumerate() {
        let Some(set) = &v.dhcp_options else {
            continue;
        };
        let at = p.at(format!("{}.vpcs[{i}]", p.base));
        let vpc = one_ref(names, &at, "name", "vpc", "vpc", &v.name)?;
        let set = if set == "default" {
            set.clone()
        } else {
            one_ref(names, &at, "dhcpOptions", "dhcpOptions", "dopt", set)?
        };
        ec2(
            world,
            &at,
            e::Request::AssociateDhcpOptions(e::AssociateDhcpOptionsRequest {
                dhcp_options_id: Some(set),
                vpc_id: Some(vpc),
                ..Default::default()
            }),
        )?;
    }
    Ok(())
}

/// Internet gateways (attached to their VPC) and egress-only ones.
fn gateways(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &mut Names,
    res: &format::RegionResources,
) -> Result<(), ScenarioError> {
    for (i, g) in res.internet_gateways.iter().enumerate() {
        let at = p.at(format!("{}.internetGateways[{i}]", p.base));
        let vpc = match &g.vpc {
            Some(v) => Some(one_ref(names, &at, "vpc", "vpc", "vpc", v)?),
            None => None,
        };
        let pins = Pins::default().id(&at, "id", "igw", g.id.as_ref())?;
        let out = pins.run(world, || {
            ec2(
                world,
                &at,
                e::Request::CreateInternetGateway(e::CreateInternetGatewayRequest {
                    tag_specifications: tags("internet-gateway", &g.tags),
                    ..Default::default()
                }),
            )
        })?;
        let e::Response::CreateInternetGateway(out) = out else {
            return Err(at.err("", "unexpected answer"));
        };
        let id = out
            .internet_gateway
            .and_then(|g| g.internet_gateway_id)
            .unwrap_or_default();
        if let Some(vpc) = vpc {
            ec2(
                world,
                &at,
                e::Request::AttachInternetGateway(e::AttachInternetGatewayRequest {
                    internet_gateway_id: Some(id.clone()),
                    vpc_id: Some(vpc),
                    ..Default::default()
                }),
            )?;
        }
        names.put(p.account, p.region, "internetGateway", &g.name, id);
    }
    for (i, g) in res.egress_only_internet_gateways.iter().enumerate() {
        let at = p.at(format!("{}.egressOnlyInternetGateways[{i}]", p.base));
        let vpc = one_ref(names, &at, "vpc", "vpc", "vpc", &g.vpc)?;
        let pins = Pins::default().id(&at, "id", "eigw", g.id.as_ref())?;
        let out = pins.run(world, || {
            ec2(
                world,
                &at,
                e::Request::CreateEgressOnlyInternetGateway(
                    e::CreateEgressOnlyInternetGatewayRequest {
                        vpc_id: Some(vpc),
                        tag_specifications: tags("egress-only-internet-gateway", &g.tags),
                        ..Default::default()
                    },
                ),
            )
        })?;
        let e::Response::CreateEgressOnlyInternetGateway(out) = out else {
            return Err(at.err("", "unexpected answer"));
        };
        let id = out
            .egress_only_internet_gateway
            .and_then(|g| g.egress_only_internet_gateway_id)
            .unwrap_or_default();
        names.put(
            p.account,
            p.region,
            "egressOnlyInternetGateway",
            &g.name,
            id,
        );
    }
    Ok(())
}

/// Elastic IPs associated with the interfaces they name, once every
/// interface (endpoints', load balancers', tasks') exists.
pub(crate) fn associations(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &mut Names,
    res: &format::RegionResources,
) -> Result<(), ScenarioError> {
    for (i, a) in res.elastic_ips.iter().enumerate() {
        let Some(eni) = &a.network_interface else {
            continue;
        };
        let at = p.at(format!("{}.elasticIps[{i}]", p.base));
        let id = one_ref(names, &at, "name", "elasticIp", "eipalloc", &a.name)?;
        // A network interface of the scenario by name, or any by id (an
        // endpoint's, a load balancer's, a task's).
        let eni = one_ref(
            names,
            &at,
            "networkInterface",
            "networkInterface",
            "eni",
            eni,
        )?;
        let pins =
            Pins::default().id(&at, "associationId", "eipassoc", a.association_id.as_ref())?;
        pins.run(world, || {
            ec2(
                world,
                &at,
                e::Request::AssociateAddress(e::AssociateAddressRequest {
                    allocation_id: Some(id),
                    network_interface_id: Some(eni),
                    private_ip_address: a.private_ip.clone(),
                    ..Default::default()
                }),
            )
        })?;
    }
    Ok(())
}

fn notifications(
    world: &Arc<World>,
    at: &At<'_>,
    list: &[format::Notification],
    service: Option<String>,
    endpoint: Option<String>,
) -> Result<(), ScenarioError> {
    for (i, n) in list.iter().enumerate() {
        let at_n = At {
            loaded: at.loaded,
            account: at.account,
            region: at.region,
            path: format!("{}.notifications[{i}]", at.path),
        };
        let pins = Pins::default().id(&at_n, "id", "vpce-nfn", n.id.as_ref())?;
        pins.run(world, || {
            ec2(
                world,
                &at_n,
                e::Request::CreateVpcEndpointConnectionNotification(
                    e::CreateVpcEndpointConnectionNotificationRequest {
                        service_id: service.clone(),
                        vpc_endpoint_id: endpoint.clone(),
                        connection_notification_arn: Some(n.topic.clone()),
                        connection_events: Some(n.events.clone()),
                        ..Default::default()
                    },
                ),
            )
        })?;
    }
    Ok(())
}

pub(crate) fn endpoint_services(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &mut Names,
    res: &format::RegionResources,
) -> Result<(), ScenarioError> {
    for (i, s) in res.endpoint_services.iter().enumerate() {
        let at = p.at(format!("{}.endpointServices[{i}]", p.base));
        let lbs = refs(
            names,
            &at,
            "loadBalancers",
            "loadBalancer",
            "arn:aws:elasticloadbalancing",
            &s.load_balancers,
        )?;
        let gateway = lbs.iter().any(|a| a.contains(":loadbalancer/gwy/"));
        let record = s.private_dns_record.as_ref();
        let pins = Pins::default()
            .id(&at, "id", "vpce-svc", s.id.as_ref())?
            .value("private-dns-record-name", record.map(|r| &r.name))
            .value("private-dns-record-value", record.map(|r| &r.value));
        let out = pins.run(world, || {
            ec2(
                world,
                &at,
                e::Request::CreateVpcEndpointServiceConfiguration(
                    e::CreateVpcEndpointServiceConfigurationRequest {
                        acceptance_required: Some(s.acceptance_required),
                        private_dns_name: s.private_dns_name.clone(),
                        network_load_balancer_arns: (!gateway).then(|| lbs.clone()),
                        gateway_load_balancer_arns: gateway.then(|| lbs.clone()),
                        tag_specifications: tags("vpc-endpoint-service", &s.tags),
                        supported_regions: (!s.supported_regions.is_empty())
                            .then(|| s.supported_regions.clone()),
                        ..Default::default()
                    },
                ),
            )
        })?;
        let e::Response::CreateVpcEndpointServiceConfiguration(out) = out else {
            return Err(at.err("", "unexpected answer"));
        };
        let cfg = out.service_configuration.unwrap_or_default();
        let id = cfg.service_id.unwrap_or_default();
        if s.permission_ids.len() > s.principals.len() {
            return Err(at.err("permissionIds", "one per principal at most"));
        }
        if !s.principals.is_empty() {
            let pins = Pins::default().ids(
                &at,
                "permissionIds",
                "vpce-svc-perm",
                s.permission_ids.iter().map(Some),
            )?;
            pins.run(world, || {
                ec2(
                    world,
                    &at,
                    e::Request::ModifyVpcEndpointServicePermissions(
                        e::ModifyVpcEndpointServicePermissionsRequest {
                            service_id: Some(id.clone()),
                            add_allowed_principals: Some(s.principals.clone()),
                            ..Default::default()
                        },
                    ),
                )
            })?;
        }
        if s.private_dns_verified {
            ec2(
                world,
                &at,
                e::Request::StartVpcEndpointServicePrivateDnsVerification(
                    e::StartVpcEndpointServicePrivateDnsVerificationRequest {
                        service_id: Some(id.clone()),
                        ..Default::default()
                    },
                ),
            )?;
        }
        notifications(world, &at, &s.notifications, Some(id.clone()), None)?;
        names.put(p.account, p.region, "endpointService", &s.name, id.clone());
        names.put(
            p.account,
            p.region,
            "endpointServiceName",
            &s.name,
            cfg.service_name.unwrap_or_default(),
        );
    }
    Ok(())
}

pub(crate) fn endpoints(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &mut Names,
    res: &format::RegionResources,
) -> Result<(), ScenarioError> {
    for (i, v) in res.vpc_endpoints.iter().enumerate() {
        let at = p.at(format!("{}.vpcEndpoints[{i}]", p.base));
        let vpc = one_ref(names, &at, "vpc", "vpc", "vpc", &v.vpc)?;
        // `<account>/<service>` names a custom service of the scenario.
        let service_region = v.service_region.as_deref().unwrap_or(p.region);
        if !regions::is_region_name(service_region) {
            return Err(bad(&at, "serviceRegion", service_region, "a Region name"));
        }
        let (service, provider) = match v.service.split_once('/') {
            Some((acct, svc)) if !v.service.starts_with("com.amazonaws") => {
                let owner = names
                    .accounts
                    .get(acct)
                    .cloned()
                    .unwrap_or_else(|| acct.to_string());
                let name = names
                    .get(&owner, service_region, "endpointServiceName", svc)
                    .ok_or_else(|| {
                        at.err(
                            "service",
                            format!(
                                "no endpoint service '{svc}' of account '{acct}' in {service_region}"
                            ),
                        )
                    })?;
                let id = names
                    .get(&owner, service_region, "endpointService", svc)
                    .unwrap_or_default();
                (name, Some((owner, id)))
            }
            _ => (v.service.clone(), None),
        };
        let subnets = refs(names, &at, "subnets", "subnet", "subnet", &v.subnets)?;
        let groups = refs(
            names,
            &at,
            "securityGroups",
            "securityGroup",
            "sg",
            &v.security_groups,
        )?;
        let tables = refs(
            names,
            &at,
            "routeTables",
            "routeTable",
            "rtb",
            &v.route_tables,
        )?;
        let pins = Pins::default()
            .id(&at, "id", "vpce", v.id.as_ref())?
            .time(&at, "createdAt", v.created_at.as_ref())?
            .value("vpce-dns-suffix", v.dns_suffix.as_ref())
            .value("vpce-private-zone", v.private_zone_id.as_ref())
            .enis(&at, "networkInterfaces", &v.network_interfaces)?
            .id(&at, "connectionId", "vpce-con", v.connection_id.as_ref())?;
        let out = pins.run(world, || {
            ec2(
                world,
                &at,
                e::Request::CreateVpcEndpoint(e::CreateVpcEndpointRequest {
                    vpc_id: Some(vpc),
                    service_name: Some(service),
                    vpc_endpoint_type: Some(
                        v.endpoint_type
                            .clone()
                            .unwrap_or_else(|| "Interface".into()),
                    ),
                    subnet_ids: (!subnets.is_empty()).then_some(subnets),
                    security_group_ids: (!groups.is_empty()).then_some(groups),
                    route_table_ids: (!tables.is_empty()).then_some(tables),
                    private_dns_enabled: v.private_dns,
                    policy_document: v.policy.clone(),
                    tag_specifications: tags("vpc-endpoint", &v.tags),
                    service_region: v.service_region.clone(),
                    ..Default::default()
                }),
            )
        })?;
        let e::Response::CreateVpcEndpoint(out) = out else {
            return Err(at.err("", "unexpected answer"));
        };
        let ep = out.vpc_endpoint.unwrap_or_default();
        let id = ep.vpc_endpoint_id.unwrap_or_default();
        let initial = ep.state.unwrap_or_default();
        let wanted = v.state.clone().unwrap_or_else(|| "available".into());
        if let Some((owner, service_id)) = provider {
            let as_provider = At {
                loaded: p.loaded,
                account: &owner,
                region: service_region,
                path: at.path.clone(),
            };
            match (initial.as_str(), wanted.as_str()) {
                ("pendingAcceptance", "available" | "pending") => {
                    ec2(
                        world,
                        &as_provider,
                        e::Request::AcceptVpcEndpointConnections(
                            e::AcceptVpcEndpointConnectionsRequest {
                                service_id: Some(service_id),
                                vpc_endpoint_ids: Some(vec![id.clone()]),
                                ..Default::default()
                            },
                        ),
                    )?;
                }
                (_, "rejected") => {
                    ec2(
                        world,
                        &as_provider,
                        e::Request::RejectVpcEndpointConnections(
                            e::RejectVpcEndpointConnectionsRequest {
                                service_id: Some(service_id),
                                vpc_endpoint_ids: Some(vec![id.clone()]),
                                ..Default::default()
                            },
                        ),
                    )?;
                }
                (s, w) if w == "pendingAcceptance" && s != "pendingAcceptance" => {
                    return Err(at.err(
                        "state",
                        "pendingAcceptance needs a service with acceptanceRequired: true",
                    ));
                }
                _ => {}
            }
        } else if wanted != "available" {
            return Err(at.err(
                "state",
                format!(
                    "an endpoint to an AWS service is available; '{wanted}' needs a custom service"
                ),
            ));
        }
        notifications(world, &at, &v.notifications, None, Some(id.clone()))?;
        names.put(p.account, p.region, "vpcEndpoint", &v.name, id);
    }
    Ok(())
}
pub(crate) fn export_tags(t: &Tags) -> f::Tags {
    t.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn rule(r: &Rule) -> f::Rule {
    let mut out = f::Rule {
        id: Some(r.id.clone()),
        protocol: r.protocol.clone(),
        from_port: r.from_port,
        to_port: r.to_port,
        description: r.description.clone(),
        tags: export_tags(&r.tags),
        ..Default::default()
    };
    match &r.peer {
        Peer::Cidr(c) => out.cidr = Some(c.clone()),
        Peer::Group { group_id, .. } => out.source_group = Some(group_id.clone()),
        Peer::CidrV6(c) => out.cidr_ipv6 = Some(c.clone()),
        Peer::PrefixList(p) => out.prefix_list = Some(p.clone()),
    }
    out
}

/// A network interface AWS made, as a scenario pins it.
pub(crate) fn eni_of(a: &Account, id: &str) -> f::NetworkInterface {
    let e = a.ec2.enis.get(id);
    f::NetworkInterface {
        id: Some(id.to_string()),
        private_ip: e.map(|e| e.private_ip.to_string()),
        mac: e.map(|e| e.mac_address.to_string()),
        public_ip: e.and_then(|e| e.public_ip.as_ref().map(|ip| ip.to_string())),
    }
}

/// The ids of what a VPC comes with: its default security group's two rules
/// (ingress from itself, egress to all) and its main route table association.
fn vpc_extras(a: &Account, v: &Vpc) -> (Vec<String>, Option<String>) {
    let st = &a.ec2;
    let rules = st
        .security_groups
        .get(&v.default_security_group_id)
        .map(|g| {
            let ingress = g.rules.iter().find(|r| {
                !r.egress
                    && r.protocol == "-1"
                    && matches!(&r.peer, Peer::Group { group_id, .. } if *group_id == g.id)
            });
            let egress = g.rules.iter().find(|r| {
                r.egress && r.protocol == "-1" && r.peer == Peer::Cidr("0.0.0.0/0".into())
            });
            match (ingress, egress) {
                (Some(i), Some(e)) => vec![i.id.clone(), e.id.clone()],
                _ => vec![],
            }
        })
        .unwrap_or_default();
    let main = st
        .route_tables
        .get(&v.main_route_table_id)
        .and_then(|t| t.associations.iter().find(|x| x.main))
        .map(|x| x.id.clone());
    (rules, main)
}

fn endpoint(regions: &[&Region], region: &Region, a: &Account, e: &VpcEndpoint) -> f::VpcEndpoint {
    // A custom service of this world, in its own Region.
    let custom = regions
        .iter()
        .filter(|r| r.name == e.service_region)
        .flat_map(|r| r.common.ec2.endpoint_services.values())
        .find(|s| s.name == e.service_name);
    let service = match custom {
        Some(s) => format!("{}/{}", s.owner, s.id),
        None => e.service_name.clone(),
    };
    f::VpcEndpoint {
        name: e.id.clone(),
        id: Some(e.id.clone()),
        vpc: e.vpc_id.clone(),
        service,
        endpoint_type: Some(e.endpoint_type.clone()),
        service_region: (e.service_region != region.name).then(|| e.service_region.clone()),
        // A rejected or deleted endpoint has no interfaces left: its subnets
        // may be deleted since, and are left out (nothing could be made in them).
        subnets: e
            .subnet_ids
            .iter()
            .filter(|s| a.ec2.subnets.contains_key(*s))
            .cloned()
            .collect(),
        security_groups: e.group_ids.clone(),
        route_tables: e.route_table_ids.clone(),
        private_dns: Some(e.private_dns_enabled),
        // Only a policy someone set: the default one is AWS's to give.
        policy: e.policy.clone().filter(|p| {
            p != super::endpoints::DEFAULT_GATEWAY_POLICY
                && p != super::endpoints::DEFAULT_INTERFACE_POLICY
        }),
        state: Some(e.state.clone()),
        notifications: vec![],
        tags: export_tags(&e.tags),
        created_at: Some(time(e.created)),
        dns_suffix: Some(e.dns_suffix.clone()),
        private_zone_id: Some(e.private_zone_id.clone()),
        network_interfaces: e.eni_ids.iter().map(|id| eni_of(a, id)).collect(),
        connection_id: custom
            .and_then(|s| s.connections.get(&e.id))
            .map(|c| c.id.clone()),
    }
}

/// Security groups as a scenario names them: a VPC's default group is what
/// an empty list means (its id changes when the scenario builds the VPC again).
pub(crate) fn groups(a: &Account, ids: &[String]) -> Vec<String> {
    ids.iter()
        .filter(|g| {
            !a.ec2
                .vpcs
                .values()
                .any(|v| &v.default_security_group_id == *g)
        })
        .cloned()
        .collect()
}

fn notifications_of(
    a: &Account,
    service: Option<&str>,
    endpoint: Option<&str>,
) -> Vec<f::Notification> {
    a.ec2
        .notifications
        .values()
        .filter(|n| n.service_id.as_deref() == service && n.endpoint_id.as_deref() == endpoint)
        .map(|n| f::Notification {
            id: Some(n.id.clone()),
            topic: n.topic_arn.clone(),
            events: n.events.clone(),
            url: None,
        })
        .collect()
}

/// This account's EC2 resources in `region`, as a scenario declares them.
pub(crate) fn export(
    regions: &[&Region],
    region: &Region,
    account_id: &str,
    a: &Account,
    out: &mut f::RegionResources,
) {
    let st = &a.ec2;
    let zones = crate::world::regions::zones(&region.name);
    let zone_index = |az: &str| {
        zones
            .iter()
            .position(|z| z.name == az)
            .unwrap_or(usize::MAX)
    };
    let default_vpc = st.vpcs.values().find(|v| v.is_default);
    if let Some(v) = default_vpc {
        let (rules, main) = vpc_extras(a, v);
        let mut subnets: Vec<&Subnet> = st
            .subnets
            .values()
            .filter(|s| s.vpc_id == v.id && s.default_for_az)
            .collect();
        subnets.sort_by_key(|s| zone_index(&s.availability_zone));
        out.default_vpc = Some(f::DefaultVpc {
            id: Some(v.id.clone()),
            cidr_association_id: Some(v.cidr_association_id.clone()),
            dhcp_options_id: Some(v.dhcp_options_id.clone()),
            default_security_group_id: Some(v.default_security_group_id.clone()),
            default_security_group_rule_ids: rules,
            main_route_table_id: Some(v.main_route_table_id.clone()),
            main_route_table_association_id: main,
            subnets: subnets.iter().map(|s| s.id.clone()).collect(),
            internet_gateway_id: st
                .internet_gateways
                .values()
                .find(|g| g.vpc_id.as_ref() == Some(&v.id))
                .map(|g| g.id.clone()),
            default_network_acl_id: default_acl(st, &v.id).map(|a| a.id.clone()),
            network_acl_association_ids: subnets
                .iter()
                .map(|s| default_acl_association(st, &v.id, &s.id).unwrap_or_default())
                .collect(),
            cidr_blocks: export_cidr_blocks(v),
        });
    }
    for v in st.vpcs.values().filter(|v| !v.is_default) {
        let (rules, main) = vpc_extras(a, v);
        out.vpcs.push(f::Vpc {
            name: v.id.clone(),
            id: Some(v.id.clone()),
            default_security_group_id: Some(v.default_security_group_id.clone()),
            main_route_table_id: Some(v.main_route_table_id.clone()),
            main_route_table_association_id: main,
            default_security_group_rule_ids: rules,
            cidr_association_id: Some(v.cidr_association_id.clone()),
            dhcp_options_id: Some(v.dhcp_options_id.clone()),
            cidr: v.cidr.clone(),
            dns_support: Some(v.enable_dns_support),
            dns_hostnames: Some(v.enable_dns_hostnames),
            address_usage_metrics: v.enable_network_address_usage_metrics.then_some(true),
            dhcp_options: Some(v.dhcp_options_id.clone())
                .filter(|d| Some(d) != st.default_dhcp_options.as_ref()),
            default_network_acl_id: default_acl(st, &v.id).map(|a| a.id.clone()),
            routes: user_routes(st, v, &v.main_route_table_id),
            cidr_blocks: export_cidr_blocks(v),
            tags: export_tags(&v.tags),
        });
    }
    // The default VPC's own subnets, group and main table come with it.
    for s in st.subnets.values().filter(|s| !s.default_for_az) {
        // Its live IPv6 block (one being removed is not carried) [U].
        let ipv6 = s.ipv6_cidrs.iter().find(|b| b.live());
        out.subnets.push(f::Subnet {
            name: s.id.clone(),
            id: Some(s.id.clone()),
            vpc: s.vpc_id.clone(),
            cidr: s.cidr.clone(),
            az: s.availability_zone.clone(),
            network_acl_association_id: default_acl_association(st, &s.vpc_id, &s.id),
            map_public_ip_on_launch: s.map_public_ip_on_launch.then_some(true),
            enable_dns64: s.options.enable_dns64.then_some(true),
            hostname_type: Some(s.options.hostname_type.clone()).filter(|t| t != "ip-name"),
            resource_name_dns_a: s.options.resource_name_dns_a.then_some(true),
            resource_name_dns_aaaa: s.options.resource_name_dns_aaaa.then_some(true),
            ipv6_cidr: ipv6.map(|b| b.cidr.clone()),
            ipv6_association_id: ipv6.map(|b| b.id.clone()),
            assign_ipv6_address_on_creation: s.assign_ipv6_on_creation.then_some(true),
            tags: export_tags(&s.tags),
        });
    }
    // A VPC's default group comes with the VPC: listed only for the rules
    // and tags it was given since.
    let as_made = |g: &&SecurityGroup| {
        g.name == "default"
            && g.tags.is_empty()
            && st.vpcs.values().any(|v| {
                v.default_security_group_id == g.id
                    && g.rules.len() == 2
                    && vpc_extras(a, v).0.len() == 2
            })
    };
    for g in st.security_groups.values().filter(|g| !as_made(g)) {
        out.security_groups.push(f::SecurityGroup {
            name: g.id.clone(),
            id: Some(g.id.clone()),
            vpc: g.vpc_id.clone(),
            group_name: Some(g.name.clone()),
            description: Some(g.description.clone()),
            ingress: g.rules.iter().filter(|r| !r.egress).map(rule).collect(),
            egress: Some(g.rules.iter().filter(|r| r.egress).map(rule).collect()),
            tags: export_tags(&g.tags),
        });
    }
    // An instance's primary interface goes with the instance.
    for n in st.enis.values().filter(|n| {
        n.requester_id.is_none() && n.attachment.as_ref().is_none_or(|t| t.device_index != 0)
    }) {
        out.network_interfaces.push(f::Interface {
            name: n.id.to_string(),
            id: Some(n.id.to_string()),
            subnet: n.subnet_id.to_string(),
            security_groups: groups(a, &n.group_ids),
            private_ip: Some(n.private_ip.to_string()),
            mac: Some(n.mac_address.to_string()),
            description: Some(n.description.text(&region.name, account_id))
                .filter(|d| !d.is_empty()),
            secondary_private_ips: n.secondary_ips.clone(),
            source_dest_check: (!n.source_dest_check).then_some(false),
            tags: export_tags(&n.tags),
        });
    }
    // A NAT gateway being deleted, or deleted within the hour AWS still
    // describes it, is not declared (applying a scenario settles every
    // transition, so it would be gone at once).
    for g in st
        .nat_gateways
        .values()
        .filter(|g| !matches!(g.state.as_str(), "deleting" | "deleted"))
    {
        let eni = g.eni_id.as_ref().and_then(|e| st.enis.get(e.as_str()));
        out.nat_gateways.push(f::NatGateway {
            name: g.id.clone(),
            id: Some(g.id.clone()),
            subnet: g.subnet_id.clone(),
            elastic_ip: g.allocation_id.clone(),
            connectivity: (g.connectivity != "public").then(|| g.connectivity.clone()),
            created_at: Some(time(g.created)),
            association_id: g.association_id.clone(),
            network_interface: Some(f::NetworkInterface {
                id: eni.map(|e| e.id.to_string()),
                private_ip: Some(g.private_ip.clone()),
                mac: eni.map(|e| e.mac_address.to_string()),
                public_ip: None,
            }),
            tags: export_tags(&g.tags),
        });
    }
    for acl in st.network_acls.values() {
        let as_made = acl.is_default && acl.tags.is_empty() && {
            let mut rules: Vec<(i32, bool, &str, &str, Option<&str>)> = acl
                .entries
                .iter()
                .filter(|e| e.rule_number != 32767 && e.ports.is_none() && e.icmp.is_none())
                .map(|e| {
                    (
                        e.rule_number,
                        e.egress,
                        e.protocol.as_str(),
                        e.action.as_str(),
                        e.cidr.as_deref(),
                    )
                })
                .collect();
            rules.sort();
            acl.entries
                .iter()
                .filter(|e| e.rule_number != 32767)
                .count()
                == 2
                && rules
                    == [
                        (100, false, "-1", "allow", Some("0.0.0.0/0")),
                        (100, true, "-1", "allow", Some("0.0.0.0/0")),
                    ]
        };
        if as_made {
            continue;
        }
        // A default ACL's subnets come with it; another's are moved to it.
        let moved: Vec<&(String, String)> = if acl.is_default {
            vec![]
        } else {
            acl.associations.iter().collect()
        };
        out.network_acls.push(f::NetworkAcl {
            name: acl.id.clone(),
            id: (!acl.is_default).then(|| acl.id.clone()),
            vpc: acl.vpc_id.clone(),
            default: acl.is_default,
            entries: acl
                .entries
                .iter()
                .filter(|e| e.rule_number != 32767)
                .map(|e| f::AclEntry {
                    rule_number: e.rule_number,
                    egress: e.egress,
                    protocol: e.protocol.clone(),
                    action: e.action.clone(),
                    cidr: e.cidr.clone(),
                    ipv6_cidr: e.ipv6_cidr.clone(),
                    ports: e.ports,
                    icmp: e.icmp,
                })
                .collect(),
            subnets: moved.iter().map(|(_, s)| s.clone()).collect(),
            association_ids: moved.iter().map(|(a, _)| a.clone()).collect(),
            tags: export_tags(&acl.tags),
        });
    }
    for d in st
        .dhcp_options
        .values()
        .filter(|d| Some(&d.id) != st.default_dhcp_options.as_ref())
    {
        out.dhcp_options.push(f::DhcpOptions {
            name: d.id.clone(),
            id: Some(d.id.clone()),
            configurations: d
                .configurations
                .iter()
                .map(|(k, vs)| f::DhcpConfiguration {
                    key: k.clone(),
                    values: vs.clone(),
                })
                .collect(),
            tags: export_tags(&d.tags),
        });
    }
    // The default VPC's gateway comes with it.
    let default_vpc_id = st.vpcs.values().find(|v| v.is_default).map(|v| &v.id);
    for g in st
        .internet_gateways
        .values()
        .filter(|g| g.vpc_id.is_none() || g.vpc_id.as_ref() != default_vpc_id)
    {
        out.internet_gateways.push(f::InternetGateway {
            name: g.id.clone(),
            id: Some(g.id.clone()),
            vpc: g.vpc_id.clone(),
            tags: export_tags(&g.tags),
        });
    }
    for g in st.egress_only_gateways.values() {
        out.egress_only_internet_gateways
            .push(f::EgressOnlyInternetGateway {
                name: g.id.clone(),
                id: Some(g.id.clone()),
                vpc: g.vpc_id.clone(),
                tags: export_tags(&g.tags),
            });
    }
    for x in st.addresses.values() {
        // A NAT gateway's address comes with the gateway.
        let assoc = x.association.as_ref().filter(|a| {
            st.enis
                .get(a.network_interface_id.as_str())
                .is_none_or(|e| e.interface_type != "nat_gateway")
        });
        out.elastic_ips.push(f::ElasticIp {
            name: x.allocation_id.clone(),
            allocation_id: Some(x.allocation_id.clone()),
            public_ip: Some(x.public_ip.clone()),
            network_interface: assoc.map(|a| a.network_interface_id.clone()),
            private_ip: assoc.map(|a| a.private_ip.clone()),
            association_id: assoc.map(|a| a.id.clone()),
            tags: export_tags(&x.tags),
        });
    }
    for t in st.route_tables.values().filter(|t| !t.is_main()) {
        let subnet_associations: Vec<_> = t
            .associations
            .iter()
            .filter(|x| x.subnet_id.is_some())
            .collect();
        out.route_tables.push(f::RouteTable {
            name: t.id.clone(),
            id: Some(t.id.clone()),
            vpc: t.vpc_id.clone(),
            subnets: subnet_associations
                .iter()
                .filter_map(|x| x.subnet_id.clone())
                .collect(),
            association_ids: subnet_associations.iter().map(|x| x.id.clone()).collect(),
            routes: st
                .vpcs
                .get(&t.vpc_id)
                .map(|v| user_routes(st, v, &t.id))
                .unwrap_or_default(),
            tags: export_tags(&t.tags),
        });
    }
    for s in region
        .common
        .ec2
        .endpoint_services
        .values()
        .filter(|s| s.owner == account_id)
    {
        let lb_names = s
            .load_balancers
            .iter()
            .filter_map(|arn| a.elbv2.load_balancers.get(arn).map(|lb| lb.name.clone()))
            .collect();
        out.endpoint_services.push(f::EndpointService {
            name: s.id.clone(),
            id: Some(s.id.clone()),
            load_balancers: lb_names,
            acceptance_required: s.acceptance_required,
            private_dns_name: s.private_dns.as_ref().map(|p| p.name.clone()),
            private_dns_verified: s
                .private_dns
                .as_ref()
                .is_some_and(|p| p.state == "verified"),
            principals: s.principals.iter().map(|p| p.arn.clone()).collect(),
            supported_regions: s
                .supported_regions
                .iter()
                .filter(|r| **r != region.name)
                .cloned()
                .collect(),
            permission_ids: s.principals.iter().map(|p| p.id.clone()).collect(),
            private_dns_record: s.private_dns.as_ref().map(|p| f::DnsRecord {
                name: p.record_name.clone(),
                value: p.record_value.clone(),
            }),
            notifications: notifications_of(a, Some(&s.id), None),
            tags: export_tags(&s.tags),
        });
    }
    for e in st
        .endpoints
        .values()
        .filter(|e| !matches!(e.state.as_str(), "deleting" | "deleted"))
        // A rejected endpoint whose endpoint service was deleted since is
        // left out: nothing could connect to that service again.
        .filter(|e| {
            !e.service_name.starts_with("com.amazonaws.vpce.")
                || regions
                    .iter()
                    .filter(|r| r.name == e.service_region)
                    .flat_map(|r| r.common.ec2.endpoint_services.values())
                    .any(|s| s.name == e.service_name)
        })
    {
        let mut ep = endpoint(regions, region, a, e);
        ep.security_groups = groups(a, &ep.security_groups);
        ep.notifications = notifications_of(a, None, Some(&e.id));
        out.vpc_endpoints.push(ep);
    }
}

/// The blocks a VPC has beyond its primary one, in the order they were
/// associated (blocks being removed are not carried) [U].
fn export_cidr_blocks(v: &Vpc) -> Vec<f::CidrBlock> {
    v.cidr_blocks
        .iter()
        .filter(|b| b.live())
        .map(|b| f::CidrBlock {
            cidr: Some(b.cidr.clone()),
            amazon_provided_ipv6: b.ipv6,
            association_id: Some(b.id.clone()),
        })
        .collect()
}

/// The routes someone added to table `table_id` of VPC `v`, as a scenario
/// declares them: not the local route, not a gateway endpoint's, and not a
/// blackhole whose target is gone (nothing could create it again).
fn user_routes(st: &State, v: &Vpc, table_id: &str) -> Vec<f::Route> {
    let Some(t) = st.route_tables.get(table_id) else {
        return vec![];
    };
    t.routes
        .iter()
        .filter(|r| matches!(r.origin.as_str(), "CreateRoute" | "ReplaceRoute"))
        .filter(|r| {
            !(r.destination_prefix_list.is_some()
                && r.gateway_id
                    .as_deref()
                    .is_some_and(|g| g.starts_with("vpce-")))
        })
        // A route to a stopped instance is a blackhole that comes back.
        .filter(|r| {
            super::routes::state(st, &v.id, r) == "active"
                || r.instance_id
                    .as_ref()
                    .is_some_and(|i| st.instances.contains_key(i))
        })
        .filter_map(|r| {
            Some(f::Route {
                destination: r.destination()?.to_string(),
                target: r.target()?.to_string(),
                origin: (r.origin == "ReplaceRoute").then(|| r.origin.clone()),
            })
        })
        .collect()
}

/// The VPC's default network ACL.
fn default_acl<'a>(st: &'a State, vpc: &str) -> Option<&'a NetworkAcl> {
    st.network_acls
        .values()
        .find(|a| a.is_default && a.vpc_id == vpc)
}

/// A subnet's association with its VPC's default ACL, while it has one.
fn default_acl_association(st: &State, vpc: &str, subnet: &str) -> Option<String> {
    default_acl(st, vpc)?
        .associations
        .iter()
        .find(|(_, s)| s == subnet)
        .map(|(a, _)| a.clone())
}
