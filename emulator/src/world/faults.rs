//! Fault rules: calls that fail, wait or lose their connection on purpose,
//! so a test can check what its code does when AWS throttles or breaks.
//! A rule names what it matches (service, operation, Region, account,
//! request parameters) and what it does (an AWS error, latency, a dropped
//! connection), how often (`probability`) and how many times (`count`).
//! The server asks before it runs a call; a call that fails this way never
//! reaches the world, so it changes nothing.
//!
//! Rules come from `POST /_awsemu/faults` or a scenario's `settings.faults`.
//! A reset removes the ones the API added and restores the scenario's.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// One rule as written in the API or a scenario.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FaultRule {
    /// `ec2`, `elbv2` (or `elasticloadbalancing`), `ecs`, `sts`; any when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The operation's name (`DescribeVpcs`); any when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Request parameters that must have these values: the form key as sent
    /// for EC2/ELBv2/STS (`VpcId.1`, `ServiceName`), the top-level member
    /// for ECS (`cluster`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, Value>,
    /// The AWS error to answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<FaultError>,
    /// Wait this long before answering (or before the error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Close the connection without an answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop: bool,
    /// The chance, 0 to 1, that a matching call is hit (1 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Hit this many calls, then stop (always when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FaultError {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The HTTP status; by default the one AWS gives that code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

/// The call being asked about.
pub struct Call<'a> {
    pub service: &'a str,
    pub operation: &'a str,
    pub region: &'a str,
    pub account: &'a str,
}

/// What the server does to a call that rules hit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hit {
    /// The rules that acted, in order.
    pub rules: Vec<String>,
    pub latency: Duration,
    /// Code, message, HTTP status.
    pub error: Option<(String, String, u16)>,
    pub drop: bool,
}

struct Installed {
    id: String,
    rule: FaultRule,
    /// Hits left (`None`: no end).
    remaining: Option<u64>,
    hits: u64,
    from_scenario: bool,
}

impl Installed {
    fn view(&self) -> Value {
        let mut v = serde_json::to_value(&self.rule).unwrap_or_else(|_| json!({}));
        if let Value::Object(map) = &mut v {
            map.insert("id".into(), json!(self.id));
            map.insert("hits".into(), json!(self.hits));
            map.insert("remaining".into(), json!(self.remaining));
            map.insert(
                "source".into(),
                json!(if self.from_scenario {
                    "scenario"
                } else {
                    "api"
                }),
            );
        }
        v
    }

    fn matches(&self, call: &Call, param: &dyn Fn(&str) -> Option<String>) -> bool {
        let r = &self.rule;
        let same = |want: &Option<String>, have: &str| {
            want.as_deref().is_none_or(|w| w.eq_ignore_ascii_case(have))
        };
        self.remaining != Some(0)
            && same(&r.service, call.service)
            && same(&r.operation, call.operation)
            && r.region.as_deref().is_none_or(|w| w == call.region)
            && r.account.as_deref().is_none_or(|w| w == call.account)
            && r.parameters.iter().all(|(name, want)| {
                param(name).is_some_and(|have| match want {
                    Value::String(s) => *s == have,
                    other => serde_json::to_string(other).is_ok_and(|text| text == have),
                })
            })
    }
}

pub struct Faults {
    rules: Mutex<Vec<Installed>>,
    /// Whether any rule is installed: the server asks nothing otherwise.
    armed: AtomicBool,
    next_id: AtomicU64,
    rng: Mutex<SmallRng>,
}

impl Faults {
    pub fn new(seed: Option<u64>) -> Faults {
        Faults {
            rules: Mutex::new(Vec::new()),
            armed: AtomicBool::new(false),
            next_id: AtomicU64::new(1),
            rng: Mutex::new(match seed {
                Some(s) => SmallRng::seed_from_u64(s),
                None => SmallRng::from_entropy(),
            }),
        }
    }

    /// Whether any rule could hit a call.
    pub fn armed(&self) -> bool {
        self.armed.load(Ordering::Acquire)
    }

    fn rearm(&self, rules: &[Installed]) {
        self.armed.store(!rules.is_empty(), Ordering::Release);
    }

    /// Installs a rule; answers it as listed, with its id.
    pub fn add(&self, rule: FaultRule, from_scenario: bool) -> Result<Value, String> {
        let rule = checked(rule)?;
        let id = format!("fault-{}", self.next_id.fetch_add(1, Ordering::Relaxed));
        let installed = Installed {
            id,
            remaining: rule.count,
            rule,
            hits: 0,
            from_scenario,
        };
        let view = installed.view();
        let mut rules = self.rules.lock();
        rules.push(installed);
        self.rearm(&rules);
        Ok(view)
    }

