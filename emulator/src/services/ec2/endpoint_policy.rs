//! Whether a VPC endpoint's policy lets an action through (IAM policy
//! evaluation, as far as an endpoint policy needs it: an explicit `Deny`
//! wins, else some `Allow` must match; `Action`/`NotAction` with `*` and
//! `?` wildcards, case-insensitive; `Principal` `*` or naming the caller's
//! account). Resources and conditions are not evaluated: a statement with
//! them counts as matching [U].

use serde_json::Value;

fn list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => vec![],
    }
}

/// `*` any run, `?` one character, ignoring case (IAM action matching).
fn wildcard(pattern: &str, value: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let v: Vec<char> = value.to_ascii_lowercase().chars().collect();
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < v.len() {
        if i < p.len() && (p[i] == '?' || p[i] == v[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    while i < p.len() && p[i] == '*' {
        i += 1;
    }
    i == p.len()
}

fn principal_matches(p: Option<&Value>, account: &str) -> bool {
    let names = match p {
        None => return true,
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Object(o)) => o.values().flat_map(|v| list(Some(v))).collect(),
        _ => return false,
    };
    names
        .iter()
        .any(|n| n == "*" || n == account || n.contains(&format!(":{account}:")))
}

fn statement_matches(s: &Value, account: &str, action: &str) -> bool {
    let actions = list(s.get("Action"));
    let not_actions = list(s.get("NotAction"));
    let by_action = if !actions.is_empty() {
        actions.iter().any(|a| wildcard(a, action))
    } else if !not_actions.is_empty() {
        !not_actions.iter().any(|a| wildcard(a, action))
    } else {
        false
    };
    by_action && principal_matches(s.get("Principal"), account)
}

/// Whether `policy` (None: AWS's default full access) lets `account`'s
/// callers do `action`.
pub fn allows(policy: Option<&str>, account: &str, action: &str) -> bool {
    let Some(text) = policy else {
        return true;
    };
    let Ok(doc) = serde_json::from_str::<Value>(text) else {
        return false;
    };
    let statements: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => vec![],
    };
    let effect = |s: &Value| {
        s.get("Effect")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let matching: Vec<&Value> = statements
        .into_iter()
        .filter(|s| statement_matches(s, account, action))
        .collect();
    !matching.iter().any(|s| effect(s) == "Deny") && matching.iter().any(|s| effect(s) == "Allow")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_policies_evaluate_as_iam_does() {
        let full =
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
        assert!(allows(
            Some(full),
            "111122223333",
            "ecr:GetAuthorizationToken"
        ));
        assert!(allows(None, "111122223333", "s3:GetObject"));
        let ecr = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["ecr:Batch*","ecr:GetDownloadUrlForLayer"],"Resource":"*"}}"#;
        assert!(allows(Some(ecr), "111122223333", "ecr:BatchGetImage"));
        assert!(!allows(
            Some(ecr),
            "111122223333",
            "ecr:GetAuthorizationToken"
        ));
        let deny = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},
            {"Effect":"Deny","Principal":"*","Action":"s3:Get?bject","Resource":"*"}]}"#;
        assert!(!allows(Some(deny), "111122223333", "s3:GetObject"));
        assert!(allows(Some(deny), "111122223333", "s3:PutObject"));
        let other = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"*"}]}"#;
        assert!(!allows(Some(other), "111122223333", "logs:PutLogEvents"));
        let not =
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","NotAction":"logs:Delete*"}]}"#;
        assert!(allows(Some(not), "111122223333", "logs:CreateLogStream"));
        assert!(!allows(
            Some("not json"),
            "111122223333",
            "logs:CreateLogStream"
        ));
    }
}
