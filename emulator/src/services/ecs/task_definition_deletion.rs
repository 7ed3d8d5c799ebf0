//! DeleteTaskDefinitions: an INACTIVE revision goes `DELETE_IN_PROGRESS`
//! and is gone once no task or service uses it (its revision number is not
//! reused).

use super::common::{client, invalid, short_name, R};
use super::state::TaskDefRec;
use crate::model::ecs as m;
use crate::services::state::Ctx;

/// Whether a revision being deleted has no running task or live service
/// left, so that AWS no longer shows it.
pub(super) fn gone(ctx: &Ctx, d: &TaskDefRec) -> bool {
    if d.model.status.as_deref() != Some("DELETE_IN_PROGRESS") {
        return false;
    }
    let arn = d.model.task_definition_arn.as_deref();
    let st = &ctx.acct().ecs;
    let tasks = st.tasks.values().any(|t| {
        t.model.shape.task_definition_arn.as_deref() == arn
            && t.model.last_status.as_deref() != Some("STOPPED")
    });
    let services = st.services.values().any(|s| {
        s.model.status.as_deref() != Some("INACTIVE")
            && (s.model.task_definition.as_deref() == arn
                || s.model
                    .deployments
                    .iter()
                    .flatten()
                    .any(|d| d.task_definition.as_deref() == arn))
    });
    !tasks && !services
}

fn failure(reference: &str, reason: &str) -> m::Failure {
    m::Failure {
        arn: Some(reference.to_string()),
        reason: Some(reason.to_string()),
        detail: None,
    }
}

pub(super) fn delete(
    ctx: &mut Ctx,
    i: m::DeleteTaskDefinitionsRequest,
) -> R<m::DeleteTaskDefinitionsResponse> {
    let refs = i.task_definitions.unwrap_or_default();
    if refs.is_empty() {
        return Err(invalid("taskDefinitions cannot be empty."));
    }
    if refs.len() > 10 {
        return Err(invalid("taskDefinitions can have at most 10 items."));
    }
    let mut deleted = Vec::new();
    let mut failures = Vec::new();
    for r in &refs {
        let short = short_name(r, "task-definition");
        let Some((family, rev)) = short
            .rsplit_once(':')
            .and_then(|(f, n)| n.parse::<usize>().ok().map(|n| (f.to_string(), n)))
        else {
            return Err(client(format!(
                "Invalid revision number. Number: {r}: a revision (family:revision) or an ARN is required."
            )));
        };
        let found = ctx
            .acct()
            .ecs
            .families
            .get(&family)
            .and_then(|revs| rev.checked_sub(1).and_then(|n| revs.get(n)))
            .filter(|d| !gone(ctx, d))
            .map(|d| d.model.status.clone().unwrap_or_default());
        match found.as_deref() {
            None => failures.push(failure(r, "The specified task definition does not exist.")),
            Some("ACTIVE") => failures.push(failure(
                r,
                "The specified task definition is still in ACTIVE status. Please deregister the target and try again.",
            )),
            Some(_) => {
                let d = &mut ctx.acct_mut().ecs.families.get_mut(&family).expect("found")
                    [rev - 1];
                d.model.status = Some("DELETE_IN_PROGRESS".into());
                deleted.push(d.model.clone());
                ctx.emit(super::common::event(
                    "task-definition",
                    &format!("{family}:{rev}"),
                    "deleted",
                    Some("DELETE_IN_PROGRESS"),
                ));
            }
        }
    }
    Ok(m::DeleteTaskDefinitionsResponse {
        task_definitions: Some(deleted),
        failures: Some(failures),
    })
}
