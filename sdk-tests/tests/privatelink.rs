//! PrivateLink, provider side, through the real AWS SDK for Rust: a Network
//! Load Balancer (ELBv2), an endpoint service configuration on it, allowed
//! principals, consumer endpoints from other accounts, accepting and
//! rejecting their connections, and tearing it all down (aws-spec.md §6,
//! §7.2-7.5, §8.6-8.14, §9; the VPC user guide on endpoint services).
//!
//! Every test shares one emulator process and uses fresh random accounts
//! (provider, consumer, outsider), chosen by the access key id.

use std::collections::BTreeMap;

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{
    Filter, ServiceConfiguration, ServiceDetail, UnsuccessfulItem, VpcEndpoint,
    VpcEndpointConnection, VpcEndpointType,
};
use aws_sdk_ec2::Client;
use aws_sdk_elasticloadbalancingv2::types::{
    LoadBalancer, LoadBalancerSchemeEnum, LoadBalancerTypeEnum,
};
use aws_sdk_elasticloadbalancingv2::Client as Elbv2;
use sdk_tests::{create_subnet, create_vpc, error_code, is_id, random_account, Emulator};

const REGION: &str = "us-east-1";

/// Hosted zone of `*.vpce.amazonaws.com` names in us-east-1 (§6).
const VPCE_ZONE: &str = "Z7HUB22UULQXV";

/// An endpoint id that exists in no account.
const UNKNOWN_ENDPOINT: &str = "vpce-0123456789abcdef0";

/// A well-formed endpoint service id that exists nowhere.
const UNKNOWN_SERVICE: &str = "vpce-svc-0123456789abcdef0";

