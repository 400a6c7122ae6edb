//! A batch's commit: each touched tenant's frames appended to its journal
//! (and synced), on up to `commit_threads` threads at once.

use super::journal::{Journal, RecordBatch};
use super::tenant::TenantId;
use super::RuntimeError;
use crate::persist::PersistError;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// One touched tenant's part of the commit.
pub(super) struct Commit<'a> {
    pub(super) tenant: &'a TenantId,
    pub(super) journal: &'a mut Box<dyn Journal>,
    pub(super) batch: &'a mut RecordBatch,
    pub(super) poisoned: &'a mut Option<Arc<PersistError>>,
}

/// Appends (and syncs) every tenant of `work`, on up to `threads` threads
/// at once: the shard's own and short-lived scoped ones, each taking a
/// contiguous share. fsyncs of different files overlap in the kernel
/// (ext4/xfs merge concurrent ones into one journal commit), and a
/// replicated journal's round trips overlap on the wire, so N tenants cost
/// about one. A thread that cannot be started leaves its share to the
/// shard's own thread.
pub(super) fn commit_all(work: &mut [Commit<'_>], threads: usize, sync: bool) {
    let threads = threads.clamp(1, work.len().max(1));
    if threads == 1 {
        work.iter_mut().for_each(|c| c.run(sync));
        return;
    }
    let share = work.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let mut shares = work.chunks_mut(share);
        let own = shares.next();
        for part in shares {
            // Err: the thread did not start; its share is done below.
            let _ = std::thread::Builder::new()
                .name("switchboard-commit".into())
                .spawn_scoped(scope, move || part.iter_mut().for_each(|c| c.run(sync)));
        }
        if let Some(own) = own {
            own.iter_mut().for_each(|c| c.run(sync));
        }
    });
    // A share whose thread could not start still holds its records (run
    // clears the batch, failed or not).
    for c in work.iter_mut().filter(|c| c.batch.count > 0) {
        c.run(sync);
    }
}

impl Commit<'_> {
    /// Appends and (when `sync`) syncs this tenant's batch, then clears it.
    /// A failure, or a panic of the journal (the host's code), poisons the
    /// tenant.
    fn run(&mut self, sync: bool) {
        let (journal, batch) = (&mut **self.journal, &*self.batch);
        let result = catch_unwind(AssertUnwindSafe(|| {
            journal
                .append(batch)
                .and_then(|()| if sync { journal.sync() } else { Ok(()) })
        }))
        .unwrap_or_else(|payload| {
            Err(PersistError::Io {
                op: "append to",
                path: "the tenant's journal".into(),
                source: std::io::Error::other(format!(
                    "the journal of tenant {} panicked: {}",
                    self.tenant,
                    RuntimeError::panic_message(payload.as_ref())
                )),
            })
        });
        if let Err(e) = result {
            rt_event!(error, tenant = %self.tenant, error = %e, "journal failed; tenant poisoned");
            *self.poisoned = Some(Arc::new(e));
        }
        self.batch.clear();
    }
}
