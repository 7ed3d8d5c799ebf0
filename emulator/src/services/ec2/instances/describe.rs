//! Instances as the wire shows them: DescribeInstances (reservations, every
//! documented filter) and DescribeInstanceStatus.

use super::super::errors::{self, R};
use super::super::network::{eni_model, group_identifiers, private_dns_name, public_dns_name};
use super::super::query::{bool_value, check_max_results, one, paginate, Filters};
use super::super::state::Instance;
use super::{check_ids, enis_of, primary_eni, state_model, volumes};
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::world::regions;

fn interface_model(
    ctx: &Ctx,
    e: &super::super::state::NetworkInterface,
) -> m::InstanceNetworkInterface {
    let x = eni_model(ctx, e);
    let association = x
        .association
        .map(|a| m::InstanceNetworkInterfaceAssociation {
            ip_owner_id: a.ip_owner_id,
            public_dns_name: Some(
                a.public_ip
                    .as_deref()
                    .and_then(|ip| public_dns_name(ctx, &e.vpc_id, ip))
                    .unwrap_or_default(),
            ),
            public_ip: a.public_ip,
            ..Default::default()
        });
    m::InstanceNetworkInterface {
        association: association.clone(),
        attachment: e
            .attachment
            .as_ref()
            .map(|a| m::InstanceNetworkInterfaceAttachment {
                attach_time: Some(a.attached),
                attachment_id: Some(a.id.clone()),
                delete_on_termination: Some(a.delete_on_termination),
                device_index: Some(a.device_index),
                status: Some(a.status.clone()),
                network_card_index: Some(0),
                ..Default::default()
            }),
        description: x.description,
        groups: x.groups,
        ipv6_addresses: Some(vec![]),
        mac_address: x.mac_address,
        network_interface_id: x.network_interface_id,
        owner_id: x.owner_id,
        private_dns_name: x.private_dns_name,
        private_ip_address: x.private_ip_address,
        private_ip_addresses: x.private_ip_addresses.map(|all| {
            all.into_iter()
                .map(|p| m::InstancePrivateIpAddress {
                    association: if p.primary == Some(true) {
                        association.clone()
                    } else {
                        None
                    },
                    primary: p.primary,
                    private_dns_name: p.private_dns_name,
                    private_ip_address: p.private_ip_address,
                })
                .collect()
        }),
        source_dest_check: x.source_dest_check,
        status: x.status,
        subnet_id: x.subnet_id,
        vpc_id: x.vpc_id,
        interface_type: x.interface_type,
        ..Default::default()
    }
}