fn filter(name: &str, values: &[&str]) -> Filter {
    let mut b = Filter::builder().name(name);
    for v in values {
        b = b.values(*v);
    }
    b.build()
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

fn is_dns_suffix(s: &str) -> bool {
    s.len() == 8
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

fn root(account: &str) -> String {
    format!("arn:aws:iam::{account}:root")
}

fn state(e: &VpcEndpoint) -> &str {
    e.state().map(|s| s.as_str()).unwrap_or("")
}

fn id_of(e: &VpcEndpoint) -> String {
    e.vpc_endpoint_id()
        .expect("vpcEndpoint.vpcEndpointId")
        .to_string()
}

fn lb_state(lb: &LoadBalancer) -> &str {
    lb.state()
        .and_then(|s| s.code())
        .map(|c| c.as_str())
        .unwrap_or("")
}

fn conn_state(c: &VpcEndpointConnection) -> &str {
    c.vpc_endpoint_state().map(|s| s.as_str()).unwrap_or("")
}

/// (resource id, error code) of each unsuccessful item.
fn failures(items: &[UnsuccessfulItem]) -> Vec<(&str, &str)> {
    items
        .iter()
        .map(|u| {
            (
                u.resource_id().unwrap_or_default(),
                u.error().and_then(|e| e.code()).unwrap_or_default(),
            )
        })
        .collect()
}

/// The account's default VPC.
async fn default_vpc(ec2: &Client) -> String {
    let out = ec2
        .describe_vpcs()
        .filters(filter("is-default", &["true"]))
        .send()
        .await
        .expect("DescribeVpcs is-default=true");
    let vpcs = out.vpcs();
    assert_eq!(vpcs.len(), 1, "one default VPC: {vpcs:?}");
    vpcs[0].vpc_id().expect("vpcId").to_string()
}

/// AZ name -> id of the default subnet there.
async fn default_subnets(ec2: &Client) -> BTreeMap<String, String> {
    let out = ec2
        .describe_subnets()
        .filters(filter("default-for-az", &["true"]))
        .send()
        .await
        .expect("DescribeSubnets default-for-az=true");
    let map: BTreeMap<String, String> = out
        .subnets()
        .iter()
        .map(|s| {
            (
                s.availability_zone().unwrap_or_default().to_string(),
                s.subnet_id().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        map.len(),
        out.subnets().len(),
        "one default subnet per AZ: {map:?}"
    );
    map
}

/// An internal NLB named `name` in `subnets`; checks the create answer.
async fn create_nlb(elbv2: &Elbv2, account: &str, name: &str, subnets: &[&str]) -> LoadBalancer {
    let mut req = elbv2
        .create_load_balancer()
        .name(name)
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::Internal);
    for s in subnets {
        req = req.subnets(*s);
    }
    let out = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateLoadBalancer {name}: {e:?}"));
    let lbs = out.load_balancers();
    assert_eq!(lbs.len(), 1, "{lbs:?}");
    let lb = lbs[0].clone();
    let arn = lb.load_balancer_arn().unwrap_or_default();
    let prefix =
        format!("arn:aws:elasticloadbalancing:{REGION}:{account}:loadbalancer/net/{name}/");
    let tail = arn
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("NLB ARN {arn:?} does not start with {prefix}"));
    assert!(is_hex(tail, 16), "NLB ARN {arn:?} must end in 16 hex");
    assert_eq!(lb_state(&lb), "provisioning", "{lb:?}");
    assert_eq!(lb.load_balancer_name(), Some(name));
    assert_eq!(lb.r#type(), Some(&LoadBalancerTypeEnum::Network));
    assert_eq!(lb.scheme(), Some(&LoadBalancerSchemeEnum::Internal));
    lb
}

async fn describe_nlb(elbv2: &Elbv2, arn: &str) -> LoadBalancer {
    let out = elbv2
        .describe_load_balancers()
        .load_balancer_arns(arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeLoadBalancers {arn}: {e:?}"));
    let lbs = out.load_balancers();
    assert_eq!(lbs.len(), 1, "{lbs:?}");
    assert_eq!(lbs[0].load_balancer_arn(), Some(arn));
    lbs[0].clone()
}

/// An endpoint service on `nlb_arn`; checks what every answer must hold.
async fn create_service(
    ec2: &Client,
    nlb_arn: &str,
    acceptance: Option<bool>,
    azs: &[&str],
) -> ServiceConfiguration {
    let out = ec2
        .create_vpc_endpoint_service_configuration()
        .network_load_balancer_arns(nlb_arn)
        .set_acceptance_required(acceptance)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateVpcEndpointServiceConfiguration: {e:?}"));
    let c = out
        .service_configuration()
        .expect("serviceConfiguration")
        .clone();
    let id = c.service_id().unwrap_or_default().to_string();
    assert!(is_id(&id, "vpce-svc"), "service id {id:?}");
    assert_eq!(
        c.service_name(),
        Some(format!("com.amazonaws.vpce.{REGION}.{id}").as_str())
    );
    assert_eq!(
        c.service_state().map(|s| s.as_str()),
        Some("Available"),
        "{c:?}"
    );
    let types: Vec<&str> = c
        .service_type()
        .iter()
        .filter_map(|t| t.service_type().map(|s| s.as_str()))
        .collect();
    assert_eq!(types, vec!["Interface"], "{c:?}");
    assert_eq!(c.acceptance_required(), Some(acceptance.unwrap_or(false)));
    assert_eq!(c.manages_vpc_endpoints(), Some(false));
    assert_eq!(c.availability_zones(), azs, "{c:?}");
    assert_eq!(
        c.base_endpoint_dns_names(),
        &[format!("{id}.{REGION}.vpce.amazonaws.com")]
    );
    assert_eq!(c.network_load_balancer_arns(), &[nlb_arn.to_string()]);
    assert!(c.gateway_load_balancer_arns().is_empty(), "{c:?}");
    c
}

/// Adds `principal` to the service's allowed principals and returns the
/// (type, permission id) of the one added principal.
async fn allow(ec2: &Client, service: &str, principal: &str) -> (String, String) {
    let out = ec2
        .modify_vpc_endpoint_service_permissions()
        .service_id(service)
        .add_allowed_principals(principal)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ModifyVpcEndpointServicePermissions +{principal}: {e:?}"));
    assert_eq!(out.return_value(), Some(true));
    let added = out.added_principals();
    assert_eq!(added.len(), 1, "{added:?}");
    assert_eq!(added[0].principal(), Some(principal));
    assert_eq!(added[0].service_id(), Some(service));
    (
        added[0]
            .principal_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        added[0]
            .service_permission_id()
            .unwrap_or_default()
            .to_string(),
    )
}

/// The single detail DescribeVpcEndpointServices gives for `name`.
async fn service_detail(ec2: &Client, name: &str) -> ServiceDetail {
    let out = ec2
        .describe_vpc_endpoint_services()
        .service_names(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeVpcEndpointServices {name}: {e:?}"));
    assert_eq!(out.service_names(), &[name.to_string()]);
    let details = out.service_details();
    assert_eq!(details.len(), 1, "{details:?}");
    assert_eq!(details[0].service_name(), Some(name));
    details[0].clone()
}

/// The request CreateVpcEndpoint (Interface) for a custom service.
fn interface_to(
    ec2: &Client,
    vpc: &str,
    service_name: &str,
    subnet: &str,
) -> aws_sdk_ec2::operation::create_vpc_endpoint::builders::CreateVpcEndpointFluentBuilder {
    ec2.create_vpc_endpoint()
        .vpc_endpoint_type(VpcEndpointType::Interface)
        .vpc_id(vpc)
        .service_name(service_name)
        .subnet_ids(subnet)
}

async fn create_endpoint(ec2: &Client, vpc: &str, service_name: &str, subnet: &str) -> VpcEndpoint {
    let out = interface_to(ec2, vpc, service_name, subnet)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateVpcEndpoint to {service_name}: {e:?}"));
    let e = out.vpc_endpoint().expect("vpcEndpoint").clone();
    assert!(is_id(&id_of(&e), "vpce"), "{e:?}");
    assert_eq!(e.service_name(), Some(service_name));
    assert_eq!(e.vpc_id(), Some(vpc));
    assert_eq!(e.subnet_ids(), &[subnet.to_string()]);
    e
}

async fn describe_endpoint(ec2: &Client, id: &str) -> VpcEndpoint {
    let out = ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeVpcEndpoints {id}: {e:?}"));
    let eps = out.vpc_endpoints();
    assert_eq!(eps.len(), 1, "{eps:?}");
    assert_eq!(eps[0].vpc_endpoint_id(), Some(id));
    eps[0].clone()
}

/// The provider's connections matching `filters`, sorted by endpoint id.
async fn connections(ec2: &Client, filters: Vec<Filter>) -> Vec<VpcEndpointConnection> {
    let mut out = ec2
        .describe_vpc_endpoint_connections()
        .set_filters(Some(filters))
        .send()
        .await
        .expect("DescribeVpcEndpointConnections")
        .vpc_endpoint_connections()
        .to_vec();
    out.sort_by(|a, b| a.vpc_endpoint_id().cmp(&b.vpc_endpoint_id()));
    out
}

/// endpoint id -> state of the connections to `service`.
async fn connection_states(ec2: &Client, service: &str) -> BTreeMap<String, String> {
    connections(ec2, vec![filter("service-id", &[service])])
        .await
        .iter()
        .map(|c| {
            (
                c.vpc_endpoint_id().unwrap_or_default().to_string(),
                conn_state(c).to_string(),
            )
        })
        .collect()
}

/// The DNS entries of an interface endpoint to custom service `svc_id`:
/// regional name, then one zonal name per AZ, all in the vpce zone (§6, §8.1).
fn assert_custom_dns(e: &VpcEndpoint, svc_id: &str, azs: &[&str]) {
    let id = id_of(e);
    let names: Vec<&str> = e
        .dns_entries()
        .iter()
        .filter_map(|d| d.dns_name())
        .collect();
    assert_eq!(names.len(), 1 + azs.len(), "{id} dnsEntries: {names:?}");
    let base = format!("{svc_id}.{REGION}.vpce.amazonaws.com");
    let suffix = names[0]
        .strip_prefix(&format!("{id}-"))
        .and_then(|r| r.strip_suffix(&format!(".{base}")))
        .unwrap_or_else(|| panic!("{id}: regional name {:?} is not {id}-<8>.{base}", names[0]));
    assert!(is_dns_suffix(suffix), "{id}: DNS suffix {suffix:?}");
    let mut expected = vec![format!("{id}-{suffix}.{base}")];
    for az in azs {
        expected.push(format!("{id}-{suffix}-{az}.{base}"));
    }
    assert_eq!(names, expected, "{id} dnsEntries");
    for d in e.dns_entries() {
        assert_eq!(d.hosted_zone_id(), Some(VPCE_ZONE), "{id}: {d:?}");
    }
}

/// The guide's whole flow: provider NLB + service requiring acceptance,
/// consumer allowed by account, outsider refused, accept/reject, refusals to
/// delete what is in use, teardown (§7.2-7.4, §8.6-8.14, §9).
#[tokio::test]
async fn provider_guide_flow_across_three_accounts() {
    let emu = Emulator::shared();
    let provider = random_account();
    let consumer = random_account();
    let outsider = random_account();
    let p_ec2 = emu.ec2(&provider, REGION);
    let p_elb = emu.elbv2(&provider, REGION);
    let c_ec2 = emu.ec2(&consumer, REGION);
    let o_ec2 = emu.ec2(&outsider, REGION);

    // 1. The NLB in two default subnets of the provider (us-east-1a, us-east-1c).
    let p_vpc = default_vpc(&p_ec2).await;
    let p_subnets = default_subnets(&p_ec2).await;
    let (sa, sc) = (&p_subnets["us-east-1a"], &p_subnets["us-east-1c"]);
    let created = create_nlb(&p_elb, &provider, "nlb-vpce", &[sa.as_str(), sc.as_str()]).await;
    let nlb_arn = created
        .load_balancer_arn()
        .expect("LoadBalancerArn")
        .to_string();
    assert_eq!(created.vpc_id(), Some(p_vpc.as_str()));
    let zones: Vec<(Option<&str>, Option<&str>)> = created
        .availability_zones()
        .iter()
        .map(|z| (z.zone_name(), z.subnet_id()))
        .collect();
    assert_eq!(
        zones,
        vec![
            (Some("us-east-1a"), Some(sa.as_str())),
            (Some("us-east-1c"), Some(sc.as_str())),
        ]
    );
    let dns = created.dns_name().unwrap_or_default();
    let mid = dns
        .strip_prefix("nlb-vpce-")
        .and_then(|r| r.strip_suffix(&format!(".elb.{REGION}.amazonaws.com")))
        .unwrap_or_else(|| panic!("NLB DNS name {dns:?}"));
    assert!(is_hex(mid, 16), "NLB DNS name {dns:?}");
    // Default pace: active on the next request.
    let lb = describe_nlb(&p_elb, &nlb_arn).await;
    assert_eq!(lb_state(&lb), "active", "{lb:?}");

    // 2. The endpoint service, acceptance required.
    let svc = create_service(&p_ec2, &nlb_arn, Some(true), &["us-east-1a", "us-east-1c"]).await;
    let svc_id = svc.service_id().expect("serviceId").to_string();
    let svc_name = svc.service_name().expect("serviceName").to_string();
    let listed = p_ec2
        .describe_vpc_endpoint_service_configurations()
        .service_ids(&svc_id)
        .send()
        .await
        .expect("DescribeVpcEndpointServiceConfigurations");
    let configs = listed.service_configurations();
    assert_eq!(configs.len(), 1, "{configs:?}");
    assert_eq!(configs[0].service_name(), Some(svc_name.as_str()));
    assert_eq!(configs[0].acceptance_required(), Some(true));
    assert_eq!(
        configs[0].network_load_balancer_arns(),
        std::slice::from_ref(&nlb_arn)
    );
    // The owner sees its own service in the consumer catalogue.
    let own = service_detail(&p_ec2, &svc_name).await;
    assert_eq!(own.owner(), Some(provider.as_str()));

    // Before any permission, the consumer cannot see it.
    let err = c_ec2
        .describe_vpc_endpoint_services()
        .service_names(&svc_name)
        .send()
        .await
        .expect_err("consumer before being allowed");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidServiceName"),
        "{err:?}"
    );

    // 3. Allow the consumer account.
    let consumer_root = root(&consumer);
    let (kind, perm_id) = allow(&p_ec2, &svc_id, &consumer_root).await;
    assert_eq!(kind, "Account");
    assert!(
        is_id(&perm_id, "vpce-svc-perm"),
        "permission id {perm_id:?}"
    );
    let perms = p_ec2
        .describe_vpc_endpoint_service_permissions()
        .service_id(&svc_id)
        .send()
        .await
        .expect("DescribeVpcEndpointServicePermissions");
    let allowed: Vec<(Option<&str>, Option<&str>)> = perms
        .allowed_principals()
        .iter()
        .map(|p| (p.principal_type().map(|t| t.as_str()), p.principal()))
        .collect();
    assert_eq!(
        allowed,
        vec![(Some("Account"), Some(consumer_root.as_str()))]
    );

    // 4. The consumer sees the service and connects from its default VPC.
    let d = service_detail(&c_ec2, &svc_name).await;
    assert_eq!(d.owner(), Some(provider.as_str()));
    assert_eq!(d.service_id(), Some(svc_id.as_str()));
    assert_eq!(d.acceptance_required(), Some(true));
    assert_eq!(d.availability_zones(), &["us-east-1a", "us-east-1c"]);
    assert_eq!(
        d.base_endpoint_dns_names(),
        &[format!("{svc_id}.{REGION}.vpce.amazonaws.com")]
    );
    assert_eq!(d.manages_vpc_endpoints(), Some(false));
    let c_vpc = default_vpc(&c_ec2).await;
    let c_subnets = default_subnets(&c_ec2).await;
    let c_subnet = c_subnets["us-east-1c"].clone();
    let ep = create_endpoint(&c_ec2, &c_vpc, &svc_name, &c_subnet).await;
    let ep_id = id_of(&ep);
    assert_eq!(
        ep.state().map(|s| s.as_str()),
        Some("pendingAcceptance"),
        "{ep:?}"
    );
    assert_eq!(ep.owner_id(), Some(consumer.as_str()));
    // It waits for the provider, whatever the clock does.
    let again = describe_endpoint(&c_ec2, &ep_id).await;
    assert_eq!(state(&again), "pendingAcceptance", "{again:?}");

    // 5. The outsider is told the service does not exist.
    let message = format!("The Vpc Endpoint Service '{svc_name}' does not exist");
    let err = o_ec2
        .describe_vpc_endpoint_services()
        .service_names(&svc_name)
        .send()
        .await
        .expect_err("outsider describing the service");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidServiceName"),
        "{err:?}"
    );
    assert_eq!(err.message(), Some(message.as_str()));
    let o_vpc = default_vpc(&o_ec2).await;
    let o_subnet = default_subnets(&o_ec2).await["us-east-1c"].clone();
    let err = interface_to(&o_ec2, &o_vpc, &svc_name, &o_subnet)
        .send()
        .await
        .expect_err("outsider connecting to the service");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidServiceName"),
        "{err:?}"
    );
    assert_eq!(err.message(), Some(message.as_str()));
    let o_eps = o_ec2
        .describe_vpc_endpoints()
        .send()
        .await
        .expect("DescribeVpcEndpoints outsider");
    assert!(o_eps.vpc_endpoints().is_empty(), "{o_eps:?}");

    // 6. The provider sees the pending connection.
    let pending = connections(
        &p_ec2,
        vec![filter("vpc-endpoint-state", &["pendingAcceptance"])],
    )
    .await;
    assert_eq!(pending.len(), 1, "{pending:?}");
    let c = &pending[0];
    assert_eq!(c.vpc_endpoint_id(), Some(ep_id.as_str()));
    assert_eq!(c.service_id(), Some(svc_id.as_str()));
    assert_eq!(c.vpc_endpoint_owner(), Some(consumer.as_str()));
    assert_eq!(conn_state(c), "pendingAcceptance");
    let con_id = c.vpc_endpoint_connection_id().unwrap_or_default();
    assert!(is_id(con_id, "vpce-con"), "connection id {con_id:?}");
    assert_eq!(
        c.network_load_balancer_arns(),
        std::slice::from_ref(&nlb_arn)
    );
    // The consumer has no service, hence no connections.
    let none = connections(&c_ec2, vec![]).await;
    assert!(none.is_empty(), "{none:?}");

    // 7. Accept it, together with an unknown endpoint.
    let out = p_ec2
        .accept_vpc_endpoint_connections()
        .service_id(&svc_id)
        .vpc_endpoint_ids(&ep_id)
        .vpc_endpoint_ids(UNKNOWN_ENDPOINT)
        .send()
        .await
        .expect("AcceptVpcEndpointConnections");
    assert_eq!(
        failures(out.unsuccessful()),
        vec![(UNKNOWN_ENDPOINT, "InvalidVpcEndpoint.NotFound")]
    );
    let e = describe_endpoint(&c_ec2, &ep_id).await;
    assert_eq!(state(&e), "available", "{e:?}");
    assert_custom_dns(&e, &svc_id, &["us-east-1c"]);
    assert_eq!(e.network_interface_ids().len(), 1, "{e:?}");
    assert_eq!(
        connection_states(&p_ec2, &svc_id).await,
        BTreeMap::from([(ep_id.clone(), "available".to_string())])
    );

    // 8. A second consumer endpoint, from another VPC in the same AZ, rejected.
    let vpc2 = create_vpc(&c_ec2, "10.20.0.0/16").await;
    let subnet2 = create_subnet(&c_ec2, &vpc2, "10.20.1.0/24", "us-east-1c").await;
    let ep2 = create_endpoint(&c_ec2, &vpc2, &svc_name, &subnet2).await;
    let ep2_id = id_of(&ep2);
    assert_ne!(ep2_id, ep_id);
    assert_eq!(state(&ep2), "pendingAcceptance", "{ep2:?}");
    let out = p_ec2
        .reject_vpc_endpoint_connections()
        .service_id(&svc_id)
        .vpc_endpoint_ids(&ep2_id)
        .send()
        .await
        .expect("RejectVpcEndpointConnections");
    assert!(out.unsuccessful().is_empty(), "{:?}", out.unsuccessful());
    let e2 = describe_endpoint(&c_ec2, &ep2_id).await;
    assert_eq!(state(&e2), "rejected", "{e2:?}");
    let out = p_ec2
        .accept_vpc_endpoint_connections()
        .service_id(&svc_id)
        .vpc_endpoint_ids(&ep2_id)
        .send()
        .await
        .expect("AcceptVpcEndpointConnections of a rejected endpoint");
    assert_eq!(
        failures(out.unsuccessful()),
        vec![(ep2_id.as_str(), "InvalidVpcEndpointState")]
    );
    assert_eq!(state(&describe_endpoint(&c_ec2, &ep2_id).await), "rejected");
    assert_eq!(
        connection_states(&p_ec2, &svc_id).await,
        BTreeMap::from([
            (ep_id.clone(), "available".to_string()),
            (ep2_id.clone(), "rejected".to_string()),
        ])
    );

    // 9. What is in use cannot be deleted.
    let out = p_ec2
        .delete_vpc_endpoint_service_configurations()
        .service_ids(&svc_id)
        .send()
        .await
        .expect("DeleteVpcEndpointServiceConfigurations with a live connection");
    assert_eq!(
        failures(out.unsuccessful()),
        vec![(svc_id.as_str(), "ExistingVpcEndpointConnections")]
    );
    assert_eq!(
        out.unsuccessful()[0].error().and_then(|e| e.message()),
        Some("Service has existing active VPC Endpoint connections!")
    );
    let err = p_elb
        .delete_load_balancer()
        .load_balancer_arn(&nlb_arn)
        .send()
        .await
        .expect_err("DeleteLoadBalancer of the service's NLB");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("ResourceInUse"),
        "{err:?}"
    );
    assert_eq!(
        err.message(),
        Some(
            format!(
                "Load balancer '{nlb_arn}' cannot be deleted because it is currently \
                 associated with another service"
            )
            .as_str()
        )
    );
    assert_eq!(lb_state(&describe_nlb(&p_elb, &nlb_arn).await), "active");
    assert_eq!(
        service_detail(&c_ec2, &svc_name).await.owner(),
        Some(provider.as_str())
    );

    // 10. Teardown: consumer endpoints, then the service, then the NLB.
    let out = c_ec2
        .delete_vpc_endpoints()
        .vpc_endpoint_ids(&ep_id)
        .vpc_endpoint_ids(&ep2_id)
        .send()
        .await
        .expect("DeleteVpcEndpoints (consumer)");
    assert!(out.unsuccessful().is_empty(), "{:?}", out.unsuccessful());
    let live = connections(
        &p_ec2,
        vec![filter(
            "vpc-endpoint-state",
            &["available", "pendingAcceptance"],
        )],
    )
    .await;
    assert!(live.is_empty(), "no live connection left: {live:?}");
    let out = p_ec2
        .delete_vpc_endpoint_service_configurations()
        .service_ids(&svc_id)
        .send()
        .await
        .expect("DeleteVpcEndpointServiceConfigurations");
    assert!(out.unsuccessful().is_empty(), "{:?}", out.unsuccessful());
    let err = p_ec2
        .describe_vpc_endpoint_service_configurations()
        .service_ids(&svc_id)
        .send()
        .await
        .expect_err("deleted service configuration");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidVpcEndpointServiceId.NotFound"),
        "{err:?}"
    );
    let err = c_ec2
        .describe_vpc_endpoint_services()
        .service_names(&svc_name)
        .send()
        .await
        .expect_err("deleted service in the consumer catalogue");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidServiceName"),
        "{err:?}"
    );
    p_elb
        .delete_load_balancer()
        .load_balancer_arn(&nlb_arn)
        .send()
        .await
        .expect("DeleteLoadBalancer once the service is gone");
    let err = p_elb
        .describe_load_balancers()
        .load_balancer_arns(&nlb_arn)
        .send()
        .await
        .expect_err("deleted NLB");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("LoadBalancerNotFound"),
        "{err:?}"
    );
}

