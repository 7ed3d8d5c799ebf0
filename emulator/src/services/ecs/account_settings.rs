//! PutAccountSetting, PutAccountSettingDefault, DeleteAccountSetting,
//! ListAccountSettings: per-Region settings of a principal, the root user's
//! being the account default, falling back to AWS's defaults.

use super::common::{invalid, page, R};
use crate::model::ecs as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// Each setting AWS knows, in the order ListAccountSettings gives them:
/// (name, AWS's default, the values it takes).
const SETTINGS: &[(&str, &str, &[&str])] = &[
    ("serviceLongArnFormat", "enabled", &["enabled", "disabled"]),
    ("taskLongArnFormat", "enabled", &["enabled", "disabled"]),
    (
        "containerInstanceLongArnFormat",
        "enabled",
        &["enabled", "disabled"],
    ),
    ("awsvpcTrunking", "disabled", &["enabled", "disabled"]),
    (
        "containerInsights",
        "disabled",
        &["enabled", "disabled", "enhanced"],
    ),
    // Documented (PutAccountSetting `name`), though not in the model's enum.
    ("dualStackIPv6", "disabled", &["enabled", "disabled"]),
    ("fargateFIPSMode", "disabled", &["enabled", "disabled"]),
    ("tagResourceAuthorization", "on", &["on", "off"]),
    ("fargateTaskRetirementWaitPeriod", "7", &["0", "7", "14"]),
    ("guardDutyActivate", "off", &["on", "off"]),
    // Non-blocking since June 25, 2025 (model documentation).
    (
        "defaultLogDriverMode",
        "non-blocking",
        &["blocking", "non-blocking"],
    ),
    ("fargateEventWindows", "disabled", &["enabled", "disabled"]),
];

const LONG_ARNS: &[&str] = &[
    "serviceLongArnFormat",
    "taskLongArnFormat",
    "containerInstanceLongArnFormat",
];

fn known(name: &str) -> R<&'static (&'static str, &'static str, &'static [&'static str])> {
    SETTINGS.iter().find(|(n, _, _)| *n == name).ok_or_else(|| {
        let all: Vec<&str> = SETTINGS.iter().map(|(n, _, _)| *n).collect();
        invalid(format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            all.join(", ")
        ))
    })
}

fn root(ctx: &Ctx) -> String {
    format!("arn:aws:iam::{}:root", ctx.account)
}

fn setting_type(name: &str) -> &'static str {
    if name == "guardDutyActivate" {
        "aws_managed"
    } else {
        "user"
    }
}

fn wire(name: &str, value: &str, principal: &str) -> m::Setting {
    m::Setting {
        name: Some(name.to_string()),
        value: Some(value.to_string()),
        principal_arn: Some(principal.to_string()),
        type_: Some(setting_type(name).to_string()),
    }
}

/// The value `principal` has for `name` and the principal it comes from:
/// its own, else the root user's (the account default), else AWS's.
fn effective(ctx: &Ctx, principal: &str, name: &str) -> (String, String) {
    let st = &ctx.acct().ecs.account_settings;
    if let Some(v) = st.get(principal).and_then(|s| s.get(name)) {
        return (v.clone(), principal.to_string());
    }
    let root = root(ctx);
    if let Some(v) = st.get(&root).and_then(|s| s.get(name)) {
        return (v.clone(), root);
    }
    let default = SETTINGS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, d, _)| d.to_string())
        .unwrap_or_default();
    (default, root)
}

/// The caller's effective value of a setting (`awsvpcTrunking`,
/// `containerInsights`, …), for the code its value changes.
pub(super) fn setting(ctx: &Ctx, name: &str) -> String {
    effective(ctx, &ctx.principal, name).0
}

/// `principal`'s effective value of a setting (its own, else the account
/// default, else AWS's): for a principal other than the caller, such as the
/// role a container instance's agent registers with.
pub(super) fn setting_for(ctx: &Ctx, principal: &str, name: &str) -> String {
    effective(ctx, principal, name).0
}

/// A new cluster's settings when CreateCluster names none: the caller's
/// `containerInsights` account setting.
pub(super) fn cluster_settings(
    ctx: &Ctx,
    mut defaults: Vec<m::ClusterSetting>,
) -> Vec<m::ClusterSetting> {
    for s in &mut defaults {
        if s.name.as_deref() == Some("containerInsights") {
            s.value = Some(setting(ctx, "containerInsights"));
        }
    }
    defaults
}

/// The principal a call is about: `principalArn`, which only the root user
/// may set for others [U: AccessDeniedException and its message].
fn target(ctx: &Ctx, principal_arn: Option<String>) -> R<String> {
    let Some(p) = principal_arn.filter(|p| !p.is_empty()) else {
        return Ok(ctx.principal.clone());
    };
    let prefix = format!("arn:aws:iam::{}:", ctx.account);
    let ok = p
        .strip_prefix(&prefix)
        .is_some_and(|r| r == "root" || r.starts_with("user/") || r.starts_with("role/"));
    if !ok {
        return Err(invalid(format!(
            "principalArn {p} is not a user, role or the root user of account {}.",
            ctx.account
        )));
    }
    if p != ctx.principal && ctx.principal != root(ctx) {
        return Err(AwsError::new(
            "AccessDeniedException",
            format!(
                "{} is not authorized to modify the account settings of {p}.",
                ctx.principal
            ),
        ));
    }
    Ok(p)
}

