//! ELBv2 listeners and rules, the load balancer settings, the
//! `load_balancer_available` waiter and scenarios with target groups,
//! listeners, rules and targets, through the real AWS SDK for Rust (issue
//! 13, items 3, 4 and 7).

use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::client::Waiters;
use aws_sdk_elasticloadbalancingv2::error::ProvideErrorMetadata;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, FixedResponseActionConfig, IpAddressType, LoadBalancerStateEnum,
    LoadBalancerTypeEnum, ProtocolEnum, RuleCondition, RulePriorityPair, TargetHealthStateEnum,
};
use sdk_tests::{create_subnet, create_vpc, random_account, Emulator};

const REGION: &str = "us-east-1";

fn forward(tg: &str) -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(tg)
        .build()
}

fn path_rule(pattern: &str) -> RuleCondition {
    RuleCondition::builder()
        .field("path-pattern")
        .values(pattern)
        .build()
}

#[tokio::test]
async fn alb_listener_rules_and_settings() {
    let emu = Emulator::start_with(&["--pace", "manual"]);
    let account = random_account();
    let (ec2, elb) = (emu.ec2(&account, REGION), emu.elbv2(&account, REGION));
    let vpc = create_vpc(&ec2, "10.0.0.0/16").await;
    let a = create_subnet(&ec2, &vpc, "10.0.1.0/24", "us-east-1a").await;
    let b = create_subnet(&ec2, &vpc, "10.0.2.0/24", "us-east-1b").await;
    let c = create_subnet(&ec2, &vpc, "10.0.3.0/24", "us-east-1c").await;
    let sg = ec2
        .create_security_group()
        .group_name("alb")
        .description("alb")
        .vpc_id(&vpc)
        .send()
        .await
        .expect("CreateSecurityGroup")
        .group_id()
        .expect("id")
        .to_string();

    let lb = elb
        .create_load_balancer()
        .name("web")
        .r#type(LoadBalancerTypeEnum::Application)
        .subnets(&a)
        .subnets(&b)
        .send()
        .await
        .expect("CreateLoadBalancer");
    let lb = &lb.load_balancers()[0];
    let lb_arn = lb.load_balancer_arn().expect("arn").to_string();
    assert_eq!(
        lb.state().and_then(|s| s.code()),
        Some(&LoadBalancerStateEnum::Provisioning)
    );
    // The waiter polls while the world clock moves it to active.
    let waiting = {
        let elb = elb.clone();
        let arn = lb_arn.clone();
        tokio::spawn(async move {
            elb.wait_until_load_balancer_available()
                .load_balancer_arns(arn)
                .wait(Duration::from_secs(120))
                .await
        })
    };
    emu.advance_clock(300.0);
    waiting
        .await
        .expect("join")
        .expect("load_balancer_available");

    // Settings: security groups, subnets, IP address type.
    let set = elb
        .set_security_groups()
        .load_balancer_arn(&lb_arn)
        .security_groups(&sg)
        .send()
        .await
        .expect("SetSecurityGroups");
    assert_eq!(set.security_group_ids(), std::slice::from_ref(&sg));
    let zones = elb
        .set_subnets()
        .load_balancer_arn(&lb_arn)
        .subnets(&a)
        .subnets(&b)
        .subnets(&c)
        .send()
        .await
        .expect("SetSubnets");
    assert_eq!(zones.availability_zones().len(), 3);
    let err = elb
        .set_ip_address_type()
        .load_balancer_arn(&lb_arn)
        .ip_address_type(IpAddressType::Dualstack)
        .send()
        .await
        .expect_err("no IPv6 blocks in the subnets");
    assert!(err.code().is_some(), "{err:?}");

    // A listener with a fixed response, rules forwarding by path.
    let tg = |name: &'static str| {
        let elb = elb.clone();
        let vpc = vpc.clone();
        async move {
            elb.create_target_group()
                .name(name)
                .protocol(ProtocolEnum::Http)
                .port(80)
                .vpc_id(vpc)
                .target_type(aws_sdk_elasticloadbalancingv2::types::TargetTypeEnum::Ip)
                .send()
                .await
                .expect("CreateTargetGroup")
                .target_groups()[0]
                .target_group_arn()
                .expect("arn")
                .to_string()
        }
    };
    let (api, admin) = (tg("api").await, tg("admin").await);
    let listener = elb
        .create_listener()
        .load_balancer_arn(&lb_arn)
        .protocol(ProtocolEnum::Http)
        .port(80)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::FixedResponse)
                .fixed_response_config(
                    FixedResponseActionConfig::builder()
                        .status_code("404")
                        .content_type("text/plain")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("CreateListener");
    let listener_arn = listener.listeners()[0]
        .listener_arn()
        .expect("arn")
        .to_string();
    let rule = |priority: i32, pattern: &'static str, target: String| {
        let elb = elb.clone();
        let listener_arn = listener_arn.clone();
        async move {
            elb.create_rule()
                .listener_arn(listener_arn)
                .priority(priority)
                .conditions(path_rule(pattern))
                .actions(forward(&target))
                .send()
                .await
        }
    };
    let api_rule = rule(10, "/api/*", api.clone())
        .await
        .expect("CreateRule")
        .rules()[0]
        .rule_arn()
        .expect("arn")
        .to_string();
    let admin_rule = rule(20, "/admin/*", admin.clone())
        .await
        .expect("CreateRule")
        .rules()[0]
        .rule_arn()
        .expect("arn")
        .to_string();
    let taken = rule(10, "/other/*", api.clone())
        .await
        .expect_err("priority 10 is taken");
    assert_eq!(taken.code(), Some("PriorityInUse"));

    let rules = elb
        .describe_rules()
        .listener_arn(&listener_arn)
        .send()
        .await
        .expect("DescribeRules");
    let priorities: Vec<(&str, bool)> = rules
        .rules()
        .iter()
        .map(|r| (r.priority().unwrap_or(""), r.is_default().unwrap_or(false)))
        .collect();
    assert_eq!(
        priorities,
        [("10", false), ("20", false), ("default", true)]
    );

    // Swap the priorities.
    elb.set_rule_priorities()
        .rule_priorities(
            RulePriorityPair::builder()
                .rule_arn(&api_rule)
                .priority(30)
                .build(),
        )
        .rule_priorities(
            RulePriorityPair::builder()
                .rule_arn(&admin_rule)
                .priority(5)
                .build(),
        )
        .send()
        .await
        .expect("SetRulePriorities");
    let rules = elb
        .describe_rules()
        .rule_arns(&api_rule)
        .rule_arns(&admin_rule)
        .send()
        .await
        .expect("DescribeRules");
    let by_arn: Vec<(String, String)> = rules
        .rules()
        .iter()
        .map(|r| {
            (
                r.rule_arn().unwrap_or("").to_string(),
                r.priority().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(by_arn.contains(&(api_rule.clone(), "30".into())));
    assert!(by_arn.contains(&(admin_rule.clone(), "5".into())));

    // A target group used by a rule cannot go; once the rule is gone it can.
    let in_use = elb
        .delete_target_group()
        .target_group_arn(&admin)
        .send()
        .await
        .expect_err("used by a rule");
    assert_eq!(in_use.code(), Some("ResourceInUse"));
    elb.delete_rule()
        .rule_arn(&admin_rule)
        .send()
        .await
        .expect("DeleteRule");
    elb.delete_target_group()
        .target_group_arn(&admin)
        .send()
        .await
        .expect("DeleteTargetGroup");
}

#[tokio::test]
async fn scenario_with_target_groups_listeners_and_targets() {
    let account = random_account();
    let yaml = format!(
        r#"version: 1
accounts:
  - id: "{account}"
    regions:
      us-east-1:
        vpcs: [{{name: svc, cidr: 10.7.0.0/16}}]
        subnets:
          - {{name: a, vpc: svc, cidr: 10.7.1.0/24, az: us-east-1a}}
        loadBalancers: [{{name: nlb, type: network, scheme: internal, subnets: [a]}}]
        targetGroups:
          - {{name: web, protocol: TCP, port: 80, vpc: svc, targetType: ip,
             attributes: {{deregistration_delay.timeout_seconds: "30"}},
             targets: [{{id: 10.7.1.10}}, {{id: 10.7.1.11, unhealthy: true}}]}}
        listeners:
          - {{loadBalancer: nlb, protocol: TCP, port: 80, defaultActions: [{{type: forward, targetGroup: web}}]}}
"#
    );
    let path = std::env::temp_dir().join(format!(
        "awsemu-listeners-{}-{account}.yaml",
        std::process::id()
    ));
    std::fs::write(&path, yaml).expect("write the scenario");
    let emu = Emulator::start_with(&["--scenario", path.to_str().expect("utf-8")]);
    let _ = std::fs::remove_file(&path);
    let elb = emu.elbv2(&account, REGION);
    let tgs = elb
        .describe_target_groups()
        .names("web")
        .send()
        .await
        .expect("DescribeTargetGroups");
    let tg = tgs.target_groups()[0]
        .target_group_arn()
        .expect("arn")
        .to_string();
    assert_eq!(tgs.target_groups()[0].load_balancer_arns().len(), 1);
    let health = elb
        .describe_target_health()
        .target_group_arn(&tg)
        .send()
        .await
        .expect("DescribeTargetHealth");
    let mut states: Vec<(String, TargetHealthStateEnum)> = health
        .target_health_descriptions()
        .iter()
        .map(|d| {
            (
                d.target().and_then(|t| t.id()).unwrap_or("").to_string(),
                d.target_health()
                    .and_then(|h| h.state())
                    .cloned()
                    .unwrap_or(TargetHealthStateEnum::Unavailable),
            )
        })
        .collect();
    states.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(
        states,
        [
            ("10.7.1.10".to_string(), TargetHealthStateEnum::Healthy),
            ("10.7.1.11".to_string(), TargetHealthStateEnum::Unhealthy)
        ]
    );
    let attrs = elb
        .describe_target_group_attributes()
        .target_group_arn(&tg)
        .send()
        .await
        .expect("DescribeTargetGroupAttributes");
    let delay = attrs
        .attributes()
        .iter()
        .find(|a| a.key() == Some("deregistration_delay.timeout_seconds"))
        .and_then(|a| a.value());
    assert_eq!(delay, Some("30"));
}
