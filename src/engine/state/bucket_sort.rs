//! Sorting the bucket about to fire. Every timer in a bucket shares
//! `at / BUCKET_MS`, so its order is first by the millisecond within the
//! bucket: a counting sort on those bits (linear, no comparison), then a
//! comparison sort of each run of timers due at the same millisecond
//! (mostly of one). A comparison sort of a whole bucket cost 71k
//! instructions a bucket on the rules stream (BENCHMARKS.md).

use super::timers::Timer;

/// Below this many timers a comparison sort is cheaper than clearing the
/// counts.
const SMALL: usize = 64;

/// The bucket width the counting sort is built for (`Timers`' bucket,
/// 1,024 ms).
const WIDTH: usize = 1 << 10;

/// From this many timers a bucket's runs are found from the counts, not
/// by comparing neighbours' times.
const LARGE: usize = WIDTH / 2;

/// Sorts `timers`, all in one bucket of `bucket_ms` milliseconds (a power
/// of two), latest first (the next to fire last). `scratch` and `counts` are reused
/// between calls, so the steady state allocates nothing. Never inlined:
/// it runs once a bucket, and inlined into `Timers::pop_due` it pushed
/// the pop of every timer out of line (+7M instructions on the rules
/// streams, BENCHMARKS.md).
#[inline(never)]
pub(crate) fn latest_first(
    timers: &mut Vec<Timer>,
    scratch: &mut Vec<Timer>,
    counts: &mut Vec<u32>,
    bucket_ms: u64,
) {
    let Some(&first) = timers.first() else {
        return;
    };
    if timers.len() < SMALL {
        timers.sort_unstable_by(|a, b| b.cmp(a));
        return;
    }
    debug_assert!(timers
        .iter()
        .all(|t| t.at.0 / bucket_ms == first.at.0 / bucket_ms));
    // A power of two (`Timers`' bucket): the millisecond within the
    // bucket is a mask, not a division, twice per timer (1.7M
    // instructions on `profile`).
    debug_assert!(bucket_ms.is_power_of_two());
    counts.clear();
    counts.resize(bucket_ms as usize, 0);
    // As an array of `Timers`' bucket width, indexed by the millisecond
    // within the bucket (`% WIDTH`, a mask): no bounds check per timer.
    // Another width sorts by comparison (none does today).
    let Ok(counts) = <&mut [u32; WIDTH]>::try_from(counts.as_mut_slice()) else {
        timers.sort_unstable_by(|a, b| b.cmp(a));
        return;
    };
    // `bucket_ms` is `WIDTH` here (the counts' length).
    let slot = |t: &Timer| t.at.0 as usize % WIDTH;
    for t in timers.iter() {
        counts[slot(t)] += 1;
    }
    // Where each millisecond's run starts, the latest millisecond first.
    let mut start = 0u32;
    for count in counts.iter_mut().rev() {
        let n = *count;
        *count = start;
        start += n;
    }
    scratch.clear();
    scratch.resize(timers.len(), first);
    for t in timers.iter() {
        let at = &mut counts[slot(t)];
        scratch[*at as usize] = *t;
        *at += 1;
    }
    std::mem::swap(timers, scratch);
    // Each run due at one millisecond in the timers' full order. A large
    // bucket finds its runs in the counts, each now the end of its
    // millisecond's run, laid out from the latest millisecond on: one
    // pass over the 1,024 counts. A smaller one compares each timer's
    // time with its run's: the counts' pass cost more than that on the
    // rules' buckets (about 280 timers), less on `profile`'s (about 820;
    // BENCHMARKS.md).
    if timers.len() >= LARGE {
        let mut begin = 0usize;
        for &end in counts.iter().rev() {
            let end = end as usize;
            if end > begin + 1 {
                if let Some(run) = timers.get_mut(begin..end) {
                    run.sort_unstable_by(|a, b| b.cmp(a));
                }
            }
            begin = end;
        }
        return;
    }
    let Some(mut at) = timers.first().map(|t| t.at) else {
        return;
    };
    let mut begin = 0usize;
    for i in 1..timers.len() {
        let t = timers[i].at;
        if t != at {
            if i - begin > 1 {
                timers[begin..i].sort_unstable_by(|a, b| b.cmp(a));
            }
            begin = i;
            at = t;
        }
    }
    if timers.len() - begin > 1 {
        timers[begin..].sort_unstable_by(|a, b| b.cmp(a));
    }
}

#[cfg(test)]
mod tests {
    use super::super::timers::TimerKind;
    use super::*;
    use crate::model::Timestamp;

    /// The counting sort gives exactly a comparison sort's order, with
    /// ties at one millisecond and buckets small and large.
    #[test]
    fn sorts_a_bucket_exactly_as_a_comparison_sort() {
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 33
        };
        let (mut scratch, mut counts) = (Vec::new(), Vec::new());
        for n in [0, 1, 5, 63, 64, 65, 300, 2_000] {
            let bucket = 1_700_000_000 + next() % 1_000;
            let mut timers: Vec<Timer> = (0..n)
                .map(|i| Timer {
                    at: Timestamp(bucket * 1024 + next() % if i % 2 == 0 { 1024 } else { 8 }),
                    kind: if next() % 2 == 0 {
                        TimerKind::SlaWarning
                    } else {
                        TimerKind::SlaBreach
                    },
                    subject: next() % 40,
                    generation: (next() % 2) as u32,
                    incarnation: next() % 4,
                })
                .collect();
            let mut expected = timers.clone();
            expected.sort_unstable_by(|a, b| b.cmp(a));
            latest_first(&mut timers, &mut scratch, &mut counts, 1024);
            assert_eq!(timers, expected, "{n} timers");
        }
    }
}
