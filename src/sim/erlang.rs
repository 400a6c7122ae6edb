//! Classical queueing formulas the analyst checks a simulation against:
//! Erlang C (M/M/n, customers wait forever) and Erlang A (M/M/n+M, Palm's
//! model: customers abandon after an exponential patience).
//!
//! Both are computed without factorials or powers that overflow:
//!
//! - Erlang C goes through the Erlang B recursion
//!   `B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1))`, every term in `[0, 1]`,
//!   then `C = n B / (n - a (1 - B))`; exact for thousands of agents.
//! - Erlang A solves the birth-death chain of the number in system
//!   (birth `λ`, death `min(k, n) μ + max(k - n, 0) θ`) with ratios of
//!   consecutive probabilities, rescaled as they grow, truncated once a
//!   term is below `1e-15` of the mass. Its service level (share of
//!   arrivals answered within `t`) follows the tagged customer through the
//!   queue by uniformisation, with Poisson weights taken in log space.
//!
//! Rates are per second, times in seconds.

/// What a formula says about one interval (or one stationary queue).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QueueFigures {
    /// Agents (servers).
    pub agents: u32,
    /// Offered load `λ / μ`, in erlangs.
    pub load_erlangs: f64,
    /// Probability that an arriving customer waits at all.
    pub p_wait: f64,
    /// Mean time in queue over all arrivals (abandoning ones up to when
    /// they leave), seconds.
    pub mean_wait_secs: f64,
    /// Share of arrivals answered within the target.
    pub service_level: f64,
    /// Share of arrivals who abandon (0 for Erlang C).
    pub abandonment: f64,
    /// Agent occupancy: carried load / agents.
    pub occupancy: f64,
}

