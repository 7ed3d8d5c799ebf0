//! The EBS volumes instances launch with, and DescribeVolumes over them.
//! A volume marked `DeleteOnTermination` goes with its instance; another
//! stays, `available`.

use super::super::errors::R;
use super::super::query::{bool_value, check_max_results, one, paginate, Filters};
use super::super::state::{event, Volume, VolumeAttachment};
use super::super::tags::Tags;
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;
use crate::world::ids::is_valid_id;

/// A volume a launch asks for.
#[derive(Debug, Clone)]
pub(crate) struct NewVolume {
    pub device: String,
    pub size: i32,
    pub volume_type: String,
    pub iops: Option<i32>,
    pub throughput: Option<i32>,
    pub encrypted: bool,
    pub snapshot_id: String,
    pub delete_on_termination: bool,
}

/// gp3's baseline, and gp2's 3 IOPS per GiB (100 at least) [R].
fn default_iops(v: &NewVolume) -> Option<i32> {
    match v.volume_type.as_str() {
        "gp3" => Some(v.iops.unwrap_or(3000)),
        "gp2" => Some((v.size * 3).clamp(100, 16000)),
        "io1" | "io2" => v.iops,
        _ => None,
    }
}

pub(crate) fn create_attached(
    ctx: &mut Ctx,
    v: &NewVolume,
    instance_id: &str,
    zone: &str,
    tags: Tags,
) -> String {
    let id = ctx.new_id("vol");
    let now = ctx.now();
    let volume = Volume {
        id: id.clone(),
        size: v.size,
        volume_type: v.volume_type.clone(),
        iops: default_iops(v),
        throughput: (v.volume_type == "gp3").then(|| v.throughput.unwrap_or(125)),
        encrypted: v.encrypted,
        snapshot_id: v.snapshot_id.clone(),
        availability_zone: zone.to_string(),
        created: now,
        attachment: Some(VolumeAttachment {
            instance_id: instance_id.to_string(),
            device: v.device.clone(),
            delete_on_termination: v.delete_on_termination,
            attached: now,
        }),
        tags,
    };
    ctx.acct_mut().ec2.volumes.insert(id.clone(), volume);
    ctx.emit(event("volume", &id, "created", Some("in-use")));
    id
}

/// The instance's volumes, in device order.
pub(crate) fn of_instance<'a>(ctx: &'a Ctx, instance_id: &str) -> Vec<&'a Volume> {
    let mut out: Vec<&Volume> = ctx
        .acct()
        .ec2
        .volumes
        .values()
        .filter(|v| {
            v.attachment
                .as_ref()
                .is_some_and(|a| a.instance_id == instance_id)
        })
        .collect();
    out.sort_by(|a, b| {
        let d = |v: &Volume| v.attachment.as_ref().map(|a| a.device.clone());
        d(a).cmp(&d(b))
    });
    out
}

/// The instance's block device mappings, as Describe shows them.
pub(crate) fn mappings(ctx: &Ctx, instance_id: &str) -> Vec<m::InstanceBlockDeviceMapping> {
    of_instance(ctx, instance_id)
        .into_iter()
        .filter_map(|v| {
            let a = v.attachment.as_ref()?;
            Some(m::InstanceBlockDeviceMapping {
                device_name: Some(a.device.clone()),
                ebs: Some(m::EbsInstanceBlockDevice {
                    attach_time: Some(a.attached),
                    delete_on_termination: Some(a.delete_on_termination),
                    status: Some("attached".into()),
                    volume_id: Some(v.id.clone()),
                    ..Default::default()
                }),
            })
        })
        .collect()
}

/// The instance is gone: its volumes go or are detached.
pub(crate) fn release(ctx: &mut Ctx, instance_id: &str) {
    let ids: Vec<(String, bool)> = of_instance(ctx, instance_id)
        .iter()
        .map(|v| {
            (
                v.id.clone(),
                v.attachment
                    .as_ref()
                    .is_some_and(|a| a.delete_on_termination),
            )
        })
        .collect();
    for (id, delete) in ids {
        if delete {
            ctx.acct_mut().ec2.volumes.remove(&id);
            ctx.emit(event("volume", &id, "deleted", None));
        } else if let Some(v) = ctx.acct_mut().ec2.volumes.get_mut(&id) {
            v.attachment = None;
        }
    }
}

