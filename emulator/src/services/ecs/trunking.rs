//! ENI trunking (`awsvpcTrunking`): a container instance of a supported
//! instance type registered while the setting is on for the principal that
//! registers it (else the account default) gets a trunk network interface,
//! named by its `ecs.awsvpc-trunk-id` attribute, and takes the awsvpc task
//! limit "with ENI trunking" (`data/eni-trunking.tsv`) instead of the
//! instance type's network interfaces less the primary one [R ECS developer
//! guide, "Increasing Amazon ECS Linux container instance network
//! interfaces"]. Instances registered before the setting changed keep what
//! they had (the guide: "newly launched container instances").

use std::sync::OnceLock;

use super::account_settings;
use crate::model::ecs as m;
use crate::services::state::Ctx;

const TABLE: &str = include_str!("data/eni-trunking.tsv");

/// The attribute a trunked container instance carries.
pub(super) const TRUNK_ATTRIBUTE: &str = "ecs.awsvpc-trunk-id";

/// Instance type → its awsvpc task limit with ENI trunking.
fn limits() -> &'static [(&'static str, i32)] {
    static ALL: OnceLock<Vec<(&'static str, i32)>> = OnceLock::new();
    ALL.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let c: Vec<&str> = l.split('\t').collect();
                Some((*c.first()?, c.get(2)?.trim().parse().ok()?))
            })
            .collect()
    })
}

/// The awsvpc task limit of `instance_type` with ENI trunking, if the type
/// supports it.
pub(super) fn trunked_limit(instance_type: &str) -> Option<i32> {
    limits()
        .iter()
        .find(|(t, _)| *t == instance_type)
        .map(|(_, n)| *n)
}

/// The principal the agent registers as: the instance role. awsemu keeps no
/// IAM roles behind instance profiles, so the role is taken to have the
/// profile's name, as the console's `ecsInstanceRole` does [U]; the
/// setting falls back to the account default either way.
fn registering_principal(ctx: &Ctx, instance_profile: Option<&str>) -> String {
    let name = instance_profile
        .and_then(|p| p.rsplit('/').next())
        .unwrap_or("ecsInstanceRole");
    format!("arn:aws:iam::{}:role/{name}", ctx.account)
}

/// At registration: when trunking applies, the trunk attribute to add and
/// the number of awsvpc tasks the instance takes; `None` leaves the
/// instance type's limit.
pub(super) fn at_registration(
    ctx: &Ctx,
    instance_type: &str,
    instance_profile: Option<&str>,
) -> Option<(m::Attribute, i32)> {
    let limit = trunked_limit(instance_type)?;
    let principal = registering_principal(ctx, instance_profile);
    if account_settings::setting_for(ctx, &principal, "awsvpcTrunking") != "enabled" {
        return None;
    }
    // The trunk interface's id [U: no EC2 network interface is made for it].
    let eni = format!("eni-0{}", ctx.world.ids.hex(16));
    let attribute = m::Attribute {
        name: Some(TRUNK_ATTRIBUTE.into()),
        value: Some(eni),
        ..Default::default()
    };
    Some((attribute, limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert_eq!(trunked_limit("m5.large"), Some(10));
        assert_eq!(trunked_limit("c5.large"), Some(10));
        assert_eq!(trunked_limit("c6i.8xlarge"), Some(90));
        assert_eq!(trunked_limit("m5.metal"), None);
        assert_eq!(trunked_limit("t3.medium"), None);
        // Every row's "without" column is the EC2 type's interfaces less one.
        for l in TABLE.lines().filter(|l| !l.starts_with('#')) {
            let c: Vec<&str> = l.split('\t').collect();
            let t = crate::services::ec2::instance_type(c[0])
                .unwrap_or_else(|| panic!("{} is not a known instance type", c[0]));
            assert_eq!(t.max_enis - 1, c[1].parse::<i32>().unwrap(), "{}", c[0]);
        }
    }
}
