//! Property tests of the parsers that read what clients send (issue 19):
//! whatever the bytes, decoding answers `Ok` or a `WireError`, never panics,
//! and never takes long. proptest shrinks a failure to a minimal input.
//!
//! Run more cases with `PROPTEST_CASES=100000 cargo test -p awsemu --test wire_properties`.

use std::time::{Duration, Instant};

use awsemu::model;
use awsemu::wire::identity;
use awsemu::wire::QueryInput;
use proptest::prelude::*;

/// Keys as the query protocols flatten them, with odd and huge indexes.
fn key() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("Filter".to_string()),
        Just("VpcId".to_string()),
        Just("SubnetId".to_string()),
        Just("TagSpecification".to_string()),
        Just("Subnets.member".to_string()),
        Just("Attributes.member".to_string()),
        Just("Tag".to_string()),
        "[A-Za-z]{1,12}",
    ];
    let part = prop_oneof![
        Just("1".to_string()),
        Just("0".to_string()),
        Just("99999999".to_string()),
        Just("18446744073709551616".to_string()),
        Just("-1".to_string()),
        Just("".to_string()),
        "Name|Value|Values|Key|member|ResourceType|Tag",
        "[0-9]{1,4}",
    ];
    (name, prop::collection::vec(part, 0..4)).prop_map(|(n, parts)| {
        let mut k = n;
        for p in parts {
            k.push('.');
            k.push_str(&p);
        }
        k
    })
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("true".to_string()),
        Just("-9223372036854775809".to_string()),
        Just("2026-13-45T99:99:99Z".to_string()),
        "[ -~]{0,24}",
        any::<String>(),
    ]
}

/// A form body: encoded pairs, or raw bytes (bad percent-encoding included).
fn form_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec((key(), value()), 0..12).prop_map(|pairs| {
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
                .into_bytes()
        }),
        prop::collection::vec(any::<u8>(), 0..200),
        "([A-Za-z.0-9]{1,10}=[%0-9A-Fa-f+&=]{0,12}&?){0,8}".prop_map(String::into_bytes),
    ]
}

/// JSON-ish bodies: valid JSON of the wrong shape, truncated, or noise.
fn json_body() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)),
        "[ -~]{0,16}".prop_map(serde_json::Value::from),
    ];
    let value = leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                "cluster|tasks|taskDefinition|count|include|family|networkConfiguration|awsvpcConfiguration|subnets|[a-z]{1,8}",
                inner,
                0..5
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    prop_oneof![
        value.clone().prop_map(|v| v.to_string().into_bytes()),
        value.prop_map(|v| {
            let s = v.to_string().into_bytes();
            let cut = s.len() / 2;
            s[..cut].to_vec()
        }),
        prop::collection::vec(any::<u8>(), 0..100),
    ]
}

fn quick<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "{what} took {:?}",
        t.elapsed()
    );
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn query_bodies_decode_or_fail_cleanly(body in form_body(), query in proptest::option::of("[ -~]{0,40}"), op in 0usize..10_000) {
        let q = quick("parse", || QueryInput::parse(&body, query.as_deref()));
        let ec2 = model::ec2::OPERATIONS[op % model::ec2::OPERATIONS.len()];
        quick(ec2, || model::ec2::decode(ec2, &q).is_some());
        let elb = model::elbv2::OPERATIONS[op % model::elbv2::OPERATIONS.len()];
        quick(elb, || model::elbv2::decode(elb, &q).is_some());
    }

    #[test]
    fn json_bodies_decode_or_fail_cleanly(body in json_body(), op in 0usize..10_000) {
        let ecs = model::ecs::OPERATIONS[op % model::ecs::OPERATIONS.len()];
        prop_assert!(quick(ecs, || model::ecs::decode(ecs, &body)).is_some());
    }

    #[test]
    fn authorization_headers_parse_or_are_ignored(
        header in prop_oneof![
            "[ -~]{0,120}",
            "AWS4-HMAC-SHA256 Credential=[ -~]{0,40}/[0-9]{0,8}/[a-z0-9-]{0,12}/[a-z]{0,8}/aws4_request, SignedHeaders=[a-z;-]{0,30}, Signature=[0-9a-f]{0,64}",
        ]
    ) {
        if let Some(c) = identity::from_authorization(&header) {
            prop_assert!(!c.access_key.contains('/'));
        }
    }
}

/// `Filter.99999999.Value.1`: a huge index is one entry, not 99,999,999.
#[test]
fn a_huge_list_index_costs_nothing() {
    let q = QueryInput::parse(
        b"Action=DescribeVpcs&Filter.99999999.Name=vpc-id&Filter.99999999.Value.1=vpc-1&VpcId.4294967296=vpc-2",
        None,
    );
    let decoded = quick("huge indexes", || model::ec2::decode("DescribeVpcs", &q));
    assert!(decoded.is_some());
}
