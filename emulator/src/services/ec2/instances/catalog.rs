//! DescribeImages and DescribeInstanceTypes over the AMIs and instance
//! types of `machines`.

use super::super::errors::{self, R};
use super::super::query::{bool_value, check_max_results, paginate, Filters};
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;
use crate::world::ids::is_valid_id;

pub(crate) use super::super::machines::{
    images, instance_type, instance_types, well_formed_type, Image, InstanceType,
};

fn image_not_found(ids: &[&str]) -> AwsError {
    AwsError::new(
        "InvalidAMIID.NotFound",
        format!("The image id '[{}]' does not exist", ids.join(", ")),
    )
}

/// The public AMI `id` names in the caller's Region.
pub(crate) fn image(ctx: &Ctx, id: &str) -> R<&'static Image> {
    if !is_valid_id(id, "ami") {
        return Err(AwsError::new(
            "InvalidAMIID.Malformed",
            format!("Invalid id: \"{id}\" (expecting \"ami-...\")"),
        ));
    }
    let region = ctx.region_name();
    images()
        .iter()
        .find(|i| i.id(region) == id)
        .ok_or_else(|| image_not_found(&[id]))
}

fn image_model(region: &str, i: &Image) -> m::Image {
    m::Image {
        architecture: Some(i.architecture.into()),
        block_device_mappings: Some(vec![m::BlockDeviceMapping {
            device_name: Some(i.root_device().into()),
            ebs: Some(m::EbsBlockDevice {
                delete_on_termination: Some(true),
                snapshot_id: Some(i.snapshot_id(region)),
                volume_size: Some(i.volume_size()),
                volume_type: Some(i.volume_type().into()),
                encrypted: Some(false),
                ..Default::default()
            }),
            ..Default::default()
        }]),
        boot_mode: (i.architecture == "arm64").then(|| "uefi".into()),
        creation_date: Some(i.created.into()),
        deprecation_time: None,
        description: Some(i.description.into()),
        ena_support: Some(true),
        hypervisor: Some("xen".into()),
        image_id: Some(i.id(region)),
        image_location: Some(format!("amazon/{}", i.name)),
        image_owner_alias: Some("amazon".into()),
        image_type: Some("machine".into()),
        imds_support: i.name.starts_with("al2023").then(|| "v2.0".into()),
        name: Some(i.name.into()),
        owner_id: Some(i.owner.into()),
        platform_details: Some("Linux/UNIX".into()),
        public: Some(true),
        public_ssm_parameter_name: Some(i.ssm_parameter.into()),
        root_device_name: Some(i.root_device().into()),
        root_device_type: Some("ebs".into()),
        sriov_net_support: Some("simple".into()),
        state: Some("available".into()),
        usage_operation: Some("RunInstances".into()),
        virtualization_type: Some("hvm".into()),
        product_codes: Some(vec![]),
        tags: Some(vec![]),
        ..Default::default()
    }
}

const IMAGE_FILTERS: &[&str] = &[
    "architecture",
    "block-device-mapping.delete-on-termination",
    "block-device-mapping.device-name",
    "block-device-mapping.snapshot-id",
    "block-device-mapping.volume-size",
    "block-device-mapping.volume-type",
    "block-device-mapping.encrypted",
    "creation-date",
    "description",
    "ena-support",
    "hypervisor",
    "image-allowed",
    "image-id",
    "image-type",
    "is-public",
    "kernel-id",
    "manifest-location",
    "name",
    "owner-alias",
    "owner-id",
    "platform",
    "platform-details",
    "product-code",
    "product-code.type",
    "ramdisk-id",
    "root-device-name",
    "root-device-type",
    "source-image-id",
    "source-image-region",
    "source-instance-id",
    "state",
    "state-reason-code",
    "state-reason-message",
    "sriov-net-support",
    "usage-operation",
    "virtualization-type",
];

