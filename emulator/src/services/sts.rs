//! STS (query protocol, API 2011-06-15): GetCallerIdentity, the call SDKs,
//! Ansible and Terraform make first to learn the account. The caller is who
//! the request's credentials say (see `--access-key`): its account, and its
//! principal ARN.

use crate::model::sts::{self as m, Api};
use crate::services::ec2::catalog::stable_hex;
use crate::services::state::Ctx;
use crate::wire::AwsError;

pub struct Sts;

impl Api for Sts {
    type Ctx = Ctx;

    fn get_caller_identity(
        &self,
        ctx: &mut Ctx,
        _input: m::GetCallerIdentityRequest,
    ) -> Result<m::GetCallerIdentityResponse, AwsError> {
        let arn = ctx.principal.clone();
        // The root user's id is its account; an IAM user's starts `AIDA`, a
        // role's `AROA` (stable for the ARN).
        let user_id = if arn.ends_with(":root") {
            ctx.account.clone()
        } else {
            let prefix = if arn.contains(":role/") {
                "AROA"
            } else {
                "AIDA"
            };
            format!("{prefix}{}", stable_hex(&arn, 17).to_uppercase())
        };
        Ok(m::GetCallerIdentityResponse {
            user_id: Some(user_id),
            account: Some(ctx.account.clone()),
            arn: Some(arn),
        })
    }
}
