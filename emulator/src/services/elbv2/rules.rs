//! CreateRule, DescribeRules, ModifyRule, DeleteRule and SetRulePriorities:
//! the rules of Application Load Balancer listeners, with their conditions
//! (host-header, path-pattern, http-header, http-request-method,
//! query-string, source-ip) and AWS's limits. Every listener also has its
//! default rule: its default actions, at priority `default`.

use std::collections::BTreeSet;

use ipnet::IpNet;

use super::actions::{action_model, check_actions};
use super::common::{self, page, tags_from, validation, R};
use super::listeners::{self, target_groups_of};
use super::state::{Condition, Listener, Rule};
use super::targets;
use crate::model::elbv2 as m;
use crate::services::ec2::catalog::stable_hex;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// Rules per listener, the default one apart.
const MAX_RULES: usize = 100;
/// Condition values per rule.
const MAX_VALUES: usize = 5;

pub(super) fn not_found() -> AwsError {
    AwsError::new("RuleNotFound", "One or more rules not found")
}

/// `…:listener-rule/app/<lb name>/<lb hex>/<listener hex>/<16 hex>`
pub(super) fn is_arn(arn: &str) -> bool {
    common::resource_of(arn)
        .and_then(|r| r.strip_prefix("listener-rule/"))
        .map(|p| p.split('/').collect::<Vec<_>>())
        .is_some_and(|p| {
            p.len() == 5 && matches!(p[0], "app" | "net" | "gwy") && p.iter().all(|s| !s.is_empty())
        })
}

pub(super) fn check_arn(arn: &str) -> R<()> {
    if is_arn(arn) {
        Ok(())
    } else {
        Err(validation(format!("'{arn}' is not a valid rule ARN")))
    }
}

/// The ARN of a listener's default rule: stable, so it needs no pin
/// [U: AWS's is random like any rule's].
pub(super) fn default_rule_arn(listener: &str) -> String {
    format!(
        "{}/{}",
        listener.replacen(":listener/", ":listener-rule/", 1),
        stable_hex(&format!("default-rule/{listener}"), 16)
    )
}

fn condition_model(c: &Condition) -> m::RuleCondition {
    let values = Some(c.values.clone());
    let mut out = m::RuleCondition {
        field: Some(c.field.clone()),
        ..Default::default()
    };
    match c.field.as_str() {
        // Both forms, as AWS answers them [U].
        "host-header" => {
            out.values = values.clone();
            out.host_header_config = Some(m::HostHeaderConditionConfig {
                values,
                regex_values: None,
            });
        }
        "path-pattern" => {
            out.values = values.clone();
            out.path_pattern_config = Some(m::PathPatternConditionConfig {
                values,
                regex_values: None,
            });
        }
        "http-header" => {
            out.http_header_config = Some(m::HttpHeaderConditionConfig {
                http_header_name: c.header_name.clone(),
                values,
                regex_values: None,
            })
        }
        "http-request-method" => {
            out.http_request_method_config = Some(m::HttpRequestMethodConditionConfig { values })
        }
        "source-ip" => {
            out.source_ip_config = Some(m::SourceIpConditionConfig {
                values,
                ip_address_type: None,
            })
        }
        _ => {
            out.query_string_config = Some(m::QueryStringConditionConfig {
                values: Some(
                    c.query
                        .iter()
                        .map(|(k, v)| m::QueryStringKeyValuePair {
                            key: k.clone(),
                            value: Some(v.clone()),
                        })
                        .collect(),
                ),
            })
        }
    }
    out
}

pub(super) fn to_model(r: &Rule) -> m::Rule {
    m::Rule {
        rule_arn: Some(r.arn.clone()),
        priority: Some(r.priority.to_string()),
        conditions: Some(r.conditions.iter().map(condition_model).collect()),
        actions: Some(r.actions.iter().map(action_model).collect()),
        is_default: Some(false),
        transforms: None,
    }
}

fn default_model(l: &Listener) -> m::Rule {
    m::Rule {
        rule_arn: Some(default_rule_arn(&l.arn)),
        priority: Some("default".into()),
        conditions: Some(Vec::new()),
        actions: Some(l.default_actions.iter().map(action_model).collect()),
        is_default: Some(true),
        transforms: None,
    }
}