fn image_filter_values(x: &m::Image, name: &str) -> Vec<String> {
    let s = |v: &Option<String>| v.iter().cloned().collect::<Vec<_>>();
    let ebs = || {
        x.block_device_mappings
            .iter()
            .flatten()
            .filter_map(|b| b.ebs.as_ref())
    };
    match name {
        "architecture" => s(&x.architecture),
        "block-device-mapping.delete-on-termination" => ebs()
            .map(|e| e.delete_on_termination.unwrap_or(false).to_string())
            .collect(),
        "block-device-mapping.device-name" => x
            .block_device_mappings
            .iter()
            .flatten()
            .filter_map(|b| b.device_name.clone())
            .collect(),
        "block-device-mapping.snapshot-id" => ebs().filter_map(|e| e.snapshot_id.clone()).collect(),
        "block-device-mapping.volume-size" => ebs()
            .filter_map(|e| e.volume_size.map(|v| v.to_string()))
            .collect(),
        "block-device-mapping.volume-type" => ebs().filter_map(|e| e.volume_type.clone()).collect(),
        "block-device-mapping.encrypted" => ebs()
            .map(|e| e.encrypted.unwrap_or(false).to_string())
            .collect(),
        "creation-date" => s(&x.creation_date),
        "description" => s(&x.description),
        "ena-support" => bool_value(x.ena_support.unwrap_or(false)),
        "hypervisor" => s(&x.hypervisor),
        "image-allowed" => bool_value(true),
        "image-id" => s(&x.image_id),
        "image-type" => s(&x.image_type),
        "is-public" => bool_value(x.public.unwrap_or(false)),
        "manifest-location" => s(&x.image_location),
        "name" => s(&x.name),
        "owner-alias" => s(&x.image_owner_alias),
        "owner-id" => s(&x.owner_id),
        "platform-details" => s(&x.platform_details),
        "root-device-name" => s(&x.root_device_name),
        "root-device-type" => s(&x.root_device_type),
        "state" => s(&x.state),
        "sriov-net-support" => s(&x.sriov_net_support),
        "usage-operation" => s(&x.usage_operation),
        "virtualization-type" => s(&x.virtualization_type),
        // Linux images have no platform, kernel, ramdisk or product code.
        _ => vec![],
    }
}

pub(crate) fn describe_images(
    ctx: &mut Ctx,
    input: m::DescribeImagesRequest,
) -> R<m::DescribeImagesResult> {
    check_max_results(input.max_results, 5, 1000)?;
    let filters = Filters::parse(input.filters, IMAGE_FILTERS)?;
    let ids = input.image_ids.unwrap_or_default();
    if !ids.is_empty() && input.max_results.is_some() {
        return Err(errors::combination(
            "The parameter ImageIds cannot be used with the parameter maxResults",
        ));
    }
    let region = ctx.region_name().to_string();
    let mut missing = vec![];
    for id in &ids {
        if !is_valid_id(id, "ami") {
            return Err(AwsError::new(
                "InvalidAMIID.Malformed",
                format!("Invalid id: \"{id}\" (expecting \"ami-...\")"),
            ));
        }
        if !images().iter().any(|i| &i.id(&region) == id) {
            missing.push(id.as_str());
        }
    }
    if !missing.is_empty() {
        return Err(image_not_found(&missing));
    }
    // `self` and the caller's own account own nothing here (registering
    // images is not served); `amazon` owns them all.
    let owners = input.owners.unwrap_or_default();
    let owned =
        |i: &Image| owners.is_empty() || owners.iter().any(|o| o == "amazon" || o == i.owner);
    ctx.dry_run(input.dry_run)?;
    let items = images()
        .iter()
        .filter(|i| ids.is_empty() || ids.contains(&i.id(&region)))
        .filter(|i| owned(i))
        .map(|i| image_model(&region, i))
        .filter(|x| filters.matches(&Default::default(), |n| image_filter_values(x, n)))
        .map(|x| (x.image_id.clone().unwrap_or_default(), x))
        .collect();
    let (page, next) = paginate(items, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribeImagesResult {
        images: Some(page),
        next_token: next,
    })
}

