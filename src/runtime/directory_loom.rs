//! Loom model of the dense tenant keys (`directory.rs`): the same
//! [`Directory`] callers read and [`Generations`] the shard checks, with a
//! queue under the shim's mutex, explored under every interleaving loom
//! allows (`ci/loom.sh`).
//!
//! * `loom_a_stale_key_never_reaches_another_tenant`: a caller reads the
//!   key of tenant `a` and queues a command while the shard removes `a`
//!   and opens `b` in the same slot, taking commands before and after. The
//!   command is applied to `a` or answered as for an unknown tenant; it is
//!   never applied to `b`, and never lost.

use super::directory::{Directory, Generations, TenantKey};
use super::sync::Mutex;
use super::tenant::{TenantId, TenantMap};
use loom::sync::Arc;
use loom::thread;
use std::collections::VecDeque;

/// How the model's command names its tenant (as `Addressee` does).
#[derive(Debug)]
enum Named {
    Key(TenantKey),
    Id(TenantId),
}

/// What became of the command.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Applied(TenantId),
    Unknown,
}

/// The shard's side: tenants by slot, ids to slots, generations.
struct Shard {
    tenants: Vec<Option<TenantId>>,
    by_id: TenantMap<usize>,
    generations: Generations,
    directory: Arc<Directory>,
}

impl Shard {
    fn open(&mut self, id: &TenantId, slot: usize) {
        if self.tenants.len() <= slot {
            self.tenants.resize(slot + 1, None);
        }
        self.tenants[slot] = Some(id.clone());
        self.by_id.insert(id.clone(), slot);
        let key = self.generations.install(slot);
        self.directory.open(id, key);
    }

    fn remove(&mut self, id: &TenantId) {
        let slot = self.by_id.remove(id).expect("open");
        self.tenants[slot] = None;
        self.directory.close(id);
    }

    /// As `Shard::take`: a key by index and generation, an id by the map.
    fn resolve(&self, named: Named) -> Outcome {
        let slot = match named {
            Named::Key(key) => {
                let slot = key.slot();
                let occupied = matches!(self.tenants.get(slot), Some(Some(_)));
                if !self.generations.live(key, occupied) {
                    return Outcome::Unknown;
                }
                slot
            }
            Named::Id(id) => match self.by_id.get(&id) {
                Some(&slot) => slot,
                None => return Outcome::Unknown,
            },
        };
        match &self.tenants[slot] {
            Some(id) => Outcome::Applied(id.clone()),
            None => Outcome::Unknown,
        }
    }

    fn take_all(&self, queue: &Mutex<VecDeque<Named>>, out: &mut Vec<Outcome>) {
        // At most the one command the caller queues.
        for _ in 0..2 {
            let Some(named) = queue.lock().pop_front() else {
                return;
            };
            out.push(self.resolve(named));
        }
    }
}

#[test]
fn loom_a_stale_key_never_reaches_another_tenant() {
    loom::model(|| {
        let a = TenantId::new("a").expect("id");
        let b = TenantId::new("b").expect("id");
        let directory = Arc::new(Directory::default());
        let queue = Arc::new(Mutex::new(VecDeque::new()));
        let mut shard = Shard {
            tenants: Vec::new(),
            by_id: TenantMap::default(),
            generations: Generations::default(),
            directory: Arc::clone(&directory),
        };
        shard.open(&a, 0);

        let caller = {
            let (directory, queue, a) = (Arc::clone(&directory), Arc::clone(&queue), a.clone());
            thread::spawn(move || {
                let named = match directory.key(&a) {
                    Some(key) => Named::Key(key),
                    None => Named::Id(a),
                };
                queue.lock().push_back(named);
            })
        };
        let shard_thread = {
            let queue = Arc::clone(&queue);
            let (a, b) = (a.clone(), b.clone());
            thread::spawn(move || {
                let mut out = Vec::new();
                shard.take_all(&queue, &mut out);
                shard.remove(&a);
                shard.open(&b, 0);
                shard.take_all(&queue, &mut out);
                (shard, out)
            })
        };
        caller.join().expect("caller");
        let (shard, mut out) = shard_thread.join().expect("shard");
        shard.take_all(&queue, &mut out);
        assert_eq!(out.len(), 1, "the command is answered once: {out:?}");
        assert!(
            out[0] == Outcome::Applied(a.clone()) || out[0] == Outcome::Unknown,
            "applied to another tenant: {out:?}"
        );
    });
}