pub(crate) fn instance_model(ctx: &Ctx, i: &Instance) -> m::Instance {
    let gone = i.state == "terminated";
    let primary = primary_eni(ctx, &i.id);
    let interfaces: Vec<m::InstanceNetworkInterface> = enis_of(ctx, &i.id)
        .into_iter()
        .map(|e| interface_model(ctx, e))
        .collect();
    let public_ip = interfaces
        .first()
        .and_then(|n| n.association.as_ref())
        .and_then(|a| a.public_ip.clone());
    let groups = primary
        .map(|e| group_identifiers(ctx, &e.group_ids))
        .unwrap_or_default();
    let zone_id = regions::zones(ctx.region_name())
        .into_iter()
        .find(|z| z.name == i.availability_zone)
        .map(|z| z.id);
    let cpu = super::catalog::instance_type(&i.instance_type);
    m::Instance {
        ami_launch_index: Some(i.launch_index),
        architecture: Some(i.architecture.clone()),
        block_device_mappings: Some(volumes::mappings(ctx, &i.id)),
        capacity_reservation_specification: Some(m::CapacityReservationSpecificationResponse {
            capacity_reservation_preference: Some("open".into()),
            ..Default::default()
        }),
        client_token: Some(i.client_token.clone().unwrap_or_default()),
        cpu_options: cpu.map(|t| m::CpuOptions {
            core_count: Some(t.cores),
            threads_per_core: Some(t.threads),
            ..Default::default()
        }),
        current_instance_boot_mode: Some(
            if i.architecture == "arm64" {
                "uefi"
            } else {
                "legacy-bios"
            }
            .into(),
        ),
        ebs_optimized: Some(i.ebs_optimized),
        ena_support: Some(true),
        enclave_options: Some(m::EnclaveOptions {
            enabled: Some(false),
        }),
        hibernation_options: Some(m::HibernationOptions {
            configured: Some(false),
        }),
        hypervisor: Some("xen".into()),
        iam_instance_profile: i
            .iam_instance_profile
            .as_ref()
            .map(|arn| m::IamInstanceProfile {
                arn: Some(arn.clone()),
                id: Some(profile_id(arn)),
            }),
        image_id: Some(i.image_id.clone()),
        instance_id: Some(i.id.clone()),
        instance_type: Some(i.instance_type.clone()),
        key_name: i.key_name.clone(),
        launch_time: Some(i.launch_time),
        maintenance_options: Some(m::InstanceMaintenanceOptions {
            auto_recovery: Some("default".into()),
            ..Default::default()
        }),
        metadata_options: Some(m::InstanceMetadataOptionsResponse {
            state: Some("applied".into()),
            http_tokens: Some(i.http_tokens.clone()),
            http_put_response_hop_limit: Some(i.http_hop_limit),
            http_endpoint: Some("enabled".into()),
            http_protocol_ipv6: Some("disabled".into()),
            instance_metadata_tags: Some("disabled".into()),
        }),
        monitoring: Some(m::Monitoring {
            state: Some(if i.monitoring { "enabled" } else { "disabled" }.into()),
            ..Default::default()
        }),
        network_interfaces: Some(interfaces),
        placement: Some(m::Placement {
            availability_zone: Some(i.availability_zone.clone()),
            availability_zone_id: zone_id,
            group_name: Some(String::new()),
            tenancy: Some("default".into()),
            ..Default::default()
        }),
        platform_details: Some("Linux/UNIX".into()),
        private_dns_name: Some(if gone {
            String::new()
        } else {
            primary
                .map(|e| private_dns_name(ctx.region_name(), &e.private_ip))
                .unwrap_or_default()
        }),
        private_dns_name_options: Some(m::PrivateDnsNameOptionsResponse {
            hostname_type: Some("ip-name".into()),
            enable_resource_name_dns_a_record: Some(false),
            enable_resource_name_dns_aaaa_record: Some(false),
        }),
        private_ip_address: primary.map(|e| e.private_ip.to_string()),
        product_codes: Some(vec![]),
        public_dns_name: Some(
            public_ip
                .as_deref()
                .and_then(|ip| public_dns_name(ctx, &i.vpc_id, ip))
                .unwrap_or_default(),
        ),
        public_ip_address: public_ip,
        root_device_name: Some(i.root_device_name.clone()),
        root_device_type: Some("ebs".into()),
        security_groups: Some(groups),
        source_dest_check: primary.map(|e| e.source_dest_check),
        state: Some(state_model(&i.state)),
        state_reason: i
            .state_reason
            .as_ref()
            .map(|(code, message)| m::StateReason {
                code: Some(code.clone()),
                message: Some(message.clone()),
            }),
        state_transition_reason: Some(i.transition_reason.clone()),
        subnet_id: (!gone).then(|| i.subnet_id.clone()),
        tags: (!i.tags.is_empty()).then(|| i.tags.to_model()),
        usage_operation: Some("RunInstances".into()),
        usage_operation_update_time: Some(i.launch_time),
        virtualization_type: Some("hvm".into()),
        vpc_id: (!gone).then(|| i.vpc_id.clone()),
        boot_mode: (i.architecture == "arm64").then(|| "uefi".into()),
        ..Default::default()
    }
}

/// The id AWS gives an instance profile (`AIPA` and 17 letters), made
/// from its ARN.
fn profile_id(arn: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in arn.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let tail: String = (0..17)
        .map(|k| alphabet[((h >> ((k * 3) % 60)) & 31) as usize] as char)
        .collect();
    format!("AIPA{tail}")
}

pub(crate) fn reservation_model(
    ctx: &Ctx,
    reservation_id: &str,
    instances: &[Instance],
) -> m::Reservation {
    let models = instances.iter().map(|i| instance_model(ctx, i)).collect();
    reservation(ctx, reservation_id, models)
}