    pub fn list(&self) -> Vec<Value> {
        self.rules.lock().iter().map(Installed::view).collect()
    }

    /// Removes one rule; false if there is none by that id.
    pub fn remove(&self, id: &str) -> bool {
        let mut rules = self.rules.lock();
        let before = rules.len();
        rules.retain(|r| r.id != id);
        self.rearm(&rules);
        rules.len() != before
    }

    /// Removes every rule; answers how many there were.
    pub fn clear(&self) -> usize {
        let mut rules = self.rules.lock();
        let n = rules.len();
        rules.clear();
        self.rearm(&rules);
        n
    }

    /// A reset: the API's rules go, the scenario's start afresh.
    pub fn reset(&self) {
        let mut rules = self.rules.lock();
        rules.retain(|r| r.from_scenario);
        for r in rules.iter_mut() {
            r.remaining = r.rule.count;
            r.hits = 0;
        }
        self.rearm(&rules);
    }

    /// The rules still able to act, as a scenario's `settings.faults`
    /// (a counted rule with what it has left).
    pub fn export(&self) -> Vec<FaultRule> {
        self.rules
            .lock()
            .iter()
            .filter(|r| r.remaining != Some(0))
            .map(|r| FaultRule {
                count: r.remaining,
                ..r.rule.clone()
            })
            .collect()
    }

    /// What the rules do to `call` (`param` reads a request parameter), or
    /// `None` when no rule acts. Latencies add up; the first rule with an
    /// error or a drop decides the outcome, and later ones are not spent.
    pub fn check(&self, call: &Call, param: &dyn Fn(&str) -> Option<String>) -> Option<Hit> {
        let mut rules = self.rules.lock();
        let mut hit = Hit::default();
        for r in rules.iter_mut() {
            let ends_call = r.rule.error.is_some() || r.rule.drop;
            if (ends_call && (hit.error.is_some() || hit.drop)) || !r.matches(call, param) {
                continue;
            }
            if let Some(p) = r.rule.probability {
                if self.rng.lock().gen::<f64>() >= p {
                    continue;
                }
            }
            if let Some(n) = &mut r.remaining {
                *n -= 1;
            }
            r.hits += 1;
            hit.rules.push(r.id.clone());
            hit.latency += Duration::from_millis(r.rule.latency_ms.unwrap_or(0));
            hit.drop |= r.rule.drop;
            if let Some(e) = &r.rule.error {
                let (status, message) = defaults(&e.code);
                hit.error = Some((
                    e.code.clone(),
                    e.message.clone().unwrap_or_else(|| message.to_string()),
                    e.status.unwrap_or(status),
                ));
            }
        }
        (!hit.rules.is_empty()).then_some(hit)
    }
}

const SERVICES: [&str; 4] = ["ec2", "elbv2", "ecs", "sts"];

/// The rule as kept, or why it cannot be.
fn checked(mut rule: FaultRule) -> Result<FaultRule, String> {
    if let Some(s) = &rule.service {
        let s = s.to_ascii_lowercase();
        let s = if s == "elasticloadbalancing" {
            "elbv2".to_string()
        } else {
            s
        };
        if !SERVICES.contains(&s.as_str()) {
            return Err(format!(
                "service {s:?} is not one awsemu emulates: {}",
                SERVICES.join(", ")
            ));
        }
        rule.service = Some(s);
    }
    if rule.error.is_none() && rule.latency_ms.is_none() && !rule.drop {
        return Err("a fault needs something to do: \"error\", \"latencyMs\" or \"drop\"".into());
    }
    if let Some(e) = &rule.error {
        if e.code.trim().is_empty() {
            return Err("error.code must name an AWS error code".into());
        }
        if let Some(s) = e.status {
            if !(400..=599).contains(&s) {
                return Err(format!(
                    "error.status {s} is not an HTTP error status (400-599)"
                ));
            }
        }
    }
    if rule.drop && rule.error.is_some() {
        return Err(
            "a dropped connection answers nothing: give \"error\" or \"drop\", not both".into(),
        );
    }
    if let Some(p) = rule.probability {
        if !(0.0..=1.0).contains(&p) {
            return Err(format!("probability {p} is not between 0 and 1"));
        }
    }
    if rule.latency_ms.is_some_and(|ms| ms > 600_000) {
        return Err("latencyMs is at most 600000 (ten minutes)".into());
    }
    if rule.count == Some(0) {
        return Err("count must be at least 1 (leave it out for every call)".into());
    }
    Ok(rule)
}

