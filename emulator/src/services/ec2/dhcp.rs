//! DHCP options sets: the default one AWS makes per account and Region
//! (`domain-name` `ec2.internal` in us-east-1, `<region>.compute.internal`
//! elsewhere; `AmazonProvidedDNS`), CreateDhcpOptions, DeleteDhcpOptions,
//! DescribeDhcpOptions and AssociateDhcpOptions (`default` for none).

use super::checks::{check_known, check_vpc_id};
use super::errors::{self, R};
use super::query::{check_max_results, one, paginate, Filters};
use super::state::{event, DhcpOptionSet};
use super::tags::{self, Tags};
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// The keys a set may have [R: Amazon VPC User Guide, "DHCP option sets"].
const KEYS: &[&str] = &[
    "domain-name",
    "domain-name-servers",
    "ntp-servers",
    "netbios-name-servers",
    "netbios-node-type",
    "ipv6-address-preferred-lease-time",
];

/// Makes the account's default set (with its first VPC) and returns its id.
pub(super) fn create_default(ctx: &mut Ctx) -> String {
    let domain = if ctx.region_name() == "us-east-1" {
        "ec2.internal".to_string()
    } else {
        format!("{}.compute.internal", ctx.region_name())
    };
    let set = DhcpOptionSet {
        id: ctx.new_id("dopt"),
        configurations: vec![
            ("domain-name".into(), vec![domain]),
            (
                "domain-name-servers".into(),
                vec!["AmazonProvidedDNS".into()],
            ),
        ],
        tags: Tags::default(),
    };
    let id = set.id.clone();
    let st = &mut ctx.acct_mut().ec2;
    st.dhcp_options.insert(id.clone(), set);
    st.default_dhcp_options = Some(id.clone());
    id
}

fn not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidDhcpOptionID.NotFound",
        format!("The dhcpOption ID '{id}' does not exist"),
    )
}

fn check_id(ctx: &Ctx, id: &str) -> R<()> {
    let exists = ctx.acct().ec2.dhcp_options.contains_key(id);
    check_known(id, "dopt", "InvalidDhcpOptionsId.Malformed", exists, || {
        not_found(id)
    })
}

fn model(ctx: &Ctx, s: &DhcpOptionSet) -> m::DhcpOptions {
    m::DhcpOptions {
        owner_id: Some(ctx.account.clone()),
        tags: Some(s.tags.to_model()),
        dhcp_options_id: Some(s.id.clone()),
        dhcp_configurations: Some(
            s.configurations
                .iter()
                .map(|(k, vs)| m::DhcpConfiguration {
                    key: Some(k.clone()),
                    values: Some(
                        vs.iter()
                            .map(|v| m::AttributeValue {
                                value: Some(v.clone()),
                            })
                            .collect(),
                    ),
                })
                .collect(),
        ),
    }
}

/// The configurations of a request, checked: known keys, each once, with
/// values (comma-separated lists split, as EC2 takes them).
fn configurations(input: Option<Vec<m::NewDhcpConfiguration>>) -> R<Vec<(String, Vec<String>)>> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for c in input.unwrap_or_default() {
        let key = c.key.unwrap_or_default();
        if !KEYS.contains(&key.as_str()) {
            return Err(errors::invalid_value(
                "DhcpConfiguration.Key",
                &key,
                &format!("Valid keys are {}.", KEYS.join(", ")),
            ));
        }
        let values: Vec<String> = c
            .values
            .unwrap_or_default()
            .iter()
            .flat_map(|v| v.split(','))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        if values.is_empty() {
            return Err(errors::missing(&format!("DhcpConfiguration.Value ({key})")));
        }
        if key == "domain-name-servers" && values.len() > 4 {
            return Err(errors::invalid_value(
                "DhcpConfiguration.Value",
                &values.join(","),
                "At most four domain name servers can be given.",
            ));
        }
        if out.iter().any(|(k, _)| *k == key) {
            return Err(errors::invalid_value(
                "DhcpConfiguration.Key",
                &key,
                "The key is given more than once.",
            ));
        }
        out.push((key, values));
    }
    if out.is_empty() {
        return Err(errors::missing("DhcpConfiguration"));
    }
    Ok(out)
}