fn reservation(ctx: &Ctx, reservation_id: &str, instances: Vec<m::Instance>) -> m::Reservation {
    m::Reservation {
        reservation_id: Some(reservation_id.to_string()),
        owner_id: Some(ctx.account.clone()),
        groups: Some(vec![]),
        instances: Some(instances),
        ..Default::default()
    }
}

const FILTERS: &[&str] = &[
    "affinity",
    "architecture",
    "availability-zone",
    "availability-zone-id",
    "block-device-mapping.attach-time",
    "block-device-mapping.delete-on-termination",
    "block-device-mapping.device-name",
    "block-device-mapping.status",
    "block-device-mapping.volume-id",
    "boot-mode",
    "capacity-reservation-id",
    "client-token",
    "current-instance-boot-mode",
    "dns-name",
    "ebs-optimized",
    "ena-support",
    "enclave-options.enabled",
    "hibernation-options.configured",
    "host-id",
    "hypervisor",
    "iam-instance-profile.arn",
    "iam-instance-profile.id",
    "image-id",
    "instance-id",
    "instance-lifecycle",
    "instance-state-code",
    "instance-state-name",
    "instance-type",
    "instance.group-id",
    "instance.group-name",
    // Names from before `instance.` prefixed them, still accepted [T].
    "group-id",
    "group-name",
    "ip-address",
    "ipv6-address",
    "kernel-id",
    "key-name",
    "launch-index",
    "launch-time",
    "maintenance-options.auto-recovery",
    "metadata-options.http-endpoint",
    "metadata-options.http-protocol-ipv4",
    "metadata-options.http-protocol-ipv6",
    "metadata-options.http-put-response-hop-limit",
    "metadata-options.http-tokens",
    "metadata-options.instance-metadata-tags",
    "monitoring-state",
    "network-interface.addresses.association.allocation-id",
    "network-interface.addresses.association.association-id",
    "network-interface.addresses.association.ip-owner-id",
    "network-interface.addresses.association.public-ip",
    "network-interface.addresses.primary",
    "network-interface.addresses.private-dns-name",
    "network-interface.addresses.private-ip-address",
    "network-interface.association.allocation-id",
    "network-interface.association.association-id",
    "network-interface.association.ip-owner-id",
    "network-interface.association.public-dns-name",
    "network-interface.association.public-ip",
    "network-interface.attachment.attach-time",
    "network-interface.attachment.attachment-id",
    "network-interface.attachment.delete-on-termination",
    "network-interface.attachment.device-index",
    "network-interface.attachment.instance-id",
    "network-interface.attachment.instance-owner-id",
    "network-interface.attachment.network-card-index",
    "network-interface.attachment.status",
    "network-interface.availability-zone",
    "network-interface.deny-all-igw-traffic",
    "network-interface.description",
    "network-interface.group-id",
    "network-interface.group-name",
    "network-interface.ipv6-address",
    "network-interface.ipv6-addresses.ipv6-address",
    "network-interface.ipv6-addresses.is-primary-ipv6",
    "network-interface.ipv6-native",
    "network-interface.mac-address",
    "network-interface.network-interface-id",
    "network-interface.outpost-arn",
    "network-interface.owner-id",
    "network-interface.private-dns-name",
    "network-interface.private-ip-address",
    "network-interface.public-dns-name",
    "network-interface.requester-id",
    "network-interface.requester-managed",
    "network-interface.status",
    "network-interface.source-dest-check",
    "network-interface.subnet-id",
    "network-interface.vpc-id",
    "outpost-arn",
    "owner-alias",
    "owner-id",
    "placement-group-name",
    "placement-partition-number",
    "platform",
    "platform-details",
    "private-dns-name",
    "private-dns-name-options.enable-resource-name-dns-a-record",
    "private-dns-name-options.enable-resource-name-dns-aaaa-record",
    "private-dns-name-options.hostname-type",
    "private-ip-address",
    "product-code",
    "product-code.type",
    "ramdisk-id",
    "reason",
    "requester-id",
    "reservation-id",
    "root-device-name",
    "root-device-type",
    "source-dest-check",
    "spot-instance-request-id",
    "state-reason-code",
    "state-reason-message",
    "subnet-id",
    "tenancy",
    "tpm-support",
    "usage-operation",
    "usage-operation-update-time",
    "virtualization-type",
    "vpc-id",
];

