//! Scenarios applied and exported: a whole world from files
//! (`crate::scenario_file`), applied through the same service handlers as
//! API calls (so it can never build a world the API could not), in
//! dependency order, each service mapping its own kinds
//! (`services/*/scenario.rs`); and today's world written back as one.

pub mod export;

use std::sync::Arc;

use crate::scenario_file::format;
use crate::scenario_file::mapping::{Loaded, Names, Phase, ScenarioError};
use crate::services::{ec2, ecs, elbv2, World};
use crate::world::regions;

/// Applies the scenarios, in order, through the service handlers, then
/// settles every transition so resources are in their declared states.
pub fn apply(world: &Arc<World>, all: &[Loaded]) -> Result<(), ScenarioError> {
    let mut names = Names::default();
    for loaded in all {
        for a in &loaded.scenario.accounts {
            if let Some(label) = &a.name {
                names.accounts.insert(label.clone(), a.id.clone());
            }
        }
    }
    for loaded in all {
        for (ai, account) in loaded.scenario.accounts.iter().enumerate() {
            if !(account.id.len() == 12 && account.id.bytes().all(|b| b.is_ascii_digit())) {
                return Err(
                    loaded.error(&format!("accounts[{ai}].id"), "an account id is 12 digits")
                );
            }
            for region in account.regions.keys() {
                if !regions::is_region_name(region) {
                    let base = format!("accounts[{ai}].regions.{region}");
                    return Err(loaded.error(&base, format!("'{region}' is not a Region name")));
                }
            }
        }
    }
    // Each phase across every file, account and Region, so references can
    // point to anything an earlier phase made.
    let mut later = Vec::new();
    for phase in 0..6 {
        each_region(all, |p, res| {
            match phase {
                0 => {
                    // The account's first call makes its default VPC: do
                    // that now (with the ids the scenario pins for it), so
                    // it does not take an id a resource pins.
                    ec2::scenario::default_vpc(world, p, res.default_vpc.as_ref())?;
                    ec2::scenario::network(world, p, &mut names, res)?;
                    ec2::instances::scenario::apply(world, p, &mut names, res)?;
                    ec2::scenario::routes(world, p, &mut names, res)?;
                }
                1 => {
                    elbv2::scenario::load_balancers(world, p, &mut names, res)?;
                    elbv2::scenario::target_groups_and_listeners(world, p, &mut names, res)?;
                }
                2 => ec2::scenario::endpoint_services(world, p, &mut names, res)?,
                3 => ec2::scenario::endpoints(world, p, &mut names, res)?,
                4 => ecs::scenario::apply(world, p, &mut names, res, &mut later)?,
                _ => ec2::scenario::associations(world, p, &mut names, res)?,
            }
            Ok(())
        })?;
    }
    world.settle();
    // Targets, once their instances run (before those declared stopped stop).
    each_region(all, |p, res| {
        elbv2::scenario::targets(world, p, &names, res)
    })?;
    world.settle();
    // Instances, once they run: their other interfaces, their restarts and
    // their declared states, a step at a time.
    for step in 0..3 {
        each_region(all, |p, res| {
            ec2::instances::scenario::settle_step(world, p, &names, res, step)
        })?;
        world.settle();
    }
    ecs::scenario::apply_later(world, later);
    Ok(())
}

