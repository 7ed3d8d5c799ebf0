//! ELBv2 target groups, targets, their health and listeners, through the
//! real AWS SDK for Rust and its `target_in_service` / `target_deregistered`
//! waiters (issue 13, items 1 to 3).

use std::time::Duration;

use aws_sdk_elasticloadbalancingv2::client::Waiters;
use aws_sdk_elasticloadbalancingv2::error::ProvideErrorMetadata;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum,
    TargetDescription, TargetHealthStateEnum, TargetTypeEnum,
};
use sdk_tests::{create_subnet, create_vpc, random_account, Emulator};

const REGION: &str = "us-east-1";

#[tokio::test]
async fn nlb_target_group_listener_and_target_health() {
    let emu = Emulator::shared();
    let account = random_account();
    let ec2 = emu.ec2(&account, REGION);
    let elb = emu.elbv2(&account, REGION);
    let vpc = create_vpc(&ec2, "10.0.0.0/16").await;
    let subnet = create_subnet(&ec2, &vpc, "10.0.1.0/24", "us-east-1a").await;

    let lb = elb
        .create_load_balancer()
        .name("web")
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::Internal)
        .subnets(&subnet)
        .send()
        .await
        .expect("CreateLoadBalancer");
    let lb_arn = lb.load_balancers()[0]
        .load_balancer_arn()
        .expect("arn")
        .to_string();
    let tg = elb
        .create_target_group()
        .name("web-ip")
        .protocol(ProtocolEnum::Tcp)
        .port(8080)
        .vpc_id(&vpc)
        .target_type(TargetTypeEnum::Ip)
        .send()
        .await
        .expect("CreateTargetGroup");
    let group = &tg.target_groups()[0];
    let tg_arn = group.target_group_arn().expect("arn").to_string();
    assert!(
        tg_arn.starts_with(&format!(
            "arn:aws:elasticloadbalancing:{REGION}:{account}:targetgroup/web-ip/"
        )),
        "{tg_arn}"
    );
    assert_eq!(group.health_check_protocol(), Some(&ProtocolEnum::Tcp));
    let again = elb
        .create_target_group()
        .name("web-ip")
        .protocol(ProtocolEnum::Udp)
        .port(8080)
        .vpc_id(&vpc)
        .target_type(TargetTypeEnum::Ip)
        .send()
        .await
        .expect_err("the name is taken with other settings");
    assert_eq!(again.code(), Some("DuplicateTargetGroupName"));

    let target = TargetDescription::builder()
        .id("10.0.1.50")
        .port(8080)
        .build();
    elb.register_targets()
        .target_group_arn(&tg_arn)
        .targets(target.clone())
        .send()
        .await
        .expect("RegisterTargets");
    // No listener uses the group yet.
    let health = elb
        .describe_target_health()
        .target_group_arn(&tg_arn)
        .send()
        .await
        .expect("DescribeTargetHealth");
    let h = health.target_health_descriptions()[0]
        .target_health()
        .expect("health");
    assert_eq!(h.state(), Some(&TargetHealthStateEnum::Unused));

    elb.create_listener()
        .load_balancer_arn(&lb_arn)
        .protocol(ProtocolEnum::Tcp)
        .port(80)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(&tg_arn)
                .build(),
        )
        .send()
        .await
        .expect("CreateListener");
    elb.wait_until_target_in_service()
        .target_group_arn(&tg_arn)
        .targets(target.clone())
        .wait(Duration::from_secs(30))
        .await
        .expect("target_in_service");
    let err = elb
        .delete_target_group()
        .target_group_arn(&tg_arn)
        .send()
        .await
        .expect_err("in use by the listener");
    assert_eq!(err.code(), Some("ResourceInUse"));

    elb.deregister_targets()
        .target_group_arn(&tg_arn)
        .targets(target.clone())
        .send()
        .await
        .expect("DeregisterTargets");
    elb.wait_until_target_deregistered()
        .target_group_arn(&tg_arn)
        .targets(target)
        .wait(Duration::from_secs(30))
        .await
        .expect("target_deregistered");
    let listeners = elb
        .describe_listeners()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .expect("DescribeListeners");
    assert_eq!(listeners.listeners().len(), 1);
    assert_eq!(listeners.listeners()[0].port(), Some(80));
}

#[tokio::test]
async fn ssl_policies_and_account_limits() {
    let emu = Emulator::shared();
    let elb = emu.elbv2(&random_account(), REGION);
    let policies = elb
        .describe_ssl_policies()
        .names("ELBSecurityPolicy-TLS13-1-2-2021-06")
        .send()
        .await
        .expect("DescribeSSLPolicies");
    let p = &policies.ssl_policies()[0];
    assert_eq!(p.name(), Some("ELBSecurityPolicy-TLS13-1-2-2021-06"));
    assert!(p.ssl_protocols().iter().any(|x| x == "TLSv1.3"));
    let err = elb
        .describe_ssl_policies()
        .names("ELBSecurityPolicy-Nope")
        .send()
        .await
        .expect_err("an unknown policy");
    assert_eq!(err.code(), Some("SSLPolicyNotFound"));
    let limits = elb
        .describe_account_limits()
        .send()
        .await
        .expect("DescribeAccountLimits");
    assert!(limits
        .limits()
        .iter()
        .any(|l| l.name() == Some("target-groups") && l.max() == Some("3000")));
}
