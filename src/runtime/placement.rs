//! Which shard a tenant lives on: a pure function of the tenant id and the
//! shard count, so a tenant lands on the same shard after every restart.
//!
//! The id is hashed with 64-bit FNV-1a (fixed, unlike std's randomly keyed
//! hasher) and the hash placed with Lamping and Veach's jump consistent hash,
//! so growing from `n` to `n + 1` shards moves only about `1 / (n + 1)` of
//! the tenants.

/// 64-bit FNV-1a of `bytes`.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME))
}

/// Jump consistent hash: a bucket in `0..buckets` for `key`. `buckets` must
/// be at least 1. The loop runs about `ln(buckets)` times (at most
/// `buckets` times: `b` strictly grows).
pub(crate) fn jump(mut key: u64, buckets: usize) -> usize {
    assert!(buckets >= 1, "at least one shard");
    let buckets = buckets as i64;
    let (mut b, mut j) = (-1i64, 0i64);
    while j < buckets {
        b = j;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        let r = ((key >> 33) + 1) as f64;
        j = ((b + 1) as f64 * ((1u64 << 31) as f64 / r)) as i64;
    }
    debug_assert!((0..buckets).contains(&b));
    b as usize
}

/// The shard of tenant `id` among `shards`.
pub(crate) fn shard_of(id: &str, shards: usize) -> usize {
    jump(fnv1a(id.as_bytes()), shards)
}

/// The shard `tenant` lives on in a runtime of `shards` shards (0 counts as
/// 1): the same in every process and after every restart. Growing from `n`
/// to `n + 1` shards moves about `1 / (n + 1)` of the tenants.
pub fn placement(tenant: &super::TenantId, shards: usize) -> usize {
    shard_of(tenant.as_str(), shards.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_is_fixed_across_processes() {
        // Pinned values: a change here moves tenants between shards.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(shard_of("acme", 1), 0);
        let spread: Vec<usize> = (0..8).map(|i| shard_of(&format!("t{i}"), 4)).collect();
        assert_eq!(
            spread,
            (0..8)
                .map(|i| shard_of(&format!("t{i}"), 4))
                .collect::<Vec<_>>()
        );
        assert!(spread.iter().all(|&s| s < 4));
    }

    #[test]
    fn growing_moves_few_tenants() {
        let moved = (0..1000)
            .filter(|i| shard_of(&format!("tenant-{i}"), 4) != shard_of(&format!("tenant-{i}"), 5))
            .count();
        assert!(moved < 300, "{moved} of 1000 moved");
    }
}