/// Without `AcceptanceRequired` connections are accepted by themselves; `*`
/// lets every account in; rejecting a live connection is allowed and frees
/// the service and the NLB for deletion (§7.4, §8.6, §8.9, §8.10, §8.14).
#[tokio::test]
async fn auto_accept_wildcard_and_rejecting_a_live_connection() {
    let emu = Emulator::shared();
    let provider = random_account();
    let consumer = random_account();
    let p_ec2 = emu.ec2(&provider, REGION);
    let p_elb = emu.elbv2(&provider, REGION);
    let c_ec2 = emu.ec2(&consumer, REGION);

    let p_subnets = default_subnets(&p_ec2).await;
    let lb = create_nlb(
        &p_elb,
        &provider,
        "auto-nlb",
        &[p_subnets["us-east-1b"].as_str()],
    )
    .await;
    let nlb_arn = lb.load_balancer_arn().expect("arn").to_string();
    let svc = create_service(&p_ec2, &nlb_arn, None, &["us-east-1b"]).await;
    let svc_id = svc.service_id().expect("serviceId").to_string();
    let svc_name = svc.service_name().expect("serviceName").to_string();

    let (kind, perm_id) = allow(&p_ec2, &svc_id, "*").await;
    assert_eq!(kind, "All");
    assert!(
        is_id(&perm_id, "vpce-svc-perm"),
        "permission id {perm_id:?}"
    );

    let d = service_detail(&c_ec2, &svc_name).await;
    assert_eq!(d.acceptance_required(), Some(false));
    assert_eq!(d.owner(), Some(provider.as_str()));
    let c_vpc = default_vpc(&c_ec2).await;
    let c_subnet = default_subnets(&c_ec2).await["us-east-1b"].clone();
    let ep = create_endpoint(&c_ec2, &c_vpc, &svc_name, &c_subnet).await;
    let ep_id = id_of(&ep);
    assert_eq!(state(&ep), "pending", "{ep:?}");
    let e = describe_endpoint(&c_ec2, &ep_id).await;
    assert_eq!(state(&e), "available", "{e:?}");
    assert_custom_dns(&e, &svc_id, &["us-east-1b"]);

    let conns = connections(
        &p_ec2,
        vec![filter("vpc-endpoint-owner", &[consumer.as_str()])],
    )
    .await;
    assert_eq!(conns.len(), 1, "{conns:?}");
    assert_eq!(conns[0].vpc_endpoint_id(), Some(ep_id.as_str()));
    assert_eq!(conn_state(&conns[0]), "available");

    // The provider cuts the live connection.
    let out = p_ec2
        .reject_vpc_endpoint_connections()
        .service_id(&svc_id)
        .vpc_endpoint_ids(&ep_id)
        .send()
        .await
        .expect("RejectVpcEndpointConnections of an available endpoint");
    assert!(out.unsuccessful().is_empty(), "{:?}", out.unsuccessful());
    assert_eq!(state(&describe_endpoint(&c_ec2, &ep_id).await), "rejected");
    assert_eq!(
        connection_states(&p_ec2, &svc_id).await,
        BTreeMap::from([(ep_id.clone(), "rejected".to_string())])
    );

    // A rejected connection blocks neither the service nor the NLB.
    let out = p_ec2
        .delete_vpc_endpoint_service_configurations()
        .service_ids(&svc_id)
        .send()
        .await
        .expect("DeleteVpcEndpointServiceConfigurations");
    assert!(out.unsuccessful().is_empty(), "{:?}", out.unsuccessful());
    p_elb
        .delete_load_balancer()
        .load_balancer_arn(&nlb_arn)
        .send()
        .await
        .expect("DeleteLoadBalancer after the service");
}

