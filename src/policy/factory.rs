//! [`PolicyFactory`]: the one way to hand over "a policy, as many times as
//! needed", to the simulator (one per replication and thread) and to the
//! runtime (one per engine a tenant builds or recovers).

use super::{BuiltinPolicy, RoutingPolicy};
use std::fmt;
use std::sync::Arc;

/// Makes a routing policy, a fresh one per call; cheap to clone and
/// shareable between threads. Each call must return the same policy (a
/// recovered tenant is replayed with it, and simulated replications must be
/// comparable).
///
/// ```
/// use switchboard::policy::{BuiltinPolicy, LongestIdle, PolicyFactory};
///
/// let builtin = PolicyFactory::from(BuiltinPolicy::RoundRobin);
/// assert_eq!(builtin.build().name(), "round_robin");
/// let custom = PolicyFactory::from_fn(|| Box::new(LongestIdle));
/// assert_eq!(custom.clone().build().name(), "longest_idle");
/// ```
#[derive(Clone)]
pub struct PolicyFactory {
    make: Arc<dyn Fn() -> Box<dyn RoutingPolicy> + Send + Sync>,
}

impl PolicyFactory {
    /// A factory calling `make` for each policy.
    pub fn from_fn(make: impl Fn() -> Box<dyn RoutingPolicy> + Send + Sync + 'static) -> Self {
        Self {
            make: Arc::new(make),
        }
    }

    /// A new policy.
    pub fn build(&self) -> Box<dyn RoutingPolicy> {
        (self.make)()
    }
}

impl From<BuiltinPolicy> for PolicyFactory {
    fn from(policy: BuiltinPolicy) -> Self {
        Self::from_fn(move || policy.build())
    }
}

impl fmt::Debug for PolicyFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyFactory").finish_non_exhaustive()
    }
}