/// Runs `f` for every Region of every account of every file, in order.
fn each_region(
    all: &[Loaded],
    mut f: impl FnMut(&Phase<'_>, &format::RegionResources) -> Result<(), ScenarioError>,
) -> Result<(), ScenarioError> {
    for loaded in all {
        for (ai, account) in loaded.scenario.accounts.iter().enumerate() {
            for (region, res) in &account.regions {
                let base = format!("accounts[{ai}].regions.{region}");
                let p = Phase {
                    loaded,
                    account: &account.id,
                    region,
                    base: &base,
                };
                f(&p, res)?;
            }
        }
    }
    Ok(())
}

/// Applies scenarios to `world` and keeps them: a reset applies them again.
pub fn load(world: &Arc<World>, scenarios: Vec<Loaded>) -> Result<(), ScenarioError> {
    for loaded in &scenarios {
        for (i, rule) in loaded.scenario.settings.faults.iter().enumerate() {
            world
                .faults
                .add(rule.clone(), true)
                .map_err(|e| loaded.error(&format!("settings.faults[{i}]"), &e))?;
        }
    }
    apply(world, &scenarios)?;
    world.replay_on_reset(move |w| apply(w, &scenarios).map_err(|e| e.0));
    Ok(())
}

/// Today's world as a scenario (JSON value), for `/_awsemu/state`.
pub fn export(world: &World) -> serde_json::Value {
    let settings = format::Settings {
        pace: Some(world.config.pace),
        seed: world.config.seed,
        reachability: Some(world.config.reachability)
            .filter(|r| *r != crate::world::Reachability::DEFAULT),
        default_account: Some(world.config.default_account.clone()),
        sns_endpoints: world
            .config
            .sns_endpoints
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        faults: world.faults.export(),
    };
    world.with_regions(|regions| export::scenario(regions, settings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario_file::parse;
    use crate::world::WorldConfig;

    #[test]
    fn errors_name_file_line_and_field() {
        let bad = "version: 1\naccounts:\n  - id: \"111111111111\"\n    regions:\n      us-east-1:\n        vpcs:\n          - name: v\n            cidr: 10.0.0.0/16\n        subnets:\n          - name: s\n            vpc: nope\n            cidr: 10.0.1.0/24\n            az: us-east-1a\n";
        let loaded = parse("w.yaml", bad).unwrap();
        let world = World::new(WorldConfig::default());
        let err = apply(&world, &[loaded]).unwrap_err().0;
        assert_eq!(err, "w.yaml:11: accounts[0].regions.us-east-1.subnets[0].vpc: no vpc named 'nope' in this account and Region");

        let unknown = "version: 1\naccounts:\n  - id: \"111111111111\"\n    colour: blue\n";
        let err = parse("u.yaml", unknown).unwrap_err().0;
        assert!(
            err.starts_with("u.yaml:4: accounts[0].colour: unknown field `colour`"),
            "{err}"
        );
    }

    #[test]
    fn a_refused_pin_leaves_no_pin_behind() {
        let text = "version: 1\naccounts:\n  - id: \"111111111111\"\n    regions:\n      us-east-1:\n        vpcs:\n          - name: v\n            id: vpc-0e000000000000001\n            defaultSecurityGroupId: nope\n            cidr: 10.0.0.0/16\n";
        let world = World::new(WorldConfig::default());
        let err = apply(&world, &[parse("p.yaml", text).unwrap()])
            .unwrap_err()
            .0;
        assert!(
            err.contains("vpcs[0].defaultSecurityGroupId: 'nope' is not a sg- id"),
            "{err}"
        );
        // The VPC's valid id was never pinned, so nothing later receives it.
        assert_ne!(world.ids.resource("vpc"), "vpc-0e000000000000001");
    }

    /// A scenario that pins what AWS generates: the values come back in the
    /// export, the creation time carries through the transitions that follow.
    const PINNED: &str = r#"
version: 1
settings: {pace: manual}
accounts:
  - id: "111111111111"
    regions:
      us-east-1:
        defaultVpc: {id: vpc-0d000000000000001, subnets: [subnet-0d000000000000001]}
        vpcs:
          - {name: v, cidr: 10.0.0.0/16, cidrAssociationId: vpc-cidr-assoc-0c000000000000001,
             mainRouteTableAssociationId: rtbassoc-0c000000000000001,
             defaultSecurityGroupRuleIds: [sgr-0c000000000000001, sgr-0c000000000000002]}
        subnets: [{name: a, vpc: v, cidr: 10.0.1.0/24, az: us-east-1a}]
        securityGroups:
          - name: g
            vpc: v
            ingress: [{id: sgr-0c000000000000003, protocol: tcp, port: 443, cidr: 10.0.0.0/8}]
            egress: [{id: sgr-0c000000000000004, protocol: "-1", cidr: 0.0.0.0/0}]
        internetGateways: [{name: edge, vpc: v}]
        routeTables: [{name: r, vpc: v, subnets: [a], associationIds: [rtbassoc-0c000000000000002],
                       routes: [{destination: 0.0.0.0/0, target: edge}]}]
        vpcEndpoints:
          - {name: logs, vpc: v, service: com.amazonaws.us-east-1.logs, subnets: [a], securityGroups: [g],
             createdAt: "2024-05-01T12:00:00.000Z", dnsSuffix: abcdefgh, privateZoneId: ZPINNED,
             networkInterfaces: [{id: eni-0c000000000000001, privateIp: 10.0.1.77, mac: "0e:00:00:00:00:01"}]}
        ecs:
          clusters: [{name: c}]
          taskDefinitions:
            - {family: web, networkMode: awsvpc, requiresCompatibilities: [FARGATE], cpu: "256", memory: "512",
               containerDefinitions: [{name: web, image: nginx}], registeredAt: "2024-05-01T11:00:00.000Z"}
          tasks:
            - {cluster: c, taskDefinition: web, subnets: [a], assignPublicIp: true, createdAt: "2024-05-01T12:30:00.000Z",
               id: 0123456789abcdef0123456789abcdef, attachmentId: 5d3c7a52-1a0e-4f57-9d5c-7b1e8a1f4c11,
               networkInterface: {id: eni-0c000000000000002, privateIp: 10.0.1.78}}
"#;

    #[test]
    fn pinned_generated_values_come_back_in_the_export() {
        let world = World::new(WorldConfig {
            pace: crate::world::clock::Pace::Manual,
            ..WorldConfig::default()
        });
        apply(&world, &[parse("pins.yaml", PINNED).unwrap()]).unwrap();
        let out = export(&world);
        let r = &out["accounts"][0]["regions"]["us-east-1"];
        assert_eq!(r["defaultVpc"]["id"], "vpc-0d000000000000001");
        assert_eq!(r["defaultVpc"]["subnets"][0], "subnet-0d000000000000001");
        let v = &r["vpcs"][0];
        assert_eq!(v["cidrAssociationId"], "vpc-cidr-assoc-0c000000000000001");
        assert_eq!(
            v["mainRouteTableAssociationId"],
            "rtbassoc-0c000000000000001"
        );
        assert_eq!(v["defaultSecurityGroupRuleIds"][1], "sgr-0c000000000000002");
        // The default VPC's DHCP options are the account's.
        assert_eq!(v["dhcpOptionsId"], r["defaultVpc"]["dhcpOptionsId"]);
        let g = &r["securityGroups"][0];
        assert_eq!(g["ingress"][0]["id"], "sgr-0c000000000000003");
        assert_eq!(g["egress"][0]["id"], "sgr-0c000000000000004");
        assert_eq!(
            r["routeTables"][0]["associationIds"][0],
            "rtbassoc-0c000000000000002"
        );
        let e = &r["vpcEndpoints"][0];
        assert_eq!(e["createdAt"], "2024-05-01T12:00:00.000Z");
        assert_eq!(e["dnsSuffix"], "abcdefgh");
        assert_eq!(e["privateZoneId"], "ZPINNED");
        assert_eq!(e["networkInterfaces"][0]["privateIp"], "10.0.1.77");
        assert_eq!(e["networkInterfaces"][0]["mac"], "0e:00:00:00:00:01");
        let d = &r["ecs"]["taskDefinitions"][0];
        assert_eq!(d["registeredAt"], "2024-05-01T11:00:00.000Z");
        let t = &r["ecs"]["tasks"][0];
        assert_eq!(t["id"], "0123456789abcdef0123456789abcdef");
        assert_eq!(t["attachmentId"], "5d3c7a52-1a0e-4f57-9d5c-7b1e8a1f4c11");
        assert_eq!(t["networkInterface"]["id"], "eni-0c000000000000002");
        assert_eq!(t["createdAt"], "2024-05-01T12:30:00.000Z");
        // Its start (three steps of a second at this pace) happened when it
        // was due, not when the scenario settled it.
        let state = world.export();
        let task = &state["regions"]["us-east-1"]["111111111111"]["ecs"]["tasks"]
            ["0123456789abcdef0123456789abcdef"]["model"];
        let t0 = crate::wire::Timestamp::parse("2024-05-01T12:30:00.000Z").unwrap();
        assert_eq!(task["lastStatus"], "RUNNING");
        assert_eq!(
            task["startedAt"].as_f64(),
            Some((t0.millis() + 3_000) as f64 / 1000.0)
        );
        // Nothing stays pinned.
        assert!(world.ids.take_pin("network-interface").is_none());
        assert_ne!(world.clock.now_ms(), t0.millis());
    }

    #[test]
    fn bad_pins_name_their_field() {
        let cases = [
            (
                "privateIp: 10.0.1.77",
                "privateIp: 10.0.1.300",
                "networkInterfaces[0].privateIp: '10.0.1.300' is not an IPv4 address",
            ),
            (
                "mac: \"0e:00:00:00:00:01\"",
                "mac: 0e-00",
                "networkInterfaces[0].mac: '0e-00' is not a MAC address",
            ),
            (
                "createdAt: \"2024-05-01T12:00:00.000Z\"",
                "createdAt: yesterday",
                "vpcEndpoints[0].createdAt: 'yesterday' is not a time",
            ),
            (
                "id: 0123456789abcdef0123456789abcdef",
                "id: \"0123\"",
                "tasks[0].id: '0123' is not a task id",
            ),
            (
                "id: sgr-0c000000000000003",
                "id: sg-0c000000000000003",
                "ingress[0].id: 'sg-0c000000000000003' is not a sgr- id",
            ),
        ];
        for (from, to, wanted) in cases {
            assert!(PINNED.contains(from), "{from}");
            let text = PINNED.replacen(from, to, 1);
            let world = World::new(WorldConfig::default());
            let err = apply(&world, &[parse("bad.yaml", &text).unwrap()])
                .unwrap_err()
                .0;
            assert!(
                err.starts_with("bad.yaml:") && err.contains(wanted),
                "{err}"
            );
        }
    }

    /// Account settings, Auto Scaling group instances, EC2 tasks pinned to
    /// container instances and services with task sets: exported, the
    /// export loads into the same world and exports the same again.
    #[test]
    fn ecs_sets_and_instances_round_trip() {
        let text =
            include_str!("../../../sdk-tests/python/scenario_fixtures/ecs-sets-and-instances.yaml");
        let config = || WorldConfig {
            pace: crate::world::clock::Pace::Manual,
            ..WorldConfig::default()
        };
        let world = World::new(config());
        apply(&world, &[parse("sets.yaml", text).unwrap()]).unwrap();
        let first = export(&world);
        let r = &first["accounts"][0]["regions"]["us-east-1"];
        assert_eq!(r["instances"][0]["autoScalingGroup"], "web-asg");
        let ecs = &r["ecs"];
        assert_eq!(ecs["accountSettings"][0]["value"], "enhanced");
        assert_eq!(
            ecs["clusters"][0]["settings"]["containerInsights"],
            "enhanced"
        );
        let cd = &ecs["services"][0];
        assert_eq!(cd["deploymentController"], "CODE_DEPLOY");
        assert_eq!(cd["taskSets"][0]["tasks"][0]["hostPorts"][0], 49161);
        assert_eq!(ecs["tasks"][0]["containerInstance"], "i-0f000000000000001");
        let again = World::new(config());
        let yaml = export::to_yaml(&first);
        apply(&again, &[parse("again.yaml", &yaml).unwrap()]).unwrap();
        assert_eq!(export(&again), first);
        // The container instances hold the same.
        let held = |w: &World| {
            let state = w.export();
            let all = &state["regions"]["us-east-1"]["555555555555"]["ecs"]["container_instances"];
            all.as_object()
                .unwrap()
                .iter()
                .map(|(id, c)| {
                    let keep = [
                        "used_cpu",
                        "used_memory",
                        "used_tcp",
                        "tasks",
                        "capacity_provider",
                    ];
                    (id.clone(), keep.map(|k| c[k].clone()))
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(held(&world)[0].1[4], "web-cp");
        assert_eq!(held(&again), held(&world));
    }
}
