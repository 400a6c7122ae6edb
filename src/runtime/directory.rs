//! Dense tenant keys: how a command names its tenant to the shard without
//! its 65-byte id.
//!
//! A shard hands out a [`TenantKey`] (its slot and the slot's generation)
//! for each tenant it opens, through its [`Directory`], which callers read
//! when they send. The envelope then carries 8 bytes instead of the id, and
//! the shard reaches the tenant by index instead of hashing the id and
//! comparing 64 bytes (about 150 instructions per command on the runtime
//! bench: the lookup, and the envelope's copies, which past 128 bytes are
//! `memcpy` calls).
//!
//! A key can go stale: the caller read it, then the tenant was removed
//! (and its slot perhaps reused by another tenant) before the shard took
//! the command. [`Generations::live`] tells: a slot's generation changes
//! each time a tenant is installed in it, so a stale key never reaches
//! another tenant, and the command is answered as for an unknown tenant
//! (the caller kept the id for that answer: `Pending`). A caller that
//! finds no key (the tenant is still opening, or unknown) sends the id, as
//! before, and the shard parks or refuses it by id. The loom model
//! `loom_a_stale_key_never_reaches_another_tenant` (`directory_loom.rs`)
//! checks this under every interleaving.

use super::sync::Mutex;
use super::tenant::{TenantId, TenantMap};

/// A tenant's place on its shard, as the shard handed it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TenantKey {
    slot: u32,
    generation: u32,
}

impl TenantKey {
    /// The slot the key names (which may since hold another tenant:
    /// check it with [`Generations::live`]).
    pub(crate) fn slot(self) -> usize {
        self.slot as usize
    }
}

/// The keys of a shard's open tenants: written by the shard when a tenant
/// opens or is removed, read by callers in `send` (one short lock each).
#[derive(Debug, Default)]
pub(crate) struct Directory {
    keys: Mutex<TenantMap<TenantKey>>,
}

impl Directory {
    /// The key of `tenant`, if it is open.
    pub(crate) fn key(&self, tenant: &TenantId) -> Option<TenantKey> {
        self.keys.lock().get(tenant).copied()
    }

    /// `tenant` opened with `key`.
    pub(crate) fn open(&self, tenant: &TenantId, key: TenantKey) {
        self.keys.lock().insert(tenant.clone(), key);
    }

    /// `tenant` was removed: callers stop finding its key (those that found
    /// it already hold a key the shard will find stale).
    pub(crate) fn close(&self, tenant: &TenantId) {
        self.keys.lock().remove(tenant);
    }
}

/// The shard's side: the generation of each slot, bumped when a tenant is
/// installed in it. Owned by the shard thread alone.
#[derive(Debug, Default)]
pub(crate) struct Generations {
    of: Vec<u32>,
}

impl Generations {
    /// A new tenant goes into `slot`: a fresh key for it. Keys handed out
    /// for the slot before are stale from now on.
    pub(crate) fn install(&mut self, slot: usize) -> TenantKey {
        if self.of.len() <= slot {
            self.of.resize(slot + 1, 0);
        }
        // Wrapping: a key would have to wait in the queue while its slot
        // is refilled 2^32 times to be taken for a later tenant.
        self.of[slot] = self.of[slot].wrapping_add(1);
        TenantKey {
            slot: u32::try_from(slot).expect("fewer than 2^32 tenants on a shard"),
            generation: self.of[slot],
        }
    }

    /// Whether `key` still names the tenant it was handed out for, given
    /// whether its slot holds a tenant now.
    pub(crate) fn live(&self, key: TenantKey, occupied: bool) -> bool {
        occupied && self.of.get(key.slot()) == Some(&key.generation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_goes_stale_when_its_tenant_is_removed_or_its_slot_refilled() {
        let mut generations = Generations::default();
        let first = generations.install(3);
        assert_eq!(first.slot(), 3);
        assert!(generations.live(first, true));
        // Removed: the slot is empty.
        assert!(!generations.live(first, false));
        // Refilled by another tenant: the old key names the old tenant.
        let second = generations.install(3);
        assert!(generations.live(second, true));
        assert!(!generations.live(first, true));
        // A key for a slot the shard never filled.
        let other = Generations::default().install(7);
        assert!(!generations.live(other, true));

        let directory = Directory::default();
        let id = TenantId::new("acme").expect("id");
        assert_eq!(directory.key(&id), None);
        directory.open(&id, second);
        assert_eq!(directory.key(&id), Some(second));
        directory.close(&id);
        assert_eq!(directory.key(&id), None);
    }
}
