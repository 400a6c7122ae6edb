//! [`PolicyFactory`]: the one way to hand over "a policy, as many times as
//! needed", to the simulator (one per replication and thread), the runtime
//! (one per engine a tenant builds or recovers), persistence (one per
//! snapshot recovery tries) and the fairness checks (one per generated case).

use super::{BuiltinPolicy, RoutingPolicy};
use std::fmt;
use std::sync::Arc;

/// Makes a routing policy, a fresh one per call; cheap to clone and
/// shareable between threads. Each call must return the same policy (a
/// recovered tenant is replayed with it, and simulated replications must be
/// comparable).
///
/// Everything that takes one (`impl Into<PolicyFactory>`) also takes a
/// [`BuiltinPolicy`], any `Clone` [`RoutingPolicy`] value (each call builds
/// a clone), or a `&PolicyFactory` (a cheap clone of it).
///
/// ```
/// use switchboard::policy::{BuiltinPolicy, LeastLoaded, LongestIdle, PolicyFactory};
///
/// let builtin = PolicyFactory::from(BuiltinPolicy::RoundRobin);
/// assert_eq!(builtin.build().name(), "round_robin");
/// let custom = PolicyFactory::from_fn(|| Box::new(LongestIdle));
/// assert_eq!(custom.clone().build().name(), "longest_idle");
/// let value = PolicyFactory::from(LeastLoaded);
/// assert_eq!(value.build().name(), "least_loaded");
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

/// A policy value cloned for each call: the builtins' unit structs, or a
/// user's policy whose settings are plain data.
impl<P: RoutingPolicy + Clone + 'static> From<P> for PolicyFactory {
    fn from(policy: P) -> Self {
        Self::from_fn(move || Box::new(policy.clone()))
    }
}

/// The same factory, shared (an `Arc` clone), so a caller holding one
/// passes `&factory` where `impl Into<PolicyFactory>` is asked.
impl From<&PolicyFactory> for PolicyFactory {
    fn from(factory: &PolicyFactory) -> Self {
        factory.clone()
    }
}

impl fmt::Debug for PolicyFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyFactory").finish_non_exhaustive()
    }
}