fn filter_values(ctx: &Ctx, i: &Instance, x: &m::Instance, name: &str) -> Vec<String> {
    let s = |v: &Option<String>| {
        v.iter()
            .filter(|v| !v.is_empty())
            .cloned()
            .collect::<Vec<_>>()
    };
    let nics = x.network_interfaces.as_deref().unwrap_or_default();
    let each = |f: &dyn Fn(&m::InstanceNetworkInterface) -> Vec<String>| {
        nics.iter().flat_map(f).collect::<Vec<String>>()
    };
    let addrs = |f: &dyn Fn(&m::InstancePrivateIpAddress) -> Option<String>| {
        nics.iter()
            .flat_map(|n| n.private_ip_addresses.iter().flatten())
            .filter_map(f)
            .collect::<Vec<String>>()
    };
    let att = |f: &dyn Fn(&m::InstanceNetworkInterfaceAttachment) -> Option<String>| {
        nics.iter()
            .filter_map(|n| n.attachment.as_ref())
            .filter_map(f)
            .collect::<Vec<String>>()
    };
    let bdm = |f: &dyn Fn(&m::InstanceBlockDeviceMapping) -> Option<String>| {
        x.block_device_mappings
            .iter()
            .flatten()
            .filter_map(f)
            .collect::<Vec<String>>()
    };
    let enis = enis_of(ctx, &i.id);
    let meta = x.metadata_options.clone().unwrap_or_default();
    match name {
        "affinity"
        | "host-id"
        | "kernel-id"
        | "ramdisk-id"
        | "outpost-arn"
        | "platform"
        | "spot-instance-request-id"
        | "instance-lifecycle"
        | "capacity-reservation-id"
        | "placement-partition-number"
        | "product-code"
        | "product-code.type"
        | "tpm-support"
        | "requester-id"
        | "owner-alias"
        | "network-interface.outpost-arn"
        | "network-interface.ipv6-address"
        | "network-interface.ipv6-addresses.ipv6-address"
        | "network-interface.ipv6-addresses.is-primary-ipv6"
        | "ipv6-address" => vec![],
        "architecture" => one(&i.architecture),
        "availability-zone" => one(&i.availability_zone),
        "availability-zone-id" => s(&x
            .placement
            .as_ref()
            .and_then(|p| p.availability_zone_id.clone())),
        "block-device-mapping.attach-time" => {
            bdm(&|b| b.ebs.as_ref()?.attach_time.map(|t| t.to_iso8601()))
        }
        "block-device-mapping.delete-on-termination" => {
            bdm(&|b| b.ebs.as_ref()?.delete_on_termination.map(|d| d.to_string()))
        }
        "block-device-mapping.device-name" => bdm(&|b| b.device_name.clone()),
        "block-device-mapping.status" => bdm(&|b| b.ebs.as_ref()?.status.clone()),
        "block-device-mapping.volume-id" => bdm(&|b| b.ebs.as_ref()?.volume_id.clone()),
        "boot-mode" => s(&x.boot_mode),
        "client-token" => s(&x.client_token),
        "current-instance-boot-mode" => s(&x.current_instance_boot_mode),
        "dns-name" => s(&x.public_dns_name),
        "ebs-optimized" => bool_value(i.ebs_optimized),
        "ena-support" => bool_value(true),
        "enclave-options.enabled" | "hibernation-options.configured" => bool_value(false),
        "network-interface.deny-all-igw-traffic" | "network-interface.ipv6-native" => {
            bool_value(false)
        }
        "hypervisor" => one("xen"),
        "iam-instance-profile.arn" => {
            s(&x.iam_instance_profile.as_ref().and_then(|p| p.arn.clone()))
        }
        "iam-instance-profile.id" => s(&x.iam_instance_profile.as_ref().and_then(|p| p.id.clone())),
        "image-id" => one(&i.image_id),
        "instance-id" => one(&i.id),
        "instance-state-code" => one(super::state_code(&i.state).to_string()),
        "instance-state-name" => one(&i.state),
        "instance-type" => one(&i.instance_type),
        "instance.group-id" | "group-id" => x
            .security_groups
            .iter()
            .flatten()
            .filter_map(|g| g.group_id.clone())
            .collect(),
        "instance.group-name" | "group-name" => x
            .security_groups
            .iter()
            .flatten()
            .filter_map(|g| g.group_name.clone())
            .collect(),
        "ip-address" => s(&x.public_ip_address),
        "key-name" => s(&x.key_name),
        "launch-index" => one(i.launch_index.to_string()),
        "launch-time" => one(i.launch_time.to_iso8601()),
        "maintenance-options.auto-recovery" => one("default"),
        "metadata-options.http-endpoint" => s(&meta.http_endpoint),
        "metadata-options.http-protocol-ipv4" => one("enabled"),
        "metadata-options.http-protocol-ipv6" => s(&meta.http_protocol_ipv6),
        "metadata-options.http-put-response-hop-limit" => one(i.http_hop_limit.to_string()),
        "metadata-options.http-tokens" => one(&i.http_tokens),
        "metadata-options.instance-metadata-tags" => s(&meta.instance_metadata_tags),
        "monitoring-state" => s(&x.monitoring.as_ref().and_then(|m| m.state.clone())),
        "network-interface.addresses.association.allocation-id"
        | "network-interface.association.allocation-id" => enis
            .iter()
            .filter_map(|e| super::super::addresses::of_eni(ctx, &e.id))
            .map(|a| a.allocation_id.clone())
            .collect(),
        "network-interface.addresses.association.association-id"
        | "network-interface.association.association-id" => enis
            .iter()
            .filter_map(|e| super::super::addresses::of_eni(ctx, &e.id))
            .filter_map(|a| a.association.as_ref().map(|x| x.id.clone()))
            .collect(),
        "network-interface.addresses.association.ip-owner-id"
        | "network-interface.association.ip-owner-id" => {
            each(&|n| s(&n.association.as_ref().and_then(|a| a.ip_owner_id.clone())))
        }
        "network-interface.addresses.association.public-ip"
        | "network-interface.association.public-ip" => {
            each(&|n| s(&n.association.as_ref().and_then(|a| a.public_ip.clone())))
        }
        "network-interface.association.public-dns-name" | "network-interface.public-dns-name" => {
            each(&|n| {
                s(&n.association
                    .as_ref()
                    .and_then(|a| a.public_dns_name.clone()))
            })
        }
        "network-interface.addresses.primary" => addrs(&|p| p.primary.map(|b| b.to_string())),
        "network-interface.addresses.private-dns-name" => addrs(&|p| p.private_dns_name.clone()),
        "network-interface.addresses.private-ip-address" => {
            addrs(&|p| p.private_ip_address.clone())
        }
        "network-interface.attachment.attach-time" => {
            att(&|a| a.attach_time.map(|t| t.to_iso8601()))
        }
        "network-interface.attachment.attachment-id" => att(&|a| a.attachment_id.clone()),
        "network-interface.attachment.delete-on-termination" => {
            att(&|a| a.delete_on_termination.map(|d| d.to_string()))
        }
        "network-interface.attachment.device-index" => {
            att(&|a| a.device_index.map(|d| d.to_string()))
        }
        "network-interface.attachment.instance-id" => att(&|_| Some(i.id.clone())),
        "network-interface.attachment.instance-owner-id" => att(&|_| Some(ctx.account.clone())),
        "network-interface.attachment.network-card-index" => {
            att(&|a| a.network_card_index.map(|d| d.to_string()))
        }
        "network-interface.attachment.status" => att(&|a| a.status.clone()),
        "network-interface.availability-zone" => enis
            .iter()
            .map(|e| e.availability_zone.to_string())
            .collect(),
        "network-interface.description" => each(&|n| s(&n.description)),
        "network-interface.group-id" => each(&|n| {
            n.groups
                .iter()
                .flatten()
                .filter_map(|g| g.group_id.clone())
                .collect()
        }),
        "network-interface.group-name" => each(&|n| {
            n.groups
                .iter()
                .flatten()
                .filter_map(|g| g.group_name.clone())
                .collect()
        }),
        "network-interface.mac-address" => each(&|n| s(&n.mac_address)),
        "network-interface.network-interface-id" => each(&|n| s(&n.network_interface_id)),
        "network-interface.owner-id" => each(&|n| s(&n.owner_id)),
        "network-interface.private-dns-name" => each(&|n| s(&n.private_dns_name)),
        "network-interface.private-ip-address" => each(&|n| s(&n.private_ip_address)),
        "network-interface.requester-managed" => each(&|_| bool_value(false)),
        "network-interface.status" => each(&|n| s(&n.status)),
        "network-interface.source-dest-check" => each(&|n| {
            n.source_dest_check
                .map(|b| b.to_string())
                .into_iter()
                .collect()
        }),
        "network-interface.subnet-id" => each(&|n| s(&n.subnet_id)),
        "network-interface.vpc-id" => each(&|n| s(&n.vpc_id)),
        "owner-id" => one(&ctx.account),
        "placement-group-name" => vec![],
        "platform-details" => one("Linux/UNIX"),
        "private-dns-name" => s(&x.private_dns_name),
        "private-dns-name-options.enable-resource-name-dns-a-record"
        | "private-dns-name-options.enable-resource-name-dns-aaaa-record" => bool_value(false),
        "private-dns-name-options.hostname-type" => one("ip-name"),
        "private-ip-address" => s(&x.private_ip_address),
        "reason" => s(&x.state_transition_reason),
        "reservation-id" => one(&i.reservation_id),
        "root-device-name" => one(&i.root_device_name),
        "root-device-type" => one("ebs"),
        "source-dest-check" => x
            .source_dest_check
            .map(|b| b.to_string())
            .into_iter()
            .collect(),
        "state-reason-code" => s(&x.state_reason.as_ref().and_then(|r| r.code.clone())),
        "state-reason-message" => s(&x.state_reason.as_ref().and_then(|r| r.message.clone())),
        "subnet-id" => s(&x.subnet_id),
        "tenancy" => one("default"),
        "usage-operation" => one("RunInstances"),
        "usage-operation-update-time" => one(i.launch_time.to_iso8601()),
        "virtualization-type" => one("hvm"),
        "vpc-id" => s(&x.vpc_id),
        _ => vec![],
    }
}