pub(super) fn create(
    ctx: &mut Ctx,
    input: m::CreateDhcpOptionsRequest,
) -> R<m::CreateDhcpOptionsResult> {
    let configurations = configurations(input.dhcp_configurations)?;
    let tags = tags::from_specs(input.tag_specifications, "dhcp-options")?;
    ctx.dry_run(input.dry_run)?;
    let set = DhcpOptionSet {
        id: ctx.new_id("dopt"),
        configurations,
        tags,
    };
    let out = model(ctx, &set);
    ctx.emit(event("dhcp-options", &set.id, "created", None));
    ctx.acct_mut().ec2.dhcp_options.insert(set.id.clone(), set);
    Ok(m::CreateDhcpOptionsResult {
        dhcp_options: Some(out),
    })
}

pub(super) fn delete(ctx: &mut Ctx, input: m::DeleteDhcpOptionsRequest) -> R<()> {
    let id = input.dhcp_options_id.unwrap_or_default();
    check_id(ctx, &id)?;
    if ctx
        .acct()
        .ec2
        .vpcs
        .values()
        .any(|v| v.dhcp_options_id == id)
    {
        return Err(errors::dependency("dhcpOptions", &id));
    }
    ctx.dry_run(input.dry_run)?;
    ctx.acct_mut().ec2.dhcp_options.remove(&id);
    ctx.emit(event("dhcp-options", &id, "deleted", None));
    Ok(())
}

pub(super) fn associate(ctx: &mut Ctx, input: m::AssociateDhcpOptionsRequest) -> R<()> {
    let id = input.dhcp_options_id.unwrap_or_default();
    let vpc = input.vpc_id.unwrap_or_default();
    if id != "default" {
        check_id(ctx, &id)?;
    }
    check_vpc_id(ctx, &vpc)?;
    ctx.dry_run(input.dry_run)?;
    if let Some(v) = ctx.acct_mut().ec2.vpcs.get_mut(&vpc) {
        v.dhcp_options_id = id.clone();
    }
    ctx.emit(event("vpc", &vpc, "dhcp-options-associated", None));
    Ok(())
}

const FILTERS: &[&str] = &["dhcp-options-id", "key", "value", "owner-id"];

fn filter_values(ctx: &Ctx, s: &DhcpOptionSet, name: &str) -> Vec<String> {
    match name {
        "dhcp-options-id" => one(&s.id),
        "key" => s.configurations.iter().map(|(k, _)| k.clone()).collect(),
        "value" => s
            .configurations
            .iter()
            .flat_map(|(_, vs)| vs.iter().cloned())
            .collect(),
        "owner-id" => one(&ctx.account),
        _ => vec![],
    }
}

pub(super) fn describe(
    ctx: &mut Ctx,
    input: m::DescribeDhcpOptionsRequest,
) -> R<m::DescribeDhcpOptionsResult> {
    check_max_results(input.max_results, 5, 1000)?;
    let filters = Filters::parse(input.filters, FILTERS)?;
    let ids = input.dhcp_options_ids.unwrap_or_default();
    for id in &ids {
        check_id(ctx, id)?;
    }
    ctx.dry_run(input.dry_run)?;
    let items = ctx
        .acct()
        .ec2
        .dhcp_options
        .values()
        .filter(|s| ids.is_empty() || ids.contains(&s.id))
        .filter(|s| filters.matches(&s.tags, |n| filter_values(ctx, s, n)))
        .map(|s| (s.id.clone(), model(ctx, s)))
        .collect();
    let (page, next) = paginate(items, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribeDhcpOptionsResult {
        dhcp_options: Some(page),
        next_token: next,
    })
}
