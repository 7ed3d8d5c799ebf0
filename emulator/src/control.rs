//! The emulator's own API under `/_awsemu/` (JSON in, JSON out): health,
//! reset, state export, the event log and the world clock. `POST
//! /moto-api/reset` is accepted too, so suites written for moto can switch.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::services::World;

fn reply(status: StatusCode, body: Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn clock(world: &World) -> Value {
    json!({
        "now": world.clock.now().to_iso8601(),
        "epochMillis": world.clock.now_ms(),
        "pace": world.clock.pace(),
    })
}

pub fn handle(
    world: &std::sync::Arc<World>,
    method: &Method,
    path: &str,
    query: Option<&str>,
    body: &[u8],
) -> Response<Full<Bytes>> {
    let path = path.trim_end_matches('/');
    match (method, path) {
        (&Method::GET, "/_awsemu/health") => reply(
            StatusCode::OK,
            json!({
                "status": "running",
                "version": env!("CARGO_PKG_VERSION"),
                "services": { "ec2": "running", "elbv2": "running", "ecs": "running" },
                "pace": world.clock.pace(),
                "defaultAccount": world.config.default_account,
            }),
        ),
        (&Method::POST, "/_awsemu/reset") | (&Method::POST, "/moto-api/reset") => {
            let started = std::time::Instant::now();
            match world.reset() {
                Ok(()) => {
                    let ms = started.elapsed().as_secs_f64() * 1000.0;
                    tracing::info!(ms, "world reset");
                    reply(StatusCode::OK, json!({ "reset": true, "milliseconds": ms }))
                }
                Err(e) => reply(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({ "reset": false, "error": e.to_string() }),
                ),
            }
        }
        (&Method::GET, "/_awsemu/state") => {
            // A scenario that rebuilds this world: YAML, or JSON with ?format=json;
            // ?format=raw gives the internal state.
            match param(query, "format").as_deref() {
                Some("raw") => reply(StatusCode::OK, world.export()),
                Some("json") => reply(StatusCode::OK, crate::scenario::export(world)),
                _ => {
                    let yaml = crate::scenario::export::to_yaml(&crate::scenario::export(world));
                    let mut r = Response::new(Full::new(Bytes::from(yaml)));
                    r.headers_mut()
                        .insert(CONTENT_TYPE, HeaderValue::from_static("application/yaml"));
                    r
                }
            }
        }
        (&Method::GET, "/_awsemu/events") => {
            let since = param(query, "since")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0u64);
            reply(
                StatusCode::OK,
                json!({ "events": world.events.since(since) }),
            )
        }
        (&Method::GET, "/_awsemu/clock") => reply(StatusCode::OK, clock(world)),
        (&Method::GET, "/_awsemu/notifications") => reply(
            StatusCode::OK,
            json!({ "notifications": world.notifier.log() }),
        ),
        (&Method::POST, "/_awsemu/clock") | (&Method::POST, "/_awsemu/clock/advance") => {
            let from_body: Option<Value> = serde_json::from_slice(body).ok();
            let seconds = from_body
                .as_ref()
                .and_then(|v| v.get("seconds").or_else(|| v.get("advanceSeconds")))
                .and_then(Value::as_f64)
                .or_else(|| param(query, "seconds").and_then(|s| s.parse().ok()));
            let Some(seconds) = seconds.filter(|s| s.is_finite() && *s >= 0.0) else {
                return reply(
                    StatusCode::BAD_REQUEST,
                    json!({ "error": "give the seconds to advance: {\"seconds\": 5} or ?seconds=5 (not negative)" }),
                );
            };
            world.advance((seconds * 1000.0).round() as i64);
            reply(StatusCode::OK, clock(world))
        }
        (&Method::POST, "/_awsemu/elbv2/target-health") => target_health(world, body),
        (_, "/_awsemu/faults") => faults(world, method, None, body),
        (_, p) if p.starts_with("/_awsemu/faults/") => {
            faults(world, method, p.strip_prefix("/_awsemu/faults/"), body)
        }
        (&Method::GET, "/_awsemu/reachability") => reachability(world, query),
        _ => reply(
            StatusCode::NOT_FOUND,
            json!({
                "error": format!("no control endpoint {method} {path}"),
                "endpoints": [
                    "GET /_awsemu/health", "POST /_awsemu/reset", "GET /_awsemu/state",
                    "GET /_awsemu/events?since=N", "GET /_awsemu/notifications", "GET /_awsemu/clock",
                    "POST /_awsemu/clock {\"seconds\": N}", "POST /moto-api/reset",
                    "POST /_awsemu/elbv2/target-health {\"targetGroupArn\", \"targetId\", \"port\", \"healthy\"}",
                    "GET|POST|DELETE /_awsemu/faults", "DELETE /_awsemu/faults/{id}"
                ],
            }),
        ),
    }
}

