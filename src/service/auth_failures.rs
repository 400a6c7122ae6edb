//! Failed authentications limited per client address: a flood of missing,
//! wrong or revoked keys from one IP is answered 429 with `Retry-After`
//! once it has used its budget, before it costs more than a digest. The
//! limiter is governor's keyed GCRA (the crate tower_governor wraps for
//! the per-key limit), keyed by the peer's IP.
//!
//! Only failures count: a valid key from the same address is never slowed
//! by this (its own per-key limit applies), so a client sharing a NAT with
//! an attacker keeps working. Guessing a key stays pointless anyway (a key
//! is 32 random bytes); the limit keeps a flood from filling the access log
//! and the CPU with refusals.

use super::config::RateLimit;
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

/// The failed-authentication budget of every client address.
#[derive(Debug, Clone)]
pub struct FailedAuth {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl FailedAuth {
    /// A budget of `limit.burst` failures at once, then one more every
    /// `limit.period`, per address. Refuses a zero burst or period.
    pub fn new(limit: RateLimit) -> Result<Self, String> {
        let burst = NonZeroU32::new(limit.burst);
        let quota = Quota::with_period(limit.period)
            .zip(burst)
            .map(|(quota, burst)| quota.allow_burst(burst))
            .ok_or_else(|| {
                "the failed-authentication limit needs a burst and a period above zero".to_owned()
            })?;
        Ok(Self {
            limiter: Arc::new(RateLimiter::keyed(quota)),
        })
    }

    /// Counts one failed authentication from `ip`: `Err(seconds)` to wait
    /// (at least 1) when the address is past its budget.
    pub fn failed(&self, ip: IpAddr) -> Result<(), u64> {
        self.limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.limiter.clock().now());
            wait.as_secs().max(1)
        })
    }

    /// Forgets, every [`FORGET_IDLE_EVERY`](super::limits::FORGET_IDLE_EVERY),
    /// the addresses whose budget is full again, so the map holds only
    /// recent offenders (bounded by them, not by every address ever seen).
    /// The task ends when the last clone of `self` is dropped. Call within
    /// tokio.
    pub fn forget_idle(&self) {
        super::limits::forget_idle(Arc::downgrade(&self.limiter));
    }

    /// Addresses currently remembered (for tests and metrics).
    pub fn tracked(&self) -> usize {
        self.limiter.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn failures_past_the_burst_are_refused_per_address_with_a_wait() {
        let limit = RateLimit {
            burst: 3,
            period: Duration::from_secs(60),
        };
        let f = FailedAuth::new(limit).unwrap();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(f.failed(a), Ok(()));
        }
        let wait = f.failed(a).unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        assert_eq!(f.failed(b), Ok(()), "another address has its own budget");
        assert_eq!(f.tracked(), 2);
        let zero = RateLimit {
            burst: 0,
            period: Duration::from_secs(1),
        };
        assert!(FailedAuth::new(zero).is_err());
    }
}
