//! Tests of the generated codecs against hand-written wire samples.

use crate::model::{ec2, ecs, elbv2};
use crate::wire::{QueryInput, WireError};

fn ec2_decode(body: &str) -> Result<ec2::Request, WireError> {
    let q = QueryInput::parse(body.as_bytes(), None);
    ec2::decode(q.action().unwrap(), &q).expect("known operation")
}

#[test]
fn ec2_lists_nested_structures_and_renamed_members_decode() {
    let r = ec2_decode(
        "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16&DryRun=false\
         &TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=Name\
         &TagSpecification.1.Tag.1.Value=app&TagSpecification.1.Tag.2.Key=env&TagSpecification.1.Tag.2.Value=",
    )
    .unwrap();
    let ec2::Request::CreateVpc(v) = r else {
        panic!("{r:?}")
    };
    assert_eq!(v.cidr_block.as_deref(), Some("10.0.0.0/16"));
    assert_eq!(v.dry_run, Some(false));
    let spec = &v.tag_specifications.unwrap()[0];
    assert_eq!(spec.resource_type.as_deref(), Some("vpc"));
    let tags = spec.tags.as_ref().unwrap();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags[1].value.as_deref(), Some(""));
}

#[test]
fn ec2_required_enum_and_range_checks_name_the_key() {
    assert_eq!(
        ec2_decode("Action=DeleteVpc&Version=2016-11-15").unwrap_err(),
        WireError::Missing("VpcId".into())
    );
    match ec2_decode(
        "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0/16&InstanceTenancy=shared",
    ) {
        Err(WireError::Invalid { key, value, .. }) => {
            assert_eq!(
                (key.as_str(), value.as_str()),
                ("InstanceTenancy", "shared")
            )
        }
        other => panic!("{other:?}"),
    }
    match ec2_decode("Action=DescribeVpcs&Version=2016-11-15&MaxResults=4") {
        Err(WireError::Invalid { key, .. }) => assert_eq!(key, "MaxResults"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ec2_decode("Action=CreateTags&Version=2016-11-15&Tag.1.Key=k").unwrap_err(),
        WireError::Missing("ResourceId".into())
    );
}

#[test]
fn ec2_response_uses_location_names_items_and_request_id() {
    let out = ec2::Response::DescribeVpcs(ec2::DescribeVpcsResult {
        vpcs: Some(vec![ec2::Vpc {
            vpc_id: Some("vpc-1".into()),
            tags: Some(vec![]),
            is_default: Some(true),
            ..Default::default()
        }]),
        next_token: None,
    });
    let xml = String::from_utf8(out.encode("rid")).unwrap();
    assert!(xml.contains(
        "<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>rid</requestId><vpcSet><item>"
    ), "{xml}");
    assert!(xml.contains("<tagSet></tagSet>"), "{xml}");
    assert!(
        xml.contains("<vpcId>vpc-1</vpcId>") && xml.contains("<isDefault>true</isDefault>"),
        "{xml}"
    );
    let del = String::from_utf8(ec2::Response::DeleteVpc.encode("r")).unwrap();
    assert!(
        del.contains("<return>true</return></DeleteVpcResponse>"),
        "{del}"
    );
}

#[test]
fn query_protocol_uses_member_lists_and_result_wrapper() {
    let q = QueryInput::parse(
        b"Action=CreateLoadBalancer&Version=2015-12-01&Name=nlb&Type=network\
          &Subnets.member.1=subnet-a&Subnets.member.2=subnet-b&Tags.member.1.Key=k&Tags.member.1.Value=v&SecurityGroups=",
        None,
    );
    let elbv2::Request::CreateLoadBalancer(r) =
        elbv2::decode("CreateLoadBalancer", &q).unwrap().unwrap()
    else {
        panic!()
    };
    assert_eq!(
        r.subnets.unwrap(),
        vec!["subnet-a".to_string(), "subnet-b".to_string()]
    );
    assert_eq!(r.tags.unwrap()[0].key.as_deref(), Some("k"));
    assert_eq!(
        r.security_groups,
        Some(vec![]),
        "an empty list is the bare key"
    );
    let out = elbv2::Response::DescribeLoadBalancers(elbv2::DescribeLoadBalancersOutput {
        load_balancers: Some(vec![elbv2::LoadBalancer {
            load_balancer_name: Some("nlb".into()),
            ..Default::default()
        }]),
        next_marker: None,
    });
    let xml = String::from_utf8(out.encode("rid")).unwrap();
    assert!(xml.contains("<DescribeLoadBalancersResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><DescribeLoadBalancersResult><LoadBalancers><member><LoadBalancerName>nlb</LoadBalancerName></member></LoadBalancers></DescribeLoadBalancersResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata>"), "{xml}");
}

#[test]
fn json_protocol_decodes_validates_and_omits_absent_members() {
    let ecs::Request::CreateCluster(c) = ecs::decode(
        "CreateCluster",
        br#"{"clusterName":"app","tags":[{"key":"a","value":"b"}],"unknownField":1}"#,
    )
    .unwrap()
    .unwrap() else {
        panic!()
    };
    assert_eq!(c.cluster_name.as_deref(), Some("app"));
    assert!(matches!(
        ecs::decode("CreateCluster", b"{\"clusterName\": 5}").unwrap(),
        Err(WireError::Malformed(_))
    ));
    assert!(matches!(
        ecs::decode("CreateCluster", b"").unwrap(),
        Ok(ecs::Request::CreateCluster(_))
    ));
    let out = ecs::Response::ListClusters(ecs::ListClustersResponse {
        cluster_arns: Some(vec!["arn".into()]),
        next_token: None,
    });
    assert_eq!(
        String::from_utf8(out.encode()).unwrap(),
        r#"{"clusterArns":["arn"]}"#
    );
}