fn check_value(ctx: &Ctx, name: &str, value: &str, principal: &str) -> R<()> {
    let (_, _, allowed) = known(name)?;
    if name == "guardDutyActivate" {
        return Err(invalid(
            "guardDutyActivate is read-only: Amazon GuardDuty manages it on your behalf.",
        ));
    }
    if LONG_ARNS.contains(&name) && value == "disabled" {
        // The AWS error Terraform's aws_ecs_account_setting_default documents.
        return Err(invalid("You can no longer disable Long Arn settings"));
    }
    if !allowed.contains(&value) {
        return Err(invalid(format!(
            "Invalid value {value} for {name}. Valid values are: {}.",
            allowed.join(", ")
        )));
    }
    if name == "fargateTaskRetirementWaitPeriod" && principal != root(ctx) {
        return Err(invalid(
            "You must use the root user when you set the Fargate wait time (fargateTaskRetirementWaitPeriod).",
        ));
    }
    Ok(())
}

fn put_for(ctx: &mut Ctx, principal: String, name: &str, value: &str) -> R<m::Setting> {
    check_value(ctx, name, value, &principal)?;
    ctx.acct_mut()
        .ecs
        .account_settings
        .entry(principal.clone())
        .or_default()
        .insert(name.to_string(), value.to_string());
    Ok(wire(name, value, &principal))
}

pub(super) fn put(
    ctx: &mut Ctx,
    i: m::PutAccountSettingRequest,
) -> R<m::PutAccountSettingResponse> {
    let principal = target(ctx, i.principal_arn)?;
    let setting = put_for(
        ctx,
        principal,
        i.name.as_deref().unwrap_or(""),
        i.value.as_deref().unwrap_or(""),
    )?;
    Ok(m::PutAccountSettingResponse {
        setting: Some(setting),
    })
}

pub(super) fn put_default(
    ctx: &mut Ctx,
    i: m::PutAccountSettingDefaultRequest,
) -> R<m::PutAccountSettingDefaultResponse> {
    let principal = root(ctx);
    let setting = put_for(
        ctx,
        principal,
        i.name.as_deref().unwrap_or(""),
        i.value.as_deref().unwrap_or(""),
    )?;
    Ok(m::PutAccountSettingDefaultResponse {
        setting: Some(setting),
    })
}

/// Removes the principal's own value; the account default (or AWS's)
/// applies again. Answers the setting as it was [U].
pub(super) fn delete(
    ctx: &mut Ctx,
    i: m::DeleteAccountSettingRequest,
) -> R<m::DeleteAccountSettingResponse> {
    let name = i.name.unwrap_or_default();
    known(&name)?;
    if name == "guardDutyActivate" {
        return Err(invalid(
            "guardDutyActivate is read-only: Amazon GuardDuty manages it on your behalf.",
        ));
    }
    let principal = target(ctx, i.principal_arn)?;
    let (before, _) = effective(ctx, &principal, &name);
    if LONG_ARNS.contains(&name.as_str()) {
        // Deleting a long-ARN setting would opt out where it was the default.
        let explicit = ctx
            .acct()
            .ecs
            .account_settings
            .get(&principal)
            .is_some_and(|s| s.contains_key(&name));
        if !explicit {
            return Err(invalid("You can no longer disable Long Arn settings"));
        }
    }
    let st = &mut ctx.acct_mut().ecs.account_settings;
    if let Some(s) = st.get_mut(&principal) {
        s.remove(&name);
        if s.is_empty() {
            st.remove(&principal);
        }
    }
    Ok(m::DeleteAccountSettingResponse {
        setting: Some(wire(&name, &before, &principal)),
    })
}

pub(super) fn list(
    ctx: &mut Ctx,
    i: m::ListAccountSettingsRequest,
) -> R<m::ListAccountSettingsResponse> {
    let max = match i.max_results {
        Some(n) if !(1..=10).contains(&n) => {
            return Err(invalid(format!(
                "maxResults must be between 1 and 10 (got {n})."
            )))
        }
        Some(n) => n as usize,
        None => 10,
    };
    if i.value.is_some() && i.name.is_none() {
        return Err(invalid(
            "You must also specify an account setting name to filter by value.",
        ));
    }
    if let Some(n) = &i.name {
        known(n)?;
    }
    let principal = match i.principal_arn.filter(|p| !p.is_empty()) {
        None => ctx.principal.clone(),
        Some(p) => p,
    };
    let effective_settings = i.effective_settings.unwrap_or(false);
    let own = ctx.acct().ecs.account_settings.get(&principal).cloned();
    let mut items = Vec::new();
    for (n, (name, _, _)) in SETTINGS.iter().enumerate() {
        if i.name.as_deref().is_some_and(|w| w != *name) {
            continue;
        }
        let found = if effective_settings {
            Some(effective(ctx, &principal, name))
        } else {
            own.as_ref()
                .and_then(|s| s.get(*name))
                .map(|v| (v.clone(), principal.clone()))
        };
        let Some((value, from)) = found else { continue };
        if i.value.as_deref().is_some_and(|w| w != value) {
            continue;
        }
        items.push((format!("{n:02}"), wire(name, &value, &from)));
    }
    let (settings, next) = page(items, max, i.next_token.as_deref())?;
    Ok(m::ListAccountSettingsResponse {
        settings: Some(settings),
        next_token: next,
    })
}