/// The HTTP status and message AWS gives an error code, for a rule that
/// names only the code.
fn defaults(code: &str) -> (u16, &'static str) {
    match code {
        // EC2's throttle [R: EC2 API reference, "Request throttling"].
        "RequestLimitExceeded" => (503, "Request limit exceeded."),
        // ELBv2 and ECS throttles.
        "Throttling" | "ThrottlingException" => (400, "Rate exceeded"),
        "InternalError" => (500, "An internal error has occurred."),
        "InternalFailure" => (
            500,
            "The request processing has failed because of an unknown error, exception or failure.",
        ),
        "ServerException" => (500, "Service encountered an internal error."),
        "ServiceUnavailable" | "Unavailable" => (
            503,
            "The request has failed due to a temporary failure of the server.",
        ),
        _ => (400, "The request failed (a fault injected by awsemu)."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(v: Value) -> FaultRule {
        serde_json::from_value(v).unwrap()
    }

    fn call<'a>(service: &'a str, operation: &'a str) -> Call<'a> {
        Call {
            service,
            operation,
            region: "us-east-1",
            account: "000000000000",
        }
    }

    fn no_params(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn a_counted_rule_hits_that_many_calls_then_stops() {
        let f = Faults::new(Some(1));
        f.add(
            rule(json!({"service": "ec2", "operation": "DescribeVpcs",
                        "error": {"code": "RequestLimitExceeded"}, "count": 2})),
            false,
        )
        .unwrap();
        let c = call("ec2", "DescribeVpcs");
        let hit = f.check(&c, &no_params).unwrap();
        assert_eq!(
            hit.error,
            Some((
                "RequestLimitExceeded".into(),
                "Request limit exceeded.".into(),
                503
            ))
        );
        assert!(f.check(&c, &no_params).is_some());
        assert_eq!(f.check(&c, &no_params), None);
        assert_eq!(f.check(&call("ec2", "DescribeSubnets"), &no_params), None);
        assert_eq!(f.list()[0]["hits"], 2);
        assert_eq!(f.list()[0]["remaining"], 0);
        assert!(f.export().is_empty(), "a spent rule is not exported");
    }

    #[test]
    fn parameters_must_match_and_latency_adds_to_an_error() {
        let f = Faults::new(Some(1));
        f.add(rule(json!({"latencyMs": 5})), false).unwrap();
        f.add(
            rule(
                json!({"service": "ecs", "parameters": {"cluster": "a", "count": 2},
                        "error": {"code": "ThrottlingException"}}),
            ),
            false,
        )
        .unwrap();
        let params = |n: &str| match n {
            "cluster" => Some("a".to_string()),
            "count" => Some("2".to_string()),
            _ => None,
        };
        let hit = f.check(&call("ecs", "RunTask"), &params).unwrap();
        assert_eq!(hit.latency, Duration::from_millis(5));
        assert_eq!(hit.error.unwrap().2, 400);
        let other = |n: &str| (n == "cluster").then(|| "b".to_string());
        let hit = f.check(&call("ecs", "RunTask"), &other).unwrap();
        assert_eq!(hit.error, None);
        assert_eq!(hit.rules, vec!["fault-1".to_string()]);
    }

    #[test]
    fn a_reset_keeps_the_scenarios_rules_afresh() {
        let f = Faults::new(None);
        f.add(rule(json!({"drop": true, "count": 1})), true)
            .unwrap();
        f.add(rule(json!({"latencyMs": 1})), false).unwrap();
        assert!(
            f.check(&call("sts", "GetCallerIdentity"), &no_params)
                .unwrap()
                .drop
        );
        f.reset();
        assert_eq!(f.list().len(), 1);
        assert_eq!(f.list()[0]["remaining"], 1);
        assert_eq!(f.clear(), 1);
        assert!(!f.armed());
    }

    #[test]
    fn rules_that_cannot_act_are_refused() {
        let f = Faults::new(None);
        for bad in [
            json!({"service": "ec2"}),
            json!({"service": "s3", "drop": true}),
            json!({"error": {"code": "X", "status": 200}}),
            json!({"error": {"code": "X"}, "probability": 1.5}),
            json!({"drop": true, "error": {"code": "X"}}),
            json!({"drop": true, "count": 0}),
        ] {
            assert!(f.add(rule(bad.clone()), false).is_err(), "{bad}");
        }
        assert!(serde_json::from_value::<FaultRule>(json!({"errror": {}})).is_err());
        assert!(!f.armed());
    }

    #[test]
    fn probability_zero_never_hits_and_one_always_does() {
        let f = Faults::new(Some(7));
        f.add(rule(json!({"drop": true, "probability": 0.0})), false)
            .unwrap();
        assert!((0..100).all(|_| f.check(&call("ec2", "X"), &no_params).is_none()));
        f.add(rule(json!({"latencyMs": 1, "probability": 1.0})), false)
            .unwrap();
        assert!((0..100).all(|_| f.check(&call("ec2", "X"), &no_params).is_some()));
    }
}
