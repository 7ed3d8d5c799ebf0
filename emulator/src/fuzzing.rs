//! The entry points of the fuzz targets (`emulator/fuzz`, cargo-fuzz on
//! nightly) and of their replay on stable (`tests/fuzz_regressions.rs`, every
//! committed seed and finding): each takes arbitrary bytes and must answer
//! without panicking, whatever they are. Not an API.

use std::collections::HashMap;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use hyper::header::{HeaderName, HeaderValue};
use hyper::HeaderMap;

use crate::model;
use crate::services::ec2::query::{glob, Filters};
use crate::services::ec2::tags::Tags;
use crate::services::World;
use crate::wire::{identity, sigv4, QueryInput};
use crate::world::WorldConfig;

/// An operation of `ops` picked by the bytes, for inputs that name none.
fn pick<'a>(ops: &[&'a str], data: &[u8]) -> &'a str {
    let h = data.iter().fold(data.len(), |h, &b| {
        h.wrapping_mul(31).wrapping_add(b as usize)
    });
    ops[h % ops.len()]
}

/// The first line (without its `\n`) and the rest.
fn line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// `query_form`: a form body of the `ec2` and `query` protocols (after a line
/// `?<query string>` when the input starts with `?`), decoded as its
/// `Action` by whichever of EC2, ELBv2 and STS knows it, and as an EC2 and
/// an ELBv2 operation picked by the bytes.
pub fn query_form(data: &[u8]) {
    let (body, query) = match data.strip_prefix(b"?") {
        Some(rest) => {
            let (q, body) = line(rest);
            (body, Some(String::from_utf8_lossy(q).into_owned()))
        }
        None => (data, None),
    };
    let q = QueryInput::parse(body, query.as_deref());
    if let Some(action) = q.action() {
        let _ = model::ec2::decode(action, &q);
        let _ = model::elbv2::decode(action, &q);
        let _ = model::sts::decode(action, &q);
    }
    let _ = model::ec2::decode(pick(model::ec2::OPERATIONS, data), &q);
    let _ = model::elbv2::decode(pick(model::elbv2::OPERATIONS, data), &q);
}

/// `json_ecs`: `<Operation>\n<JSON body>` (the operation of
/// `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>`), or, when
/// the first line is no ECS operation, the whole input as the body of an
/// operation picked by the bytes.
pub fn json_ecs(data: &[u8]) {
    let (first, rest) = line(data);
    let named = std::str::from_utf8(first)
        .ok()
        .and_then(|op| model::ecs::OPERATIONS.iter().find(|o| **o == op.trim()));
    match named {
        Some(op) => {
            let _ = model::ecs::decode(op, rest);
        }
        None => {
            let _ = model::ecs::decode(pick(model::ecs::OPERATIONS, data), data);
        }
    }
}

/// Secrets of strict mode in the `sigv4` target.
const ACCESS_KEY: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn now_amz() -> String {
    chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string()
}

/// `sigv4`, two forms:
///
/// * `<Authorization>\n<X-Amz-Date>\n<body>`: the header parsed for the
///   caller's identity and the request checked in strict mode against a
///   fixed `POST /` (`NOW` in the date is today's time, so inputs reach the
///   signature itself); it must be refused or accepted, never panic;
/// * `SIGN <region> <service> <path and query>\n<body>`: the request signed
///   with the configured secret (as an SDK does) must be accepted.
pub fn sigv4(data: &[u8]) {
    let (first, rest) = line(data);
    let first = String::from_utf8_lossy(first);
    let secrets = HashMap::from([(ACCESS_KEY.to_string(), SECRET.to_string())]);
    if let Some(spec) = first.strip_prefix("SIGN ") {
        let mut parts = spec.splitn(3, ' ');
        let region = parts.next().unwrap_or_default();
        let service = parts.next().unwrap_or_default();
        let path = parts.next().unwrap_or("/");
        signed_round_trip(&secrets, region, service, path, rest);
        return;
    }
    let _ = identity::from_authorization(&first);
    let (date, body) = line(rest);
    let date = String::from_utf8_lossy(date).replace("NOW", &now_amz());
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("localhost:4566"));
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&date) {
        headers.insert("x-amz-date", v);
    }
    if let Ok(v) = HeaderValue::from_str(&first) {
        headers.insert("authorization", v);
    }
    let _ = sigv4::verify(&secrets, "POST", "/", &headers, body);
}