fn type_model(t: &InstanceType) -> m::InstanceTypeInfo {
    let cores: Vec<i32> = (1..=t.cores).collect();
    let threads: Vec<i32> = (1..=t.threads).collect();
    m::InstanceTypeInfo {
        instance_type: Some(t.name.into()),
        current_generation: Some(true),
        free_tier_eligible: Some(t.free_tier()),
        supported_usage_classes: Some(vec!["on-demand".into(), "spot".into()]),
        supported_root_device_types: Some(vec!["ebs".into()]),
        supported_virtualization_types: Some(vec!["hvm".into()]),
        bare_metal: Some(t.bare_metal()),
        hypervisor: t.hypervisor().map(Into::into),
        processor_info: Some(m::ProcessorInfo {
            supported_architectures: Some(vec![t.architecture.into()]),
            ..Default::default()
        }),
        v_cpu_info: Some(m::VCpuInfo {
            default_v_cpus: Some(t.vcpus),
            default_cores: Some(t.cores),
            default_threads_per_core: Some(t.threads),
            valid_cores: (!t.burstable()).then_some(cores),
            valid_threads_per_core: (!t.burstable()).then_some(threads),
        }),
        memory_info: Some(m::MemoryInfo {
            size_in_mi_b: Some(t.memory_mib),
        }),
        instance_storage_supported: Some(false),
        ebs_info: Some(m::EbsInfo {
            ebs_optimized_support: Some(
                if t.name.starts_with("t2.") {
                    "unsupported"
                } else {
                    "default"
                }
                .into(),
            ),
            encryption_support: Some("supported".into()),
            nvme_support: Some(
                if t.name.starts_with("t2.") {
                    "unsupported"
                } else {
                    "required"
                }
                .into(),
            ),
            ..Default::default()
        }),
        network_info: Some(m::NetworkInfo {
            network_performance: Some(t.network.into()),
            maximum_network_interfaces: Some(t.max_enis),
            maximum_network_cards: Some(1),
            default_network_card_index: Some(0),
            network_cards: Some(vec![m::NetworkCardInfo {
                network_card_index: Some(0),
                network_performance: Some(t.network.into()),
                maximum_network_interfaces: Some(t.max_enis),
                ..Default::default()
            }]),
            ipv4_addresses_per_interface: Some(t.ipv4_per_eni),
            ipv6_addresses_per_interface: Some(t.ipv4_per_eni),
            ipv6_supported: Some(true),
            ena_support: Some(
                if t.name.starts_with("t2.") {
                    "unsupported"
                } else {
                    "required"
                }
                .into(),
            ),
            efa_supported: Some(false),
            encryption_in_transit_supported: Some(false),
            ena_srd_supported: Some(false),
            ..Default::default()
        }),
        placement_group_info: Some(m::PlacementGroupInfo {
            supported_strategies: Some(vec!["cluster".into(), "partition".into(), "spread".into()]),
        }),
        hibernation_supported: Some(!t.bare_metal()),
        burstable_performance_supported: Some(t.burstable()),
        dedicated_hosts_supported: Some(!t.burstable()),
        auto_recovery_supported: Some(true),
        supported_boot_modes: Some(if t.architecture == "arm64" {
            vec!["uefi".into()]
        } else {
            vec!["legacy-bios".into(), "uefi".into()]
        }),
        nitro_enclaves_support: Some("unsupported".into()),
        nitro_tpm_support: Some(
            if t.hypervisor() == Some("nitro") {
                "supported"
            } else {
                "unsupported"
            }
            .into(),
        ),
        phc_support: Some("unsupported".into()),
        ..Default::default()
    }
}

const TYPE_FILTERS: &[&str] = &[
    "auto-recovery-supported",
    "bare-metal",
    "burstable-performance-supported",
    "current-generation",
    "dedicated-hosts-supported",
    "ebs-info.ebs-optimized-support",
    "ebs-info.encryption-support",
    "ebs-info.nvme-support",
    "free-tier-eligible",
    "hibernation-supported",
    "hypervisor",
    "instance-storage-supported",
    "instance-type",
    "memory-info.size-in-mib",
    "network-info.default-network-card-index",
    "network-info.efa-supported",
    "network-info.ena-support",
    "network-info.encryption-in-transit-supported",
    "network-info.ipv4-addresses-per-interface",
    "network-info.ipv6-addresses-per-interface",
    "network-info.ipv6-supported",
    "network-info.maximum-network-cards",
    "network-info.maximum-network-interfaces",
    "network-info.network-performance",
    "nitro-enclaves-support",
    "nitro-tpm-support",
    "processor-info.supported-architecture",
    "supported-boot-mode",
    "supported-root-device-type",
    "supported-usage-class",
    "supported-virtualization-type",
    "vcpu-info.default-cores",
    "vcpu-info.default-threads-per-core",
    "vcpu-info.default-vcpus",
    "vcpu-info.valid-cores",
    "vcpu-info.valid-threads-per-core",
];