pub(crate) fn describe_instances(
    ctx: &mut Ctx,
    input: m::DescribeInstancesRequest,
) -> R<m::DescribeInstancesResult> {
    check_max_results(input.max_results, 5, 1000)?;
    let filters = Filters::parse(input.filters, FILTERS)?;
    let ids = input.instance_ids.unwrap_or_default();
    if !ids.is_empty() && input.max_results.is_some() {
        return Err(errors::combination(
            "The parameter instancesSet cannot be used with the parameter maxResults",
        ));
    }
    check_ids(ctx, &ids)?;
    ctx.dry_run(input.dry_run)?;
    // Paged by instance (in launch order within a reservation), then
    // grouped back into reservations.
    // Each instance's wire form is made once: filters read it, the answer
    // is it. Paged by instance (in launch order within a reservation), then
    // grouped back into reservations.
    let items: Vec<(String, (String, m::Instance))> = ctx
        .acct()
        .ec2
        .instances
        .values()
        .filter(|i| ids.is_empty() || ids.contains(&i.id))
        .filter_map(|i| {
            let x = instance_model(ctx, i);
            filters
                .matches(&i.tags, |n| filter_values(ctx, i, &x, n))
                .then(|| {
                    (
                        format!("{}/{:05}", i.reservation_id, i.launch_index),
                        (i.reservation_id.clone(), x),
                    )
                })
        })
        .collect();
    let (page, next) = paginate(items, input.max_results, input.next_token.as_deref())?;
    let mut reservations: Vec<m::Reservation> = vec![];
    for (r, x) in page {
        match reservations.last_mut() {
            Some(last) if last.reservation_id.as_deref() == Some(r.as_str()) => {
                last.instances.get_or_insert_with(Vec::new).push(x)
            }
            _ => reservations.push(reservation(ctx, &r, vec![x])),
        }
    }
    Ok(m::DescribeInstancesResult {
        reservations: Some(reservations),
        next_token: next,
    })
}