/// Only the owner manages a service: another account, even an allowed one,
/// gets NotFound for it; unknown ids answer with their codes; a service needs
/// an unused NLB of the caller's own (§8.6-8.14).
#[tokio::test]
async fn only_the_owner_manages_its_service() {
    let emu = Emulator::shared();
    let provider = random_account();
    let consumer = random_account();
    let p_ec2 = emu.ec2(&provider, REGION);
    let p_elb = emu.elbv2(&provider, REGION);
    let c_ec2 = emu.ec2(&consumer, REGION);

    let p_subnets = default_subnets(&p_ec2).await;
    let lb = create_nlb(
        &p_elb,
        &provider,
        "owned-nlb",
        &[p_subnets["us-east-1d"].as_str()],
    )
    .await;
    let nlb_arn = lb.load_balancer_arn().expect("arn").to_string();
    let svc = create_service(&p_ec2, &nlb_arn, Some(true), &["us-east-1d"]).await;
    let svc_id = svc.service_id().expect("serviceId").to_string();
    let svc_name = svc.service_name().expect("serviceName").to_string();
    allow(&p_ec2, &svc_id, &root(&consumer)).await;
    let c_vpc = default_vpc(&c_ec2).await;
    let c_subnet = default_subnets(&c_ec2).await["us-east-1d"].clone();
    let ep = create_endpoint(&c_ec2, &c_vpc, &svc_name, &c_subnet).await;
    let ep_id = id_of(&ep);
    assert_eq!(state(&ep), "pendingAcceptance", "{ep:?}");

    for (who, ec2, id) in [
        (
            "consumer on the provider's service",
            &c_ec2,
            svc_id.as_str(),
        ),
        ("provider on an unknown service", &p_ec2, UNKNOWN_SERVICE),
    ] {
        let err = ec2
            .accept_vpc_endpoint_connections()
            .service_id(id)
            .vpc_endpoint_ids(&ep_id)
            .send()
            .await
            .expect_err(who);
        assert_eq!(
            error_code(&err).as_deref(),
            Some("InvalidVpcEndpointServiceId.NotFound"),
            "accept, {who}: {err:?}"
        );
        let err = ec2
            .reject_vpc_endpoint_connections()
            .service_id(id)
            .vpc_endpoint_ids(&ep_id)
            .send()
            .await
            .expect_err(who);
        assert_eq!(
            error_code(&err).as_deref(),
            Some("InvalidVpcEndpointServiceId.NotFound"),
            "reject, {who}: {err:?}"
        );
        let err = ec2
            .modify_vpc_endpoint_service_permissions()
            .service_id(id)
            .add_allowed_principals("*")
            .send()
            .await
            .expect_err(who);
        assert_eq!(
            error_code(&err).as_deref(),
            Some("InvalidVpcEndpointServiceId.NotFound"),
            "permissions, {who}: {err:?}"
        );
        let err = ec2
            .describe_vpc_endpoint_service_configurations()
            .service_ids(id)
            .send()
            .await
            .expect_err(who);
        assert_eq!(
            error_code(&err).as_deref(),
            Some("InvalidVpcEndpointServiceId.NotFound"),
            "describe configurations, {who}: {err:?}"
        );
        assert_eq!(
            err.message(),
            Some(format!("The VpcEndpointService Id '{id}' does not exist").as_str())
        );
        let out = ec2
            .delete_vpc_endpoint_service_configurations()
            .service_ids(id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("delete configurations, {who}: {e:?}"));
        assert_eq!(
            failures(out.unsuccessful()),
            vec![(id, "InvalidVpcEndpointService.NotFound")],
            "{who}"
        );
    }

    // Nothing changed: the service, its permission and the pending endpoint.
    assert_eq!(
        state(&describe_endpoint(&c_ec2, &ep_id).await),
        "pendingAcceptance"
    );
    let perms = p_ec2
        .describe_vpc_endpoint_service_permissions()
        .service_id(&svc_id)
        .send()
        .await
        .expect("DescribeVpcEndpointServicePermissions");
    let principals: Vec<&str> = perms
        .allowed_principals()
        .iter()
        .filter_map(|p| p.principal())
        .collect();
    assert_eq!(principals, vec![root(&consumer).as_str()]);
    let mine = p_ec2
        .describe_vpc_endpoint_service_configurations()
        .send()
        .await
        .expect("DescribeVpcEndpointServiceConfigurations");
    let ids: Vec<&str> = mine
        .service_configurations()
        .iter()
        .filter_map(|c| c.service_id())
        .collect();
    assert_eq!(ids, vec![svc_id.as_str()]);
    // The consumer owns no service configuration.
    let theirs = c_ec2
        .describe_vpc_endpoint_service_configurations()
        .send()
        .await
        .expect("DescribeVpcEndpointServiceConfigurations (consumer)");
    assert!(theirs.service_configurations().is_empty(), "{theirs:?}");

    // An NLB serves one endpoint service only.
    let err = p_ec2
        .create_vpc_endpoint_service_configuration()
        .network_load_balancer_arns(&nlb_arn)
        .send()
        .await
        .expect_err("a second service on the same NLB");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidParameter"),
        "{err:?}"
    );
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
    // A load balancer that does not exist.
    let missing = format!(
        "arn:aws:elasticloadbalancing:{REGION}:{provider}:loadbalancer/net/missing/0123456789abcdef"
    );
    let err = p_ec2
        .create_vpc_endpoint_service_configuration()
        .network_load_balancer_arns(&missing)
        .send()
        .await
        .expect_err("a service on an unknown NLB");
    let code = error_code(&err).unwrap_or_default();
    assert!(
        code == "InvalidParameter" || code == "InvalidNetworkLoadBalancerArn.NotFound",
        "{err:?}"
    );
    // Another account's NLB is not the caller's to use.
    let err = c_ec2
        .create_vpc_endpoint_service_configuration()
        .network_load_balancer_arns(&nlb_arn)
        .send()
        .await
        .expect_err("a service on another account's NLB");
    let code = error_code(&err).unwrap_or_default();
    assert!(
        code == "InvalidParameter" || code == "InvalidNetworkLoadBalancerArn.NotFound",
        "{err:?}"
    );
    let mine = p_ec2
        .describe_vpc_endpoint_service_configurations()
        .send()
        .await
        .expect("DescribeVpcEndpointServiceConfigurations");
    assert_eq!(mine.service_configurations().len(), 1);
    // The consumer's attempt created nothing either.
    let theirs = c_ec2
        .describe_vpc_endpoint_service_configurations()
        .send()
        .await
        .expect("DescribeVpcEndpointServiceConfigurations (consumer)");
    assert!(theirs.service_configurations().is_empty(), "{theirs:?}");
}

