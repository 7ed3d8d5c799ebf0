//! `/_awsemu/state`: today's world written as a scenario that, loaded again,
//! rebuilds it through the handlers. Resources keep their ids (pinned), and
//! so does what AWS generated for them (association and rule ids, network
//! interfaces, DNS suffixes, creation times, task ids, the default VPC's
//! ids); references use ids. Describe calls answer the same before and after.
//! Each service writes its own resources (`services/*/scenario.rs`).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::scenario_file::format as f;
use crate::services::{ec2, ecs, elbv2, Region};

/// The scenario of a world, as a JSON value (nulls and empty collections left out).
pub fn scenario(regions: &[&Region], settings: f::Settings) -> Value {
    let mut accounts: BTreeMap<String, f::Account> = BTreeMap::new();
    for region in regions {
        for (id, a) in &region.accounts {
            let entry = accounts.entry(id.clone()).or_insert_with(|| f::Account {
                id: id.clone(),
                ..Default::default()
            });
            let mut out = f::RegionResources::default();
            ec2::scenario::export(regions, region, id, a, &mut out);
            ec2::instances::scenario::export(&region.name, id, a, &mut out);
            elbv2::scenario::export(a, &mut out);
            elbv2::scenario::export_targets_and_listeners(a, &mut out);
            ecs::scenario::export(id, a, &mut out);
            entry.regions.insert(region.name.clone(), out);
        }
    }
    let s = f::Scenario {
        version: 1,
        description: Some("Exported by awsemu from GET /_awsemu/state".into()),
        settings,
        accounts: accounts.into_values().collect(),
    };
    let mut v = serde_json::to_value(&s).unwrap_or(Value::Null);
    prune(&mut v);
    v
}

/// Drops nulls and empty lists/maps, so the file says only what matters.
fn prune(v: &mut Value) -> bool {
    match v {
        Value::Null => false,
        Value::Array(items) => {
            items.retain_mut(prune);
            !items.is_empty()
        }
        Value::Object(map) => {
            map.retain(|_, x| prune(x));
            !map.is_empty()
        }
        _ => true,
    }
}

/// A JSON value as YAML text.
pub fn to_yaml(v: &Value) -> String {
    use yaml_rust2::yaml::{Hash, Yaml};
    fn conv(v: &Value) -> Yaml {
        match v {
            Value::Null => Yaml::Null,
            Value::Bool(b) => Yaml::Boolean(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Yaml::Integer(i),
                None => Yaml::Real(n.to_string()),
            },
            Value::String(s) => Yaml::String(s.clone()),
            Value::Array(a) => Yaml::Array(a.iter().map(conv).collect()),
            Value::Object(m) => {
                let mut h = Hash::new();
                for (k, x) in m {
                    h.insert(Yaml::String(k.clone()), conv(x));
                }
                Yaml::Hash(h)
            }
        }
    }
    let mut out = String::new();
    let mut emitter = yaml_rust2::YamlEmitter::new(&mut out);
    // Writing into a String cannot fail.
    let _ = emitter.dump(&conv(v));
    out.push('\n');
    out
}