const STATUS_FILTERS: &[&str] = &[
    "availability-zone",
    "event.code",
    "event.description",
    "event.instance-event-id",
    "event.not-after",
    "event.not-before",
    "event.not-before-deadline",
    "instance-state-code",
    "instance-state-name",
    "instance-status.reachability",
    "instance-status.status",
    "operator.managed",
    "operator.principal",
    "system-status.reachability",
    "system-status.status",
    "attached-ebs-status.reachability",
    "attached-ebs-status.status",
];

/// A status summary: `ok` with reachability `passed` once the checks pass,
/// `initializing` before, `not-applicable` when the instance is not running.
fn summary(i: &Instance) -> m::InstanceStatusSummary {
    let (status, detail) = match (i.state.as_str(), i.checks_passed) {
        ("running", true) => ("ok", Some("passed")),
        ("running", false) => ("initializing", Some("initializing")),
        _ => ("not-applicable", None),
    };
    m::InstanceStatusSummary {
        details: detail.map(|d| {
            vec![m::InstanceStatusDetails {
                name: Some("reachability".into()),
                status: Some(d.into()),
                ..Default::default()
            }]
        }),
        status: Some(status.into()),
    }
}

pub(crate) fn describe_instance_status(
    ctx: &mut Ctx,
    input: m::DescribeInstanceStatusRequest,
) -> R<m::DescribeInstanceStatusResult> {
    check_max_results(input.max_results, 5, 1000)?;
    // Statuses have no tags: tag filters are refused [R].
    let filters = Filters::parse_untagged(input.filters, STATUS_FILTERS)?;
    let ids = input.instance_ids.unwrap_or_default();
    if !ids.is_empty() && input.max_results.is_some() {
        return Err(errors::combination(
            "The parameter instancesSet cannot be used with the parameter maxResults",
        ));
    }
    check_ids(ctx, &ids)?;
    ctx.dry_run(input.dry_run)?;
    let all = input.include_all_instances.unwrap_or(false);
    let zones = regions::zones(ctx.region_name());
    let items = ctx
        .acct()
        .ec2
        .instances
        .values()
        .filter(|i| ids.is_empty() || ids.contains(&i.id))
        .filter(|i| all || i.state == "running")
        .map(|i| {
            let x = summary(i);
            let status = m::InstanceStatus {
                availability_zone: Some(i.availability_zone.clone()),
                availability_zone_id: zones
                    .iter()
                    .find(|z| z.name == i.availability_zone)
                    .map(|z| z.id.clone()),
                events: None,
                instance_id: Some(i.id.clone()),
                instance_state: Some(state_model(&i.state)),
                instance_status: Some(x.clone()),
                system_status: Some(x.clone()),
                attached_ebs_status: Some(m::EbsStatusSummary {
                    details: x.details.clone().map(|d| {
                        d.into_iter()
                            .map(|d| m::EbsStatusDetails {
                                name: d.name,
                                status: d.status,
                                ..Default::default()
                            })
                            .collect()
                    }),
                    status: x.status.clone(),
                }),
                ..Default::default()
            };
            (i.id.clone(), status)
        })
        .filter(|(_, st)| {
            filters.matches(&Default::default(), |n| {
                let sum = |s: &Option<m::InstanceStatusSummary>, what: &str| -> Vec<String> {
                    let s = s.clone().unwrap_or_default();
                    match what {
                        "status" => s.status.into_iter().collect(),
                        _ => s
                            .details
                            .into_iter()
                            .flatten()
                            .filter_map(|d| d.status)
                            .collect(),
                    }
                };
                match n {
                    "availability-zone" => st.availability_zone.iter().cloned().collect(),
                    "instance-state-code" => st
                        .instance_state
                        .as_ref()
                        .and_then(|s| s.code)
                        .map(|c| c.to_string())
                        .into_iter()
                        .collect(),
                    "instance-state-name" => st
                        .instance_state
                        .as_ref()
                        .and_then(|s| s.name.clone())
                        .into_iter()
                        .collect(),
                    "instance-status.status" => sum(&st.instance_status, "status"),
                    "instance-status.reachability" => sum(&st.instance_status, "reachability"),
                    "system-status.status" | "attached-ebs-status.status" => {
                        sum(&st.system_status, "status")
                    }
                    "system-status.reachability" | "attached-ebs-status.reachability" => {
                        sum(&st.system_status, "reachability")
                    }
                    "operator.managed" => bool_value(false),
                    _ => vec![],
                }
            })
        })
        .collect();
    let (page, next) = paginate(items, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribeInstanceStatusResult {
        instance_statuses: Some(page),
        next_token: next,
    })
}