/// One condition as AWS keeps it, from `Values` or the field's config.
fn check_condition(c: &m::RuleCondition) -> R<Condition> {
    let field = c.field.clone().unwrap_or_default();
    let legacy = c.values.clone().filter(|v| !v.is_empty());
    let from = |config: Option<Vec<String>>| -> R<Vec<String>> {
        match (legacy.clone(), config.filter(|v| !v.is_empty())) {
            (Some(_), Some(_)) => Err(validation(format!(
                "You cannot specify both 'Values' and a config for the '{field}' condition"
            ))),
            (Some(v), None) | (None, Some(v)) => Ok(v),
            (None, None) => Err(validation(format!(
                "At least one value must be specified for the '{field}' condition"
            ))),
        }
    };
    let mut out = Condition {
        field: field.clone(),
        ..Default::default()
    };
    let no_legacy = || {
        if legacy.is_some() {
            Err(validation(format!(
                "'Values' cannot be specified for the '{field}' condition; use its config"
            )))
        } else {
            Ok(())
        }
    };
    match field.as_str() {
        "host-header" => {
            out.values = from(c.host_header_config.clone().and_then(|x| x.values))?;
            for v in &out.values {
                let ok = !v.is_empty()
                    && v.len() <= 128
                    && v
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-.*?".contains(&b));
                if !ok {
                    return Err(validation(format!(
                        "The host header value '{v}' is not valid: up to 128 characters among A-Z, a-z, 0-9, - . * ?"
                    )));
                }
            }
        }
        "path-pattern" => {
            out.values = from(c.path_pattern_config.clone().and_then(|x| x.values))?;
            if let Some(v) = out.values.iter().find(|v| v.is_empty() || v.len() > 128) {
                return Err(validation(format!(
                    "The path pattern '{v}' must be 1 to 128 characters long"
                )));
            }
        }
        "http-header" => {
            no_legacy()?;
            let cfg = c.http_header_config.clone().unwrap_or_default();
            let name = cfg.http_header_name.unwrap_or_default();
            if name.is_empty() || name.len() > 40 {
                return Err(validation(
                    "An HTTP header name of 1 to 40 characters must be specified for the 'http-header' condition",
                ));
            }
            out.header_name = Some(name);
            out.values = cfg.values.unwrap_or_default();
            if out.values.is_empty() {
                return Err(validation(
                    "At least one value must be specified for the 'http-header' condition",
                ));
            }
        }
        "http-request-method" => {
            no_legacy()?;
            out.values = c
                .http_request_method_config
                .clone()
                .and_then(|x| x.values)
                .unwrap_or_default();
            if out.values.is_empty() {
                return Err(validation(
                    "At least one value must be specified for the 'http-request-method' condition",
                ));
            }
            if let Some(v) = out.values.iter().find(|v| {
                v.is_empty()
                    || v.len() > 40
                    || !v.bytes().all(|b| b.is_ascii_uppercase() || b == b'_' || b == b'-')
            }) {
                return Err(validation(format!(
                    "The HTTP request method '{v}' is not valid: up to 40 characters among A-Z, - _"
                )));
            }
        }
        "source-ip" => {
            no_legacy()?;
            out.values = c
                .source_ip_config
                .clone()
                .and_then(|x| x.values)
                .unwrap_or_default();
            if out.values.is_empty() {
                return Err(validation(
                    "At least one value must be specified for the 'source-ip' condition",
                ));
            }
            if let Some(v) = out.values.iter().find(|v| v.parse::<IpNet>().is_err()) {
                return Err(validation(format!(
                    "The source IP '{v}' is not a valid CIDR block"
                )));
            }
        }
        "query-string" => {
            no_legacy()?;
            out.query = c
                .query_string_config
                .clone()
                .and_then(|x| x.values)
                .unwrap_or_default()
                .into_iter()
                .map(|p| (p.key, p.value.unwrap_or_default()))
                .collect();
            if out.query.is_empty() {
                return Err(validation(
                    "At least one key/value pair must be specified for the 'query-string' condition",
                ));
            }
            if out.query.iter().any(|(_, v)| v.is_empty()) {
                return Err(validation(
                    "A query string condition needs a value in every key/value pair",
                ));
            }
        }
        _ => {
            return Err(validation(format!(
                "The condition field '{field}' must be one of [host-header, path-pattern, http-header, http-request-method, query-string, source-ip]"
            )))
        }
    }
    Ok(out)
}

fn check_conditions(conditions: &[m::RuleCondition]) -> R<Vec<Condition>> {
    if conditions.is_empty() {
        return Err(validation("A rule must have at least one condition"));
    }
    let mut out: Vec<Condition> = Vec::new();
    for c in conditions {
        let c = check_condition(c)?;
        let once = matches!(
            c.field.as_str(),
            "host-header" | "path-pattern" | "http-request-method" | "source-ip"
        );
        if once && out.iter().any(|o| o.field == c.field) {
            return Err(validation(format!(
                "A rule can have only one '{}' condition",
                c.field
            )));
        }
        out.push(c);
    }
    let total: usize = out.iter().map(|c| c.values.len() + c.query.len()).sum();
    if total > MAX_VALUES {
        return Err(validation(format!(
            "A rule can have at most {MAX_VALUES} condition values"
        )));
    }
    Ok(out)
}

