//! [`BuiltinPolicy`]: the policies this crate ships, as a typed value, with
//! the by-name lookup configuration files need.

use super::{BestSkillMatch, LeastLoaded, LongestIdle, RoundRobin, RoutingPolicy};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// A built-in routing policy. Pass it wherever a policy is taken
/// ([`Engine::new`](crate::Engine::new) accepts it as is), turn it into a
/// [`PolicyFactory`](super::PolicyFactory) with `From`, or look it up by its
/// configuration name with [`BuiltinPolicy::from_name`] (or `str::parse`).
/// In JSON it is its name.
///
/// ```
/// use switchboard::policy::BuiltinPolicy;
/// use switchboard::{Engine, EngineConfig};
///
/// let policy: BuiltinPolicy = "longest_idle".parse()?;
/// assert_eq!(policy, BuiltinPolicy::LongestIdle);
/// let engine = Engine::new(EngineConfig::default(), policy)?;
/// assert_eq!(engine.policy_name(), "longest_idle");
///
/// let unknown = BuiltinPolicy::from_name("fastest").unwrap_err();
/// assert!(unknown.to_string().contains("least_loaded, longest_idle, round_robin, best_skill"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BuiltinPolicy {
    /// [`LeastLoaded`]: the agent with the lowest load relative to their cap.
    LeastLoaded,
    /// [`LongestIdle`]: the agent idle the longest.
    LongestIdle,
    /// [`RoundRobin`]: the agent assigned least recently.
    RoundRobin,
    /// [`BestSkillMatch`]: the most skilled agent, then the least loaded.
    #[serde(rename = "best_skill")]
    BestSkill,
}

impl BuiltinPolicy {
    /// Every built-in policy, in the order their names are listed.
    pub const ALL: [BuiltinPolicy; 4] = [
        BuiltinPolicy::LeastLoaded,
        BuiltinPolicy::LongestIdle,
        BuiltinPolicy::RoundRobin,
        BuiltinPolicy::BestSkill,
    ];

    /// The policy's configuration name (also what its
    /// [`RoutingPolicy::name`] returns).
    pub const fn name(self) -> &'static str {
        match self {
            BuiltinPolicy::LeastLoaded => "least_loaded",
            BuiltinPolicy::LongestIdle => "longest_idle",
            BuiltinPolicy::RoundRobin => "round_robin",
            BuiltinPolicy::BestSkill => "best_skill",
        }
    }

    /// The configuration names of every built-in policy, in the order of
    /// [`BuiltinPolicy::ALL`].
    pub fn names() -> [&'static str; 4] {
        Self::ALL.map(Self::name)
    }

    /// The built-in policy called `name`, or the typed error that lists the
    /// names there are.
    pub fn from_name(name: &str) -> Result<Self, UnknownPolicy> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| UnknownPolicy {
                name: name.to_owned(),
            })
    }

    /// A new instance of the policy, boxed.
    pub fn build(self) -> Box<dyn RoutingPolicy> {
        match self {
            BuiltinPolicy::LeastLoaded => Box::new(LeastLoaded),
            BuiltinPolicy::LongestIdle => Box::new(LongestIdle),
            BuiltinPolicy::RoundRobin => Box::new(RoundRobin),
            BuiltinPolicy::BestSkill => Box::new(BestSkillMatch),
        }
    }
}

impl fmt::Display for BuiltinPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BuiltinPolicy {
    type Err = UnknownPolicy;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::from_name(name)
    }
}

impl super::IntoPolicy for BuiltinPolicy {
    fn into_policy(self) -> Box<dyn RoutingPolicy> {
        self.build()
    }
}

/// A policy name that is not one of the built-ins; the message lists them.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("unknown policy {name:?}: the built-in policies are {}", BuiltinPolicy::names().join(", "))]
pub struct UnknownPolicy {
    /// The name asked for.
    pub name: String,
}

impl UnknownPolicy {
    /// The names that would have been accepted.
    pub fn known(&self) -> [&'static str; 4] {
        BuiltinPolicy::names()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_builtin_is_found_by_the_name_its_policy_reports() {
        for builtin in BuiltinPolicy::ALL {
            assert_eq!(builtin.build().name(), builtin.name());
            assert_eq!(BuiltinPolicy::from_name(builtin.name()), Ok(builtin));
            let json = serde_json::to_string(&builtin).unwrap();
            assert_eq!(json, format!("\"{}\"", builtin.name()));
        }
        let err = BuiltinPolicy::from_name("Least_Loaded").unwrap_err();
        assert_eq!(err.name, "Least_Loaded");
        assert_eq!(err.known(), BuiltinPolicy::names());
    }
}
