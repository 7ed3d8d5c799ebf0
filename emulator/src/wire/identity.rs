//! Who is calling: the access key and Region from SigV4 (header or presigned
//! query), mapped to an account (aws-spec.md §2).

use std::collections::HashMap;

/// The parts of a SigV4 credential scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub access_key: String,
    pub date: String,
    pub region: String,
    pub service: String,
}

/// `AKID/20240101/us-east-1/ec2/aws4_request`
pub fn parse_credential(scope: &str) -> Option<Credential> {
    let mut parts = scope.split('/');
    let access_key = parts.next()?.to_string();
    let date = parts.next()?.to_string();
    let region = parts.next()?.to_string();
    let service = parts.next()?.to_string();
    if parts.next()? != "aws4_request" || access_key.is_empty() {
        return None;
    }
    Some(Credential {
        access_key,
        date,
        region,
        service,
    })
}

/// From `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
pub fn from_authorization(header: &str) -> Option<Credential> {
    let rest = header.trim().strip_prefix("AWS4-HMAC-SHA256")?;
    rest.split(',')
        .map(str::trim)
        .find_map(|kv| kv.strip_prefix("Credential="))
        .and_then(parse_credential)
}

/// From presigned query parameters (`X-Amz-Credential`).
pub fn from_query(params: &HashMap<String, String>) -> Option<Credential> {
    params
        .get("X-Amz-Credential")
        .and_then(|c| parse_credential(c))
}

/// A 12-digit access key is that account (the LocalStack convention).
pub fn account_of_key(access_key: &str) -> Option<&str> {
    (access_key.len() == 12 && access_key.bytes().all(|b| b.is_ascii_digit())).then_some(access_key)
}

/// The account of an IAM principal ARN (`arn:aws:iam::<account>:root`,
/// `...:role/<name>`, `...:user/<name>`).
pub fn account_of_arn(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let ok = account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && (resource == "root"
            || resource
                .strip_prefix("role/")
                .is_some_and(|n| !n.is_empty())
            || resource
                .strip_prefix("user/")
                .is_some_and(|n| !n.is_empty()));
    ok.then_some(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_credential_scope() {
        let h = "AWS4-HMAC-SHA256 Credential=111111111111/20240101/eu-west-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        let c = from_authorization(h).unwrap();
        assert_eq!(c.access_key, "111111111111");
        assert_eq!(c.region, "eu-west-1");
        assert_eq!(c.service, "ec2");
        assert_eq!(account_of_key(&c.access_key), Some("111111111111"));
        assert_eq!(account_of_key("AKIDEXAMPLE"), None);
        assert!(from_authorization("Basic xyz").is_none());
        assert!(parse_credential("a/b/c/d/e").is_none());
        assert_eq!(
            account_of_arn("arn:aws:iam::222222222222:role/app"),
            Some("222222222222")
        );
        assert_eq!(
            account_of_arn("arn:aws:iam::222222222222:root"),
            Some("222222222222")
        );
        assert_eq!(account_of_arn("arn:aws:iam::2222:root"), None);
        assert_eq!(account_of_arn("arn:aws:iam::222222222222:group/x"), None);
    }
}