/// Consumers may use only the service's AZs; removing a permission hides
/// the service from new requests but keeps existing connections (§8.1, §8.10).
#[tokio::test]
async fn zones_and_removed_permissions() {
    let emu = Emulator::shared();
    let provider = random_account();
    let consumer = random_account();
    let p_ec2 = emu.ec2(&provider, REGION);
    let p_elb = emu.elbv2(&provider, REGION);
    let c_ec2 = emu.ec2(&consumer, REGION);

    let p_subnets = default_subnets(&p_ec2).await;
    let lb = create_nlb(
        &p_elb,
        &provider,
        "zonal-nlb",
        &[p_subnets["us-east-1e"].as_str()],
    )
    .await;
    let nlb_arn = lb.load_balancer_arn().expect("arn").to_string();
    let svc = create_service(&p_ec2, &nlb_arn, Some(false), &["us-east-1e"]).await;
    let svc_id = svc.service_id().expect("serviceId").to_string();
    let svc_name = svc.service_name().expect("serviceName").to_string();
    let consumer_root = root(&consumer);
    allow(&p_ec2, &svc_id, &consumer_root).await;

    let c_vpc = default_vpc(&c_ec2).await;
    let c_subnets = default_subnets(&c_ec2).await;

    // A subnet in an AZ the NLB is not in.
    let outside = c_subnets["us-east-1a"].clone();
    let err = interface_to(&c_ec2, &c_vpc, &svc_name, &outside)
        .send()
        .await
        .expect_err("endpoint in an AZ the service does not offer");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidParameter"),
        "{err:?}"
    );
    assert_eq!(
        err.message(),
        Some(
            format!(
                "The VPC endpoint service {svc_name} does not support the availability \
                 zone of the subnet: {outside}."
            )
            .as_str()
        )
    );

    let ep = create_endpoint(&c_ec2, &c_vpc, &svc_name, &c_subnets["us-east-1e"]).await;
    let ep_id = id_of(&ep);
    assert_eq!(state(&describe_endpoint(&c_ec2, &ep_id).await), "available");

    // Remove the consumer's permission.
    let out = p_ec2
        .modify_vpc_endpoint_service_permissions()
        .service_id(&svc_id)
        .remove_allowed_principals(&consumer_root)
        .send()
        .await
        .expect("ModifyVpcEndpointServicePermissions remove");
    assert_eq!(out.return_value(), Some(true));
    assert!(out.added_principals().is_empty(), "{out:?}");
    let perms = p_ec2
        .describe_vpc_endpoint_service_permissions()
        .service_id(&svc_id)
        .send()
        .await
        .expect("DescribeVpcEndpointServicePermissions");
    assert!(perms.allowed_principals().is_empty(), "{perms:?}");

    // New requests no longer see the service ...
    let err = c_ec2
        .describe_vpc_endpoint_services()
        .service_names(&svc_name)
        .send()
        .await
        .expect_err("describe after the permission is removed");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidServiceName"),
        "{err:?}"
    );
    let vpc2 = create_vpc(&c_ec2, "10.30.0.0/16").await;
    let subnet2 = create_subnet(&c_ec2, &vpc2, "10.30.1.0/24", "us-east-1e").await;
    let err = interface_to(&c_ec2, &vpc2, &svc_name, &subnet2)
        .send()
        .await
        .expect_err("connect after the permission is removed");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidServiceName"),
        "{err:?}"
    );

    // ... but the existing connection stays.
    assert_eq!(state(&describe_endpoint(&c_ec2, &ep_id).await), "available");
    assert_eq!(
        connection_states(&p_ec2, &svc_id).await,
        BTreeMap::from([(ep_id.clone(), "available".to_string())])
    );
}