fn type_filter_values(x: &m::InstanceTypeInfo, name: &str) -> Vec<String> {
    let b = |v: Option<bool>| bool_value(v.unwrap_or(false));
    let s = |v: &Option<String>| v.iter().cloned().collect::<Vec<_>>();
    let n = |v: Option<i32>| v.map(|v| v.to_string()).into_iter().collect::<Vec<_>>();
    let strs = |v: &Option<Vec<String>>| v.iter().flatten().cloned().collect::<Vec<_>>();
    let net = x.network_info.clone().unwrap_or_default();
    let cpu = x.v_cpu_info.clone().unwrap_or_default();
    let ebs = x.ebs_info.clone().unwrap_or_default();
    match name {
        "auto-recovery-supported" => b(x.auto_recovery_supported),
        "bare-metal" => b(x.bare_metal),
        "burstable-performance-supported" => b(x.burstable_performance_supported),
        "current-generation" => b(x.current_generation),
        "dedicated-hosts-supported" => b(x.dedicated_hosts_supported),
        "ebs-info.ebs-optimized-support" => s(&ebs.ebs_optimized_support),
        "ebs-info.encryption-support" => s(&ebs.encryption_support),
        "ebs-info.nvme-support" => s(&ebs.nvme_support),
        "free-tier-eligible" => b(x.free_tier_eligible),
        "hibernation-supported" => b(x.hibernation_supported),
        "hypervisor" => s(&x.hypervisor),
        "instance-storage-supported" => b(x.instance_storage_supported),
        "instance-type" => s(&x.instance_type),
        "memory-info.size-in-mib" => x
            .memory_info
            .as_ref()
            .and_then(|m| m.size_in_mi_b)
            .map(|v| v.to_string())
            .into_iter()
            .collect(),
        "network-info.default-network-card-index" => n(net.default_network_card_index),
        "network-info.efa-supported" => b(net.efa_supported),
        "network-info.ena-support" => s(&net.ena_support),
        "network-info.encryption-in-transit-supported" => b(net.encryption_in_transit_supported),
        "network-info.ipv4-addresses-per-interface" => n(net.ipv4_addresses_per_interface),
        "network-info.ipv6-addresses-per-interface" => n(net.ipv6_addresses_per_interface),
        "network-info.ipv6-supported" => b(net.ipv6_supported),
        "network-info.maximum-network-cards" => n(net.maximum_network_cards),
        "network-info.maximum-network-interfaces" => n(net.maximum_network_interfaces),
        "network-info.network-performance" => s(&net.network_performance),
        "nitro-enclaves-support" => s(&x.nitro_enclaves_support),
        "nitro-tpm-support" => s(&x.nitro_tpm_support),
        "processor-info.supported-architecture" => x
            .processor_info
            .as_ref()
            .map(|p| strs(&p.supported_architectures))
            .unwrap_or_default(),
        "supported-boot-mode" => strs(&x.supported_boot_modes),
        "supported-root-device-type" => strs(&x.supported_root_device_types),
        "supported-usage-class" => strs(&x.supported_usage_classes),
        "supported-virtualization-type" => strs(&x.supported_virtualization_types),
        "vcpu-info.default-cores" => n(cpu.default_cores),
        "vcpu-info.default-threads-per-core" => n(cpu.default_threads_per_core),
        "vcpu-info.default-vcpus" => n(cpu.default_v_cpus),
        "vcpu-info.valid-cores" => cpu
            .valid_cores
            .iter()
            .flatten()
            .map(|v| v.to_string())
            .collect(),
        "vcpu-info.valid-threads-per-core" => cpu
            .valid_threads_per_core
            .iter()
            .flatten()
            .map(|v| v.to_string())
            .collect(),
        _ => vec![],
    }
}

pub(crate) fn describe_instance_types(
    ctx: &mut Ctx,
    input: m::DescribeInstanceTypesRequest,
) -> R<m::DescribeInstanceTypesResult> {
    check_max_results(input.max_results, 5, 100)?;
    let filters = Filters::parse(input.filters, TYPE_FILTERS)?;
    let wanted = input.instance_types.unwrap_or_default();
    let unknown: Vec<&str> = wanted
        .iter()
        .filter(|t| instance_type(t).is_none())
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(AwsError::new(
            "InvalidInstanceType",
            format!(
                "The following supplied instance types do not exist: [{}]",
                unknown.join(", ")
            ),
        ));
    }
    ctx.dry_run(input.dry_run)?;
    let items = instance_types()
        .iter()
        .filter(|t| wanted.is_empty() || wanted.iter().any(|w| w == t.name))
        .map(type_model)
        .filter(|x| filters.matches(&Default::default(), |n| type_filter_values(x, n)))
        .map(|x| (x.instance_type.clone().unwrap_or_default(), x))
        .collect();
    let (page, next) = paginate(items, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribeInstanceTypesResult {
        instance_types: Some(page),
        next_token: next,
    })
}