/// Signs a request as an SDK does and checks that strict mode accepts it.
fn signed_round_trip(
    secrets: &HashMap<String, String>,
    region: &str,
    service: &str,
    path: &str,
    body: &[u8],
) {
    // The SDKs sign only Regions and service names that are host labels
    // (their endpoint resolvers refuse anything else); a header carrying
    // other bytes is not one a client sends, and strict mode reads it as
    // missing (`fuzz/regressions/sigv4/non-utf8-region`).
    let label =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    // And their paths are absolute (`fuzz/regressions/sigv4/relative-path`:
    // aws-sigv4 panics on any other).
    if !label(region) || !label(service) || !path.starts_with('/') {
        return;
    }
    let date = now_amz();
    let fixed = [
        ("host", "localhost:4566"),
        (
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        ),
        ("x-amz-date", date.as_str()),
    ];
    let identity = Credentials::new(ACCESS_KEY, SECRET, None, None, "fuzz").into();
    let Ok(params) = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
    else {
        return;
    };
    let Ok(request) =
        SignableRequest::new("POST", path, fixed.into_iter(), SignableBody::Bytes(body))
    else {
        return;
    };
    let Ok(out) = sign(request, &params.into()) else {
        return;
    };
    let mut headers = HeaderMap::new();
    for (name, value) in fixed
        .into_iter()
        .chain(out.output().headers())
        .collect::<Vec<_>>()
    {
        let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) else {
            // Not sendable over HTTP (a Region with a control character).
            return;
        };
        headers.insert(n, v);
    }
    // The signing time is rounded to the second on the wire; the verifier
    // reads it back from `x-amz-date`, which the signer set.
    let verdict = sigv4::verify(secrets, "POST", path, &headers, body);
    assert_eq!(
        verdict,
        Ok(()),
        "a request signed with the configured secret was refused"
    );
}

/// `scenario`: a scenario document parsed as YAML and as JSON; one that
/// parses is loaded (faults included) into a fresh world, which must
/// answer or refuse it, never panic.
pub fn scenario(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = crate::scenario_file::parse("fuzz.json", text);
    if let Ok(loaded) = crate::scenario_file::parse("fuzz.yaml", text) {
        let world = World::new(WorldConfig::default());
        let _ = crate::scenario::load(&world, vec![loaded]);
    }
}

/// EC2 filter names of the `filters` target (DescribeVpcs's).
const FILTER_NAMES: &[&str] = &[
    "cidr",
    "cidr-block-association.cidr-block",
    "dhcp-options-id",
    "is-default",
    "owner-id",
    "state",
    "vpc-id",
];

/// `filters`: a DescribeVpcs form body (`Filter.N.Name`,
/// `Filter.N.Value.M`), its filters validated and evaluated against a VPC
/// with tags, and every value matched as a pattern against every other.
pub fn filters(data: &[u8]) {
    let q = QueryInput::parse(data, None);
    let Ok(input) =
        <model::ec2::DescribeVpcsRequest as crate::wire::query::FromQuery>::from_query(&q, "")
    else {
        return;
    };
    let values: Vec<String> = input
        .filters
        .iter()
        .flatten()
        .flat_map(|f| f.values.iter().flatten().chain(f.name.iter()))
        .take(64)
        .cloned()
        .collect();
    for p in &values {
        for t in &values {
            let _ = glob(p.as_bytes(), t.as_bytes());
        }
    }
    let mut tags = Tags::default();
    tags.add(vec![
        ("Name".into(), "main".into()),
        ("env".into(), "prod*".into()),
        (String::new(), "é?\\".into()),
    ]);
    if let Ok(f) = Filters::parse(input.filters.clone(), FILTER_NAMES) {
        let _ = f.matches(&tags, |name| match name {
            "cidr" | "cidr-block-association.cidr-block" => vec!["10.0.0.0/16".into()],
            "is-default" => vec!["false".into()],
            "state" => vec!["available".into()],
            "vpc-id" => vec!["vpc-0123456789abcdef0".into()],
            _ => vec![],
        });
    }
    let _ = Filters::parse_untagged(input.filters, FILTER_NAMES);
}

/// `cluster_query`: `<expression>` or `<expression>\n<attributes>`, one
/// `name=value` (or `name`) a line; the expression parsed and evaluated
/// against a container instance with those attributes.
pub fn cluster_query(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (expr, attrs) = text.split_once('\n').unwrap_or((&text, ""));
    let mut attributes: Vec<(String, Option<String>)> = vec![
        ("ecs.instance-type".into(), Some("t3.micro".into())),
        ("ecs.availability-zone".into(), Some("us-east-1a".into())),
        ("ecs.capability.task-eni".into(), None),
    ];
    attributes.extend(attrs.lines().map(|l| match l.split_once('=') {
        Some((n, v)) => (n.to_string(), Some(v.to_string())),
        None => (l.to_string(), None),
    }));
    let _ = crate::services::ecs::evaluate_cluster_query(expr, attributes);
}
