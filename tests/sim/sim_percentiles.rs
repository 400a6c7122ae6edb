//! The report's percentiles are nearest-rank order statistics, found by
//! selection: the figures must equal those of the sorted samples exactly.

use switchboard::sim::report::Percentiles;

/// Nearest-rank percentiles the plain way: sort, then index.
fn by_sorting(samples: &[u64]) -> Percentiles {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let at = |q: f64| sorted[((q * n as f64).ceil() as usize).clamp(1, n) - 1] as f64 / 1_000.0;
    Percentiles {
        count: n as u64,
        p50: at(0.5),
        p90: at(0.9),
        p99: at(0.99),
        max: sorted[n - 1] as f64 / 1_000.0,
    }
}

#[test]
fn percentiles_by_selection_equal_those_of_the_sorted_samples() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for n in (1..=40).chain([99, 100, 101, 1_000, 4_321]) {
        for spread in [1, 7, 1_000, u64::MAX] {
            let samples: Vec<u64> = (0..n).map(|_| next() % spread.max(1)).collect();
            let want = by_sorting(&samples);
            let mut got = samples.clone();
            assert_eq!(Percentiles::of_ms(&mut got), want, "n {n}, spread {spread}");
        }
    }
    assert_eq!(Percentiles::of_ms(&mut []), Percentiles::default());
}