/// The listener, which must exist and belong to an Application Load
/// Balancer, and its load balancer.
fn listener_and_lb(ctx: &Ctx, arn: &str) -> R<(Listener, super::state::LoadBalancer)> {
    listeners::check_arn(arn)?;
    let st = &ctx.acct().elbv2;
    let l = st
        .listeners
        .get(arn)
        .cloned()
        .ok_or_else(listeners::not_found)?;
    let lb = st
        .load_balancers
        .get(&l.load_balancer_arn)
        .cloned()
        .ok_or_else(listeners::not_found)?;
    if lb.lb_type != "application" {
        return Err(AwsError::new(
            "InvalidConfigurationRequest",
            "Rules are supported only by the listeners of Application Load Balancers",
        ));
    }
    Ok((l, lb))
}

fn priority_in_use(priority: i32) -> AwsError {
    AwsError::new(
        "PriorityInUse",
        format!("Priority '{priority}' is currently in use"),
    )
}

pub(super) fn create(ctx: &mut Ctx, input: m::CreateRuleInput) -> R<m::CreateRuleOutput> {
    let listener_arn = input.listener_arn.clone().unwrap_or_default();
    let (l, lb) = listener_and_lb(ctx, &listener_arn)?;
    let priority = input.priority.unwrap_or(0);
    if !(1..=50_000).contains(&priority) {
        return Err(validation(format!(
            "1 validation error detected: Value '{priority}' at 'priority' failed to satisfy constraint: Member must have value between 1 and 50000"
        )));
    }
    let conditions = check_conditions(&input.conditions.clone().unwrap_or_default())?;
    let actions = check_actions(
        ctx,
        &lb,
        l.protocol.as_deref(),
        "actions",
        &input.actions.clone().unwrap_or_default(),
        &[],
    )?;
    let tags = tags_from(input.tags.clone())?;
    let siblings: Vec<&Rule> = ctx
        .acct()
        .elbv2
        .rules
        .values()
        .filter(|r| r.listener_arn == listener_arn)
        .collect();
    if siblings.iter().any(|r| r.priority == priority) {
        return Err(priority_in_use(priority));
    }
    if siblings.len() >= MAX_RULES {
        return Err(AwsError::new(
            "TooManyRules",
            "You've reached the limit on the number of rules per listener",
        ));
    }
    let hex = ctx
        .world
        .ids
        .take_pin("elbv2-rule-arn")
        .unwrap_or_else(|| ctx.world.ids.hex(16));
    let arn = format!(
        "{}/{hex}",
        listener_arn.replacen(":listener/", ":listener-rule/", 1)
    );
    let rule = Rule {
        arn: arn.clone(),
        listener_arn,
        priority,
        conditions,
        actions,
        tags,
    };
    let out = to_model(&rule);
    let groups = target_groups_of(&rule.actions);
    ctx.acct_mut().elbv2.rules.insert(arn, rule);
    for g in groups {
        targets::sync(ctx, &g);
    }
    Ok(m::CreateRuleOutput {
        rules: Some(vec![out]),
    })
}

pub(super) fn describe(ctx: &mut Ctx, input: m::DescribeRulesInput) -> R<m::DescribeRulesOutput> {
    let arns = input.rule_arns.unwrap_or_default();
    let listener = input.listener_arn.filter(|s| !s.is_empty());
    match (&listener, arns.is_empty()) {
        (None, true) => {
            return Err(validation(
                "You must specify either listener ARNs or rule ARNs",
            ))
        }
        (Some(_), false) => {
            return Err(validation(
                "A listener ARN and rule ARNs cannot be specified at the same time",
            ))
        }
        _ => {}
    }
    let st = &ctx.acct().elbv2;
    // Sorted by listener, then priority, the default rule last.
    let key = |l: &str, p: Option<i32>| format!("{l} {:05}", p.unwrap_or(99_999));
    let mut items: Vec<(String, m::Rule)> = Vec::new();
    if let Some(l) = &listener {
        listeners::check_arn(l)?;
        let Some(x) = st.listeners.get(l) else {
            return Err(listeners::not_found());
        };
        for r in st.rules.values().filter(|r| r.listener_arn == *l) {
            items.push((key(l, Some(r.priority)), to_model(r)));
        }
        items.push((key(l, None), default_model(x)));
    } else {
        for a in &arns {
            check_arn(a)?;
            if let Some(r) = st.rules.get(a) {
                items.push((key(&r.listener_arn, Some(r.priority)), to_model(r)));
            } else if let Some(x) = st
                .listeners
                .values()
                .find(|x| default_rule_arn(&x.arn) == *a)
            {
                items.push((key(&x.arn, None), default_model(x)));
            } else {
                return Err(not_found());
            }
        }
    }
    let (items, next) = page(items, input.marker, input.page_size)?;
    Ok(m::DescribeRulesOutput {
        rules: Some(items),
        next_marker: next,
    })
}