fn model(v: &Volume) -> m::Volume {
    m::Volume {
        attachments: Some(
            v.attachment
                .iter()
                .map(|a| m::VolumeAttachment {
                    attach_time: Some(a.attached),
                    device: Some(a.device.clone()),
                    instance_id: Some(a.instance_id.clone()),
                    state: Some("attached".into()),
                    volume_id: Some(v.id.clone()),
                    delete_on_termination: Some(a.delete_on_termination),
                    ..Default::default()
                })
                .collect(),
        ),
        availability_zone: Some(v.availability_zone.clone()),
        create_time: Some(v.created),
        encrypted: Some(v.encrypted),
        size: Some(v.size),
        snapshot_id: Some(v.snapshot_id.clone()),
        state: Some(
            if v.attachment.is_some() {
                "in-use"
            } else {
                "available"
            }
            .into(),
        ),
        volume_id: Some(v.id.clone()),
        iops: v.iops,
        tags: (!v.tags.is_empty()).then(|| v.tags.to_model()),
        volume_type: Some(v.volume_type.clone()),
        multi_attach_enabled: Some(false),
        throughput: v.throughput,
        ..Default::default()
    }
}

const FILTERS: &[&str] = &[
    "attachment.attach-time",
    "attachment.delete-on-termination",
    "attachment.device",
    "attachment.instance-id",
    "attachment.status",
    "availability-zone",
    "availability-zone-id",
    "create-time",
    "encrypted",
    "fast-restored",
    "multi-attach-enabled",
    "operator.managed",
    "operator.principal",
    "size",
    "snapshot-id",
    "status",
    "volume-id",
    "volume-type",
];

fn filter_values(v: &Volume, name: &str) -> Vec<String> {
    let a = v.attachment.as_ref();
    match name {
        "attachment.attach-time" => a.map(|a| a.attached.to_iso8601()).into_iter().collect(),
        "attachment.delete-on-termination" => a
            .map(|a| a.delete_on_termination.to_string())
            .into_iter()
            .collect(),
        "attachment.device" => a.map(|a| a.device.clone()).into_iter().collect(),
        "attachment.instance-id" => a.map(|a| a.instance_id.clone()).into_iter().collect(),
        "attachment.status" => a.map(|_| "attached".to_string()).into_iter().collect(),
        "availability-zone" => one(&v.availability_zone),
        "create-time" => one(v.created.to_iso8601()),
        "encrypted" => bool_value(v.encrypted),
        "fast-restored" | "multi-attach-enabled" | "operator.managed" => bool_value(false),
        "size" => one(v.size.to_string()),
        "snapshot-id" => one(&v.snapshot_id),
        "status" => one(if a.is_some() { "in-use" } else { "available" }),
        "volume-id" => one(&v.id),
        "volume-type" => one(&v.volume_type),
        _ => vec![],
    }
}

pub(crate) fn describe(
    ctx: &mut Ctx,
    input: m::DescribeVolumesRequest,
) -> R<m::DescribeVolumesResult> {
    check_max_results(input.max_results, 5, 500)?;
    let filters = Filters::parse(input.filters, FILTERS)?;
    let ids = input.volume_ids.unwrap_or_default();
    for id in &ids {
        if !is_valid_id(id, "vol") {
            return Err(AwsError::new(
                "InvalidVolumeID.Malformed",
                format!("Invalid id: \"{id}\" (expecting \"vol-...\")"),
            ));
        }
        if !ctx.acct().ec2.volumes.contains_key(id) {
            return Err(AwsError::new(
                "InvalidVolume.NotFound",
                format!("The volume '{id}' does not exist."),
            ));
        }
    }
    ctx.dry_run(input.dry_run)?;
    let zone_ids = crate::world::regions::zones(ctx.region_name());
    let items = ctx
        .acct()
        .ec2
        .volumes
        .values()
        .filter(|v| ids.is_empty() || ids.contains(&v.id))
        .filter(|v| {
            filters.matches(&v.tags, |n| match n {
                "availability-zone-id" => zone_ids
                    .iter()
                    .filter(|z| z.name == v.availability_zone)
                    .map(|z| z.id.clone())
                    .collect(),
                _ => filter_values(v, n),
            })
        })
        .map(|v| (v.id.clone(), model(v)))
        .collect();
    let (page, next) = paginate(items, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribeVolumesResult {
        volumes: Some(page),
        next_token: next,
    })
}
