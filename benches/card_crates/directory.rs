//! (c) A tenant directory read by two caller threads at once, over 256
//! tenants (the service's tenant limit) and 10k.
//!
//! The runtime has no shared directory: a caller computes its tenant's shard
//! with the pure `placement` function (`src/runtime/placement.rs`) and only
//! that shard's thread reads the shard's own map. Against it: the card's
//! `DashMap`, a `parking_lot::RwLock<HashMap>`, and the service's registry
//! as it stands (`std::sync::Mutex<BTreeMap<String, Arc<Tenant>>>`, whose
//! `App::tenant` clones the `Arc`) beside the same shape in a `DashMap`.

use super::Lcg;
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use dashmap::DashMap;
use parking_lot::RwLock;
use std::collections::{BTreeMap, HashMap};
use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard::runtime::{placement, TenantId};

/// Reader threads.
const READERS: usize = 2;
/// Lookups by each reader per iteration, so a sample dwarfs the cost of
/// starting the readers.
const LOOKUPS: usize = 1_000;
/// Shards of the runtime placed over.
const SHARDS: usize = 4;

/// Runs `lookup` over `ids` on `READERS` threads at once, `iters` times
/// `LOOKUPS` each, and returns the wall time.
fn race<K: Sync>(iters: u64, ids: &[K], lookup: &(impl Fn(&K) -> usize + Sync)) -> Duration {
    let start = Instant::now();
    std::thread::scope(|scope| {
        for reader in 0..READERS {
            scope.spawn(move || {
                let mut rng = Lcg(reader as u64 + 1);
                let mut sum = 0usize;
                for _ in 0..iters * LOOKUPS as u64 {
                    sum = sum.wrapping_add(lookup(&ids[rng.below(ids.len() as u64) as usize]));
                }
                black_box(sum)
            });
        }
    });
    start.elapsed()
}

fn directories(c: &mut Criterion, n: usize) {
    let names: Vec<String> = (0..n).map(|i| format!("tenant-{i:05}")).collect();
    let ids: Vec<TenantId> = names
        .iter()
        .map(|s| TenantId::new(s).expect("a valid id"))
        .collect();
    let value = |i: usize| format!("shard {} of {SHARDS}", i % SHARDS);

    let dash: DashMap<TenantId, String> = DashMap::new();
    let rw: RwLock<HashMap<TenantId, String>> = RwLock::new(HashMap::new());
    let service: Mutex<BTreeMap<String, Arc<String>>> = Mutex::new(BTreeMap::new());
    let dash_arc: DashMap<String, Arc<String>> = DashMap::new();
    for (i, (id, name)) in ids.iter().zip(&names).enumerate() {
        dash.insert(id.clone(), value(i));
        rw.write().insert(id.clone(), value(i));
        service
            .lock()
            .expect("not poisoned")
            .insert(name.clone(), Arc::new(value(i)));
        dash_arc.insert(name.clone(), Arc::new(value(i)));
    }

    let mut group = c.benchmark_group("tenant_directory");
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements((READERS * LOOKUPS) as u64));
    group.bench_function(BenchmarkId::new("runtime_placement", n), |b| {
        b.iter_custom(|iters| race(iters, &ids, &|id| placement(id, SHARDS)))
    });
    group.bench_function(BenchmarkId::new("dashmap", n), |b| {
        b.iter_custom(|iters| race(iters, &ids, &|id| dash.get(id).map_or(0, |v| v.len())))
    });
    group.bench_function(BenchmarkId::new("rwlock_hashmap", n), |b| {
        b.iter_custom(|iters| race(iters, &ids, &|id| rw.read().get(id).map_or(0, |v| v.len())))
    });
    group.bench_function(BenchmarkId::new("service_mutex_btreemap_arc", n), |b| {
        b.iter_custom(|iters| {
            race(iters, &names, &|name| {
                let tenant = service.lock().expect("not poisoned").get(name).cloned();
                tenant.map_or(0, |t| t.len())
            })
        })
    });
    group.bench_function(BenchmarkId::new("dashmap_arc", n), |b| {
        b.iter_custom(|iters| {
            race(iters, &names, &|name| {
                let tenant = dash_arc.get(name.as_str()).map(|t| Arc::clone(&t));
                tenant.map_or(0, |t| t.len())
            })
        })
    });
    group.finish();
}

/// Registers group (c).
pub fn bench(c: &mut Criterion) {
    for n in [256, 10_000] {
        directories(c, n);
    }
}