/// Finite and above zero.
fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// Finite and at least zero.
fn non_negative(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

/// Erlang B: blocking probability of `n` servers offered `a` erlangs.
/// Stable recursion; `a <= 0` gives 0.
pub fn erlang_b(n: u32, a: f64) -> f64 {
    if !positive(a) {
        return if n == 0 { 1.0 } else { 0.0 };
    }
    let mut b = 1.0;
    for k in 1..=n {
        b = a * b / (f64::from(k) + a * b);
    }
    b
}

/// Erlang C: probability of waiting with `n` servers and `a` erlangs.
/// `None` when the queue is unstable (`a >= n`).
pub fn erlang_c(n: u32, a: f64) -> Option<f64> {
    let nf = f64::from(n);
    if !non_negative(a) || a >= nf {
        return None;
    }
    if a == 0.0 {
        return Some(0.0);
    }
    let b = erlang_b(n, a);
    Some(nf * b / (nf - a * (1.0 - b)))
}

/// M/M/n figures by Erlang C: arrival rate `lambda` and service rate `mu`
/// per second, answer target `target_secs`. `None` when `λ/μ >= n`.
pub fn erlang_c_figures(n: u32, lambda: f64, mu: f64, target_secs: f64) -> Option<QueueFigures> {
    if !positive(mu) || !non_negative(lambda) {
        return None;
    }
    let a = lambda / mu;
    let c = erlang_c(n, a)?;
    let gap = f64::from(n) * mu - lambda;
    Some(QueueFigures {
        agents: n,
        load_erlangs: a,
        p_wait: c,
        mean_wait_secs: c / gap,
        service_level: 1.0 - c * (-gap * target_secs).exp(),
        abandonment: 0.0,
        occupancy: a / f64::from(n),
    })
}

/// Hard bound on the states of the Erlang A chain beyond the agents.
const MAX_QUEUE_STATES: usize = 200_000;

/// M/M/n+M figures by Erlang A (Palm): arrival rate `lambda`, service rate
/// `mu`, abandonment rate `theta` (1 / mean patience), all per second.
/// With `theta == 0` this is Erlang C (and `None` when unstable). `None`
/// also for `n == 0` or rates that are not finite and non-negative.
pub fn erlang_a_figures(
    n: u32,
    lambda: f64,
    mu: f64,
    theta: f64,
    target_secs: f64,
) -> Option<QueueFigures> {
    if n == 0 || !non_negative(lambda) || !non_negative(theta) || !positive(mu) {
        return None;
    }
    if theta == 0.0 {
        return erlang_c_figures(n, lambda, mu, target_secs);
    }
    let nf = f64::from(n);
    // Unnormalised probabilities p[k], rescaled whenever they grow large.
    let mut p: Vec<f64> = vec![1.0];
    let mut total = 1.0;
    let mut k = 0usize;
    loop {
        let kk = k + 1;
        let death =
            (kk.min(n as usize) as f64) * mu + (kk.saturating_sub(n as usize) as f64) * theta;
        let next = p[k] * lambda / death;
        p.push(next);
        total += next;
        k = kk;
        if total > 1e250 {
            for x in &mut p {
                *x /= total;
            }
            total = 1.0;
        }
        let past = k.saturating_sub(n as usize);
        if (k >= n as usize && next < 1e-16 * total) || past >= MAX_QUEUE_STATES {
            break;
        }
    }
    for x in &mut p {
        *x /= total;
    }
    let n_us = n as usize;
    let p_wait: f64 = p.iter().skip(n_us).sum();
    let queue_mean: f64 = p
        .iter()
        .enumerate()
        .skip(n_us)
        .map(|(k, x)| (k - n_us) as f64 * x)
        .sum();
    let busy: f64 = p
        .iter()
        .enumerate()
        .map(|(k, x)| k.min(n_us) as f64 * x)
        .sum();
    let abandonment = if lambda > 0.0 {
        theta * queue_mean / lambda
    } else {
        0.0
    };
    let mean_wait_secs = if lambda > 0.0 {
        queue_mean / lambda
    } else {
        0.0
    };
    // Arrivals that find k >= n wait behind j = k - n others (PASTA).
    let ahead: Vec<f64> = p[n_us..].to_vec();
    let answered_late = tagged_answered_within(&ahead, nf * mu, theta, target_secs);
    let service_level = (1.0 - p_wait) + answered_late;
    Some(QueueFigures {
        agents: n,
        load_erlangs: lambda / mu,
        p_wait,
        mean_wait_secs,
        service_level: service_level.clamp(0.0, 1.0),
        abandonment,
        occupancy: busy / nf,
    })
}

/// Probability mass of arrivals that find `j` ahead (weights `ahead[j]`)
/// and are answered within `t` seconds. From `m` ahead, one leaves at rate
/// `served + m θ`; with none ahead the tagged customer is answered at rate
/// `served`; they abandon at rate `θ` throughout. Uniformisation: the
/// chance of absorption in "answered" within `k` jumps is iterated, and
/// weighted by the Poisson number of jumps by `t`.
fn tagged_answered_within(ahead: &[f64], served: f64, theta: f64, t: f64) -> f64 {
    if ahead.is_empty() || !positive(t) {
        return 0.0;
    }
    // Only states with noticeable weight matter.
    let mass: f64 = ahead.iter().sum();
    let mut m_max = ahead.len();
    let mut tail = 0.0;
    while m_max > 1 && tail + ahead[m_max - 1] < 1e-13 * mass.max(1e-300) {
        tail += ahead[m_max - 1];
        m_max -= 1;
    }
    let rate = served + (m_max as f64) * theta + theta;
    let lt = rate * t;
    // Jumps beyond mean + 12 sd carry negligible Poisson weight.
    let k_max = (lt + 12.0 * lt.sqrt() + 20.0).min(5e6) as usize;
    // a[m]: P(answered within k jumps | m ahead now).
    let mut a = vec![0.0; m_max];
    let mut next = vec![0.0; m_max];
    let ln_lt = lt.ln();
    let mut ln_fact = 0.0;
    let mut result = 0.0;
    let mut cdf = 0.0;
    for k in 0..=k_max {
        if k > 0 {
            ln_fact += (k as f64).ln();
            for m in 0..m_max {
                let down = served + m as f64 * theta;
                let to = if m == 0 { 1.0 } else { a[m - 1] };
                // Stay (fictitious jump) with the remaining rate.
                let stay = rate - down - theta;
                next[m] = (down * to + stay * a[m]) / rate;
            }
            std::mem::swap(&mut a, &mut next);
        }
        let w = (-lt + k as f64 * ln_lt - ln_fact).exp();
        // P(N(t) = k) * P(answered within k jumps).
        let answered: f64 = ahead[..m_max].iter().zip(&a).map(|(p, x)| p * x).sum();
        result += w * answered;
        cdf += w;
        if cdf > 1.0 - 1e-14 && k as f64 > lt {
            break;
        }
    }
    result
}

/// The fewest agents (at least 1, at most `max_agents`) for which `figures`
/// meets `service_level` and `max_occupancy`; `None` if none does.
pub fn staff_for(
    max_agents: u32,
    service_level: f64,
    max_occupancy: f64,
    figures: impl Fn(u32) -> Option<QueueFigures>,
) -> Option<u32> {
    (1..=max_agents).find(|&n| {
        figures(n).is_some_and(|f| f.service_level >= service_level && f.occupancy <= max_occupancy)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_matches_textbook_values() {
        // 10 agents, 8.5 erlangs: C = 0.529861 (direct formula with
        // factorials, computed independently).
        let c = erlang_c(10, 8.5).unwrap();
        assert!((c - 0.529_861).abs() < 1e-6, "{c}");
        // Single server: C = rho.
        assert!((erlang_c(1, 0.7).unwrap() - 0.7).abs() < 1e-12);
        assert!(erlang_c(5, 5.0).is_none());
        // Large and stable: no overflow.
        let big = erlang_c(5_000, 4_900.0).unwrap();
        assert!(big.is_finite() && big > 0.0 && big < 1.0);
    }

    #[test]
    fn erlang_a_tends_to_erlang_c_as_patience_grows() {
        let (lambda, mu) = (8.5 / 300.0, 1.0 / 300.0);
        let c = erlang_c_figures(10, lambda, mu, 60.0).unwrap();
        let a = erlang_a_figures(10, lambda, mu, 1e-9, 60.0).unwrap();
        assert!((a.p_wait - c.p_wait).abs() < 1e-3, "{a:?} {c:?}");
        assert!((a.mean_wait_secs - c.mean_wait_secs).abs() / c.mean_wait_secs < 1e-2);
        assert!(
            (a.service_level - c.service_level).abs() < 1e-3,
            "{a:?} {c:?}"
        );
    }

    #[test]
    fn erlang_a_is_stable_when_overloaded() {
        // 120% load: Erlang C has no answer, Erlang A does.
        let (lambda, mu, theta) = (12.0 / 300.0, 1.0 / 300.0, 1.0 / 600.0);
        let a = erlang_a_figures(10, lambda, mu, theta, 60.0).unwrap();
        assert!(
            a.p_wait > 0.8 && a.abandonment > 0.1 && a.abandonment < 0.5,
            "{a:?}"
        );
        assert!(a.occupancy <= 1.0);
        // Flow balance: served = lambda (1 - P(ab)) = busy servers * mu.
        let served = a.occupancy * 10.0 * mu;
        assert!((served - lambda * (1.0 - a.abandonment)).abs() / lambda < 1e-6);
    }

    #[test]
    fn staffing_finds_the_fewest_agents() {
        let (lambda, mu) = (8.5 / 300.0, 1.0 / 300.0);
        let n = staff_for(100, 0.8, 1.0, |n| erlang_c_figures(n, lambda, mu, 20.0)).unwrap();
        assert!(erlang_c_figures(n, lambda, mu, 20.0).unwrap().service_level >= 0.8);
        assert!(erlang_c_figures(n - 1, lambda, mu, 20.0).is_none_or(|f| f.service_level < 0.8));
    }
}
