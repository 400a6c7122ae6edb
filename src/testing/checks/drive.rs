//! Running a check: proptest generates scenarios, each runs on a fresh
//! engine and policy, and the first violation is shrunk and replayed.

use super::{Check, CheckConfig, CheckError, CheckReport, Counterexample};
use crate::policy::PolicyFactory;
use crate::testing::measures::Measures;
use crate::testing::run::{run, RunError, Trace};
use crate::testing::scenario::Scenario;
use crate::testing::violation::Violation;
use proptest::strategy::Strategy;
use proptest::test_runner::{TestCaseError, TestError};
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

pub(super) type Finder = fn(&Trace, &CheckConfig) -> Option<Violation>;

/// Runs one scenario and looks for a violation; the trace when it ran.
fn evaluate(
    scenario: &Scenario,
    policy: &PolicyFactory,
    config: &CheckConfig,
    find: Finder,
) -> (Option<Violation>, Option<Trace>) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        run(scenario, policy.build(), &config.engine)
    }));
    match outcome {
        Ok(Ok(trace)) => (find(&trace, config), Some(trace)),
        Ok(Err(RunError::Audit {
            step,
            violation,
            trace,
        })) => (Some(Violation::Audit { step, violation }), Some(*trace)),
        // Validated before the search starts.
        Ok(Err(RunError::Config(e))) => (Some(Violation::Panicked(e.to_string())), None),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic".to_owned());
            (Some(Violation::Panicked(message)), None)
        }
    }
}

pub(super) fn drive<S: Strategy<Value = Scenario>>(
    check: Check,
    policy: &PolicyFactory,
    config: &CheckConfig,
    strategy: S,
    find: Finder,
) -> Result<CheckReport, CheckError> {
    config.engine.validate()?;
    let name = policy.build().name().to_owned();
    let measures = RefCell::new(Measures::default());
    let mut runner = config.runner();
    let result = runner.run(&strategy, |scenario| {
        let (violation, trace) = evaluate(&scenario, policy, config, find);
        if let Some(violation) = violation {
            return Err(TestCaseError::fail(violation.to_string()));
        }
        if let Some(trace) = trace {
            measures.borrow_mut().merge(&Measures::of(&trace));
        }
        Ok(())
    });
    match result {
        Ok(()) => Ok(CheckReport {
            check,
            policy: name,
            cases: config.cases,
            measures: measures.into_inner(),
        }),
        Err(TestError::Fail(reason, scenario)) => {
            let (violation, trace) = evaluate(&scenario, policy, config, find);
            let violation = violation.unwrap_or_else(|| {
                Violation::Panicked(format!("did not fail again when replayed: {reason}"))
            });
            Err(CheckError::Failed(Box::new(Counterexample {
                check,
                policy: name,
                seed: config.seed,
                scenario,
                violation,
                trace,
            })))
        }
        Err(TestError::Abort(reason)) => Err(CheckError::Aborted {
            check,
            reason: reason.to_string(),
        }),
    }
}
