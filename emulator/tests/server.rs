//! The real server on a real socket, driven with raw HTTP: concurrency,
//! protocol errors and shutdown. (The SDK suites live in `sdk-tests/`.)

use std::sync::Arc;

use awsemu::services::World;
use awsemu::world::WorldConfig;

mod support;

/// A fresh awsemu on a free port (`support::Running`), with the requests
/// these tests send.
struct Server(support::Running);

impl Server {
    fn start() -> Server {
        Server(support::Running::start(World::new(WorldConfig::default())))
    }

    /// One request on its own connection; returns (status, body).
    fn post(&self, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
        let mut head = format!(
            "POST / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        self.0.exchange(&head, body)
    }

    fn ec2(&self, account: &str, query: &str) -> (u16, String) {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={account}/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0"
        );
        self.post(
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Authorization", &auth),
            ],
            format!("Version=2016-11-15&{query}").as_bytes(),
        )
    }
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let end = s[start..].find(close)? + start;
    Some(&s[start..end])
}

#[test]
fn concurrent_creates_of_one_cidr_yield_exactly_one_subnet() {
    let server = Arc::new(Server::start());
    let (status, body) = server.ec2("123456789012", "Action=CreateVpc&CidrBlock=10.1.0.0/16");
    assert_eq!(status, 200, "{body}");
    let vpc = between(&body, "<vpcId>", "</vpcId>").unwrap().to_string();

    // 32 callers race for 8 CIDRs: the lock must let exactly one win each.
    let handles: Vec<_> = (0..32)
        .map(|i| {
            let server = server.clone();
            let vpc = vpc.clone();
            std::thread::spawn(move || {
                server.ec2(
                    "123456789012",
                    &format!(
                        "Action=CreateSubnet&VpcId={vpc}&CidrBlock=10.1.{}.0/24&AvailabilityZone=us-east-1a",
                        i % 8
                    ),
                )
            })
        })
        .collect();
    let results: Vec<(u16, String)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ok = results.iter().filter(|(s, _)| *s == 200).count();
    let conflicts = results
        .iter()
        .filter(|(s, b)| *s == 400 && b.contains("<Code>InvalidSubnet.Conflict</Code>"))
        .count();
    assert_eq!((ok, conflicts), (8, 24));

    let (_, body) = server.ec2(
        "123456789012",
        &format!("Action=DescribeSubnets&Filter.1.Name=vpc-id&Filter.1.Value.1={vpc}"),
    );
    assert_eq!(body.matches("<subnetId>").count(), 8, "{body}");
}

#[test]
fn protocol_errors_are_well_formed_and_never_5xx() {
    let server = Server::start();
    let (status, body) = server.post(&[], b"Action=NoSuchThing&Version=2016-11-15");
    assert_eq!(status, 400);
    assert!(
        body.contains("<Response><Errors><Error><Code>InvalidAction</Code>"),
        "{body}"
    );
    assert!(body.contains("<RequestID>"), "{body}");

    let (status, body) = server.post(&[], b"Action=NoSuchThing&Version=2015-12-01");
    assert_eq!(status, 400);
    assert!(
        body.contains("<ErrorResponse") && body.contains("<Code>InvalidAction</Code>"),
        "{body}"
    );

    let (status, body) = server.post(
        &[(
            "X-Amz-Target",
            "AmazonEC2ContainerServiceV20141113.NoSuchOp",
        )],
        b"{}",
    );
    assert_eq!(status, 400);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["__type"], "UnknownOperationException");

    let (status, body) = server.post(
        &[(
            "X-Amz-Target",
            "AmazonEC2ContainerServiceV20141113.ListClusters",
        )],
        b"{not json",
    );
    assert_eq!(status, 400);
    assert!(body.contains("SerializationException"), "{body}");

    let (status, body) = server.post(&[], b"Action=DescribeVpcs&Version=1999-01-01");
    assert_eq!(status, 400);
    assert!(body.contains("<Code>NoSuchVersion</Code>"), "{body}");

    let big = vec![b'a'; 2 * 1024 * 1024];
    let (status, _) = server.post(&[], &big);
    assert_eq!(status, 413);

    // Still serving after all that.
    let (status, body) = server.ec2("123456789012", "Action=DescribeVpcs");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<isDefault>true</isDefault>"), "{body}");
}

#[test]
fn a_failed_call_leaves_no_trace() {
    let server = Server::start();
    // Invalid tag specification after a valid CIDR: nothing may be created.
    let (status, body) = server.ec2(
        "210987654321",
        "Action=CreateVpc&CidrBlock=10.9.0.0/16&TagSpecification.1.ResourceType=subnet&TagSpecification.1.Tag.1.Key=a&TagSpecification.1.Tag.1.Value=b",
    );
    assert_eq!(status, 400, "{body}");
    let (_, body) = server.ec2("210987654321", "Action=DescribeVpcs");
    assert_eq!(
        body.matches("<vpcId>").count(),
        1,
        "only the default VPC: {body}"
    );
    let (_, body) = server.ec2("210987654321", "Action=DescribeSecurityGroups");
    assert_eq!(
        body.matches("<groupName>").count(),
        1,
        "only the default group: {body}"
    );
}