/// Fault rules: `POST` adds one (`{"service", "operation", "error":
/// {"code", "message", "status"}, "latencyMs", "drop", "probability",
/// "count", "region", "account", "parameters"}`) and answers it with its
/// id; `GET` lists them with their hits; `DELETE` removes one by id, or all.
fn faults(
    world: &std::sync::Arc<World>,
    method: &Method,
    id: Option<&str>,
    body: &[u8],
) -> Response<Full<Bytes>> {
    let faults = &world.faults;
    match (method, id) {
        (&Method::GET, None) => reply(StatusCode::OK, json!({ "faults": faults.list() })),
        (&Method::POST, None) => {
            let rule = serde_json::from_slice::<crate::world::faults::FaultRule>(body)
                .map_err(|e| format!("not a fault rule: {e}"))
                .and_then(|rule| faults.add(rule, false));
            match rule {
                Ok(view) => {
                    tracing::info!(rule = %view, "fault added");
                    reply(StatusCode::OK, view)
                }
                Err(e) => reply(StatusCode::BAD_REQUEST, json!({ "error": e })),
            }
        }
        (&Method::DELETE, None) => reply(StatusCode::OK, json!({ "deleted": faults.clear() })),
        (&Method::DELETE, Some(id)) if faults.remove(id) => {
            reply(StatusCode::OK, json!({ "deleted": id }))
        }
        (&Method::DELETE, Some(id)) => reply(
            StatusCode::NOT_FOUND,
            json!({ "error": format!("no fault {id}") }),
        ),
        _ => reply(
            StatusCode::METHOD_NOT_ALLOWED,
            json!({ "error": format!("{method} is not a method of the faults endpoint: GET, POST or DELETE /_awsemu/faults, DELETE /_awsemu/faults/{{id}}") }),
        ),
    }
}

/// `{"targetGroupArn", "targetId", "port"?, "healthy": false}`: the target
/// fails its health checks from now on (`unhealthy`,
/// `Target.FailedHealthChecks`), or passes them again with `true`. The
/// account and Region are the target group ARN's.
fn target_health(world: &std::sync::Arc<World>, body: &[u8]) -> Response<Full<Bytes>> {
    let bad = |e: String| reply(StatusCode::BAD_REQUEST, json!({ "error": e }));
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return bad(
            "a JSON body is needed: {\"targetGroupArn\", \"targetId\", \"port\", \"healthy\"}"
                .into(),
        );
    };
    let arn = v
        .get("targetGroupArn")
        .and_then(Value::as_str)
        .unwrap_or("");
    let id = v.get("targetId").and_then(Value::as_str).unwrap_or("");
    let port = v.get("port").and_then(Value::as_i64).map(|p| p as i32);
    let Some(healthy) = v.get("healthy").and_then(Value::as_bool) else {
        return bad("\"healthy\": true or false is needed".into());
    };
    let who = match crate::services::elbv2::target_group_owner(arn) {
        Some(who) if !id.is_empty() => who,
        _ => {
            return bad(format!(
                "'{arn}' is not a target group ARN, or no targetId was given"
            ))
        }
    };
    let mut ctx = world.context(&who, "control");
    match crate::services::elbv2::set_target_health(&mut ctx, arn, id, port, !healthy) {
        Ok(()) => {
            // A service whose task it is replaces it, as ECS does.
            crate::services::ecs::target_health_changed(&mut ctx, arn);
            reply(
                StatusCode::OK,
                json!({ "targetGroupArn": arn, "targetId": id, "healthy": healthy }),
            )
        }
        Err(e) => reply(StatusCode::NOT_FOUND, json!({ "error": e })),
    }
}

/// `GET /_awsemu/reachability?from=<eni-id|instance-id|task-arn>&to=<service|host>`
/// (`account` and `region` default to the default account and `us-east-1`;
/// a task ARN gives both): whether traffic from there reaches the
/// destination, the path, or the hop that blocks it and why.
fn reachability(world: &std::sync::Arc<World>, query: Option<&str>) -> Response<Full<Bytes>> {
    use crate::services::ec2::reachability::{check, check_for, instance_eni, To};
    let bad = |e: String| reply(StatusCode::BAD_REQUEST, json!({ "error": e }));
    let (Some(from), Some(to)) = (param(query, "from"), param(query, "to")) else {
        return bad("from (an ENI id, instance id or task ARN) and to (a service such as ecr.dkr, or a host) are needed".into());
    };
    let arn: Vec<&str> = from.splitn(6, ':').collect();
    let (mut account, mut region) = (
        param(query, "account").unwrap_or_else(|| world.config.default_account.clone()),
        param(query, "region").unwrap_or_else(|| "us-east-1".into()),
    );
    if arn.len() == 6 && arn[0] == "arn" {
        region = arn[3].to_string();
        account = arn[4].to_string();
    }
    if !crate::world::regions::is_region_name(&region) {
        return bad(format!("'{region}' is not a Region"));
    }
    let who = crate::world::Identity::root(&account, &region);
    let ctx = world.context(&who, "control");
    let st = &ctx.acct().ec2;
    let eni = if from.starts_with("eni-") {
        Some(from.clone())
    } else if from.starts_with("i-") {
        instance_eni(st, &from).map(str::to_string)
    } else {
        crate::services::ecs::task_interface(&ctx, &from)
    };
    let Some(eni) = eni else {
        return reply(
            StatusCode::NOT_FOUND,
            json!({ "error": format!("'{from}' has no network interface in account {account}, {region}") }),
        );
    };
    // `action=ecr:GetAuthorizationToken` (repeatable or comma-separated):
    // the endpoint's policy must allow it too.
    let actions: Vec<String> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .filter(|(k, _)| k == "action")
        .flat_map(|(_, v)| v.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|a| !a.is_empty())
        .collect();
    let actions: Vec<&str> = actions.iter().map(String::as_str).collect();
    let to = To::parse(&to, &region);
    let answer = if actions.is_empty() {
        check(st, &region, &eni, &to)
    } else {
        check_for(st, &region, &eni, &to, &account, &actions)
    };
    reply(
        StatusCode::OK,
        serde_json::to_value(answer).unwrap_or(Value::Null),
    )
}