fn is_default(ctx: &Ctx, arn: &str) -> bool {
    ctx.acct()
        .elbv2
        .listeners
        .values()
        .any(|x| default_rule_arn(&x.arn) == arn)
}

fn not_permitted_default() -> AwsError {
    AwsError::new(
        "OperationNotPermitted",
        "The default rule cannot be changed this way; modify the listener's default actions instead",
    )
}

pub(super) fn modify(ctx: &mut Ctx, input: m::ModifyRuleInput) -> R<m::ModifyRuleOutput> {
    let arn = input.rule_arn.clone().unwrap_or_default();
    check_arn(&arn)?;
    if is_default(ctx, &arn) {
        return Err(not_permitted_default());
    }
    let Some(old) = ctx.acct().elbv2.rules.get(&arn).cloned() else {
        return Err(not_found());
    };
    let (l, lb) = listener_and_lb(ctx, &old.listener_arn)?;
    let conditions = match &input.conditions {
        Some(c) => check_conditions(c)?,
        None => old.conditions.clone(),
    };
    let actions = match &input.actions {
        Some(a) => check_actions(ctx, &lb, l.protocol.as_deref(), "actions", a, &old.actions)?,
        None => old.actions.clone(),
    };
    let mut groups = target_groups_of(&old.actions);
    groups.extend(target_groups_of(&actions));
    let Some(r) = ctx.acct_mut().elbv2.rules.get_mut(&arn) else {
        return Err(not_found());
    };
    r.conditions = conditions;
    r.actions = actions;
    let out = to_model(r);
    for g in groups {
        targets::sync(ctx, &g);
    }
    Ok(m::ModifyRuleOutput {
        rules: Some(vec![out]),
    })
}

pub(super) fn delete(ctx: &mut Ctx, input: m::DeleteRuleInput) -> R<m::DeleteRuleOutput> {
    let arn = input.rule_arn.unwrap_or_default();
    check_arn(&arn)?;
    if is_default(ctx, &arn) {
        return Err(AwsError::new(
            "OperationNotPermitted",
            "The default rule cannot be deleted",
        ));
    }
    let Some(r) = ctx.acct_mut().elbv2.rules.remove(&arn) else {
        return Err(not_found());
    };
    for g in target_groups_of(&r.actions) {
        targets::sync(ctx, &g);
    }
    Ok(m::DeleteRuleOutput {})
}

pub(super) fn set_priorities(
    ctx: &mut Ctx,
    input: m::SetRulePrioritiesInput,
) -> R<m::SetRulePrioritiesOutput> {
    let pairs = input.rule_priorities.unwrap_or_default();
    let mut changes: Vec<(String, i32)> = Vec::new();
    for p in &pairs {
        let arn = p.rule_arn.clone().unwrap_or_default();
        check_arn(&arn)?;
        if is_default(ctx, &arn) {
            return Err(not_permitted_default());
        }
        if !ctx.acct().elbv2.rules.contains_key(&arn) {
            return Err(not_found());
        }
        let priority = p.priority.unwrap_or(0);
        if !(1..=50_000).contains(&priority) {
            return Err(validation(format!(
                "1 validation error detected: Value '{priority}' at 'rulePriorities.member.priority' failed to satisfy constraint: Member must have value between 1 and 50000"
            )));
        }
        changes.push((arn, priority));
    }
    // The priorities once changed: one rule per priority in each listener.
    let st = &ctx.acct().elbv2;
    let mut taken: BTreeSet<(String, i32)> = BTreeSet::new();
    for r in st.rules.values() {
        let p = changes
            .iter()
            .find(|(a, _)| *a == r.arn)
            .map_or(r.priority, |(_, p)| *p);
        if !taken.insert((r.listener_arn.clone(), p)) {
            return Err(priority_in_use(p));
        }
    }
    let mut out = Vec::new();
    for (arn, p) in changes {
        if let Some(r) = ctx.acct_mut().elbv2.rules.get_mut(&arn) {
            r.priority = p;
            out.push(to_model(r));
        }
    }
    Ok(m::SetRulePrioritiesOutput { rules: Some(out) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_and_conditions() {
        let l = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2";
        let d = default_rule_arn(l);
        assert!(is_arn(&d), "{d}");
        assert_eq!(d, default_rule_arn(l));
        let host = m::RuleCondition {
            field: Some("host-header".into()),
            values: Some(vec!["*.example.com".into()]),
            ..Default::default()
        };
        assert_eq!(
            check_condition(&host).unwrap().values,
            vec!["*.example.com"]
        );
        let bad = m::RuleCondition {
            field: Some("host-header".into()),
            values: Some(vec!["a b".into()]),
            ..Default::default()
        };
        assert!(check_condition(&bad).is_err());
    }
}
