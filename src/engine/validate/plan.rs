//! The check of a new routing plan: compiled once here, at validation,
//! so that carrying it out cannot fail. Apart from the other checks: it
//! is the one that runs the plan compiler rather than reading the state.

use super::super::error::EngineError;
use super::super::state::index::GroupIdx;
use super::super::state::State;

/// A plan compiled, or every error it has. Leaves room for the groups its
/// queues may create (each conversation's pool is at most
/// `MAX_POOL_GROUPS` groups, created as it waits).
pub(super) fn check_plan(
    state: &State,
    plan: Option<&crate::plan::Plan>,
) -> Result<Option<std::sync::Arc<crate::plan::compiled::CompiledPlan>>, EngineError> {
    let Some(plan) = plan else {
        return Ok(None);
    };
    let (compiled, _warnings) = crate::plan::compile(plan).map_err(|problems| {
        crate::plan::PlanError::Invalid(
            problems
                .into_iter()
                .filter(|p| p.severity() == crate::plan::Severity::Error)
                .collect(),
        )
    })?;
    if GroupIdx::new(state.groups.len() + crate::plan::limits::MAX_POOL_GROUPS * 2).is_none() {
        return Err(EngineError::Full("group"));
    }
    Ok(Some(std::sync::Arc::new(compiled)))
}
