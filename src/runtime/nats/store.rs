//! [`JetStreamStore`]: the [`JournalStore`] that keeps every tenant's
//! journal on a JetStream stream, one subject per tenant.
//!
//! Opening a tenant takes its lease (or finds it held here already),
//! rebuilds its engine (a standby's warm [`Replica`] handed over with
//! [`prime`](JetStreamStore::prime), else the snapshot bucket plus the
//! subject), catches up to the subject's end and publishes an empty
//! **fence** message expecting that end: from then on any append of a
//! previous primary expects an older sequence and is refused. Should the
//! previous primary have written in between, the fence is refused instead,
//! and the open catches up again (bounded) before retrying it.

use super::conn::Conn;
use super::journal::NatsJournal;
use super::lease::Leases;
use super::replica::Replica;
use super::{NatsConfig, NatsError};
use crate::engine::EngineConfig;
use crate::persist::PersistError;
use crate::policy::PolicyFactory;
use crate::runtime::journal::{JournalStore, OpenedTenant};
use crate::runtime::sync::Mutex;
use crate::runtime::sync::{AtomicBool, Ordering};
use crate::runtime::tenant::TenantId;
use crate::runtime::{Clock, SystemClock};
use std::collections::HashMap;
use std::sync::Arc;

/// Tenants' journals on JetStream; see the [module](super) docs.
#[derive(Debug)]
pub struct JetStreamStore {
    rt: tokio::runtime::Runtime,
    conn: Arc<Conn>,
    leases: Leases,
    /// Replicas handed over by a standby for the next open of their tenant.
    warm: Mutex<HashMap<String, Warm>>,
    /// Whether an open under other rules than the subject's journals the
    /// change (else refuses it); see `rules.rs`.
    accept_rule_changes: AtomicBool,
}

/// A replica waiting for its tenant's open.
#[derive(Debug)]
struct Warm {
    replica: Replica,
    /// Already fenced under this process's lease: serve as it is.
    fenced: bool,
}

impl JetStreamStore {
    /// Connects, creates (or finds) the stream and the buckets, and starts
    /// renewing this process's leases every quarter lease. Lease and
    /// takeover decisions read the system clock; see
    /// [`connect_with_clock`](Self::connect_with_clock).
    pub fn connect(config: NatsConfig) -> Result<Arc<Self>, NatsError> {
        Self::connect_with_clock(config, Arc::new(SystemClock::new()))
    }

    /// As [`connect`](Self::connect), with the lease and takeover
    /// decisions (when a lease was last renewed, when a standby may break
    /// it, how long an append retries) reading `clock` (give it the
    /// runtime's [`Clock`]). The clock must be monotonic and run at about
    /// real speed: the bucket's max age expires leases on the servers'
    /// time.
    pub fn connect_with_clock(
        config: NatsConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>, NatsError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("switchboard-nats")
            .enable_all()
            .build()
            .map_err(NatsError::Runtime)?;
        let conn = Arc::new(rt.block_on(Conn::open(config, clock))?);
        let leases = Leases::default();
        let renewing = (Arc::clone(&conn), leases.clone());
        rt.spawn(async move {
            let (conn, leases) = renewing;
            let every = conn.config.lease / 4;
            // Runs until the runtime (the store) is dropped.
            loop {
                tokio::time::sleep(every).await;
                let _lost = leases.renew_all(&*conn).await;
            }
        });
        Ok(Arc::new(Self {
            rt,
            conn,
            leases,
            warm: Mutex::new(HashMap::new()),
            accept_rule_changes: AtomicBool::new(false),
        }))
    }

    /// Whether opening a tenant under another configuration than its
    /// subject was written under makes the change (published as the
    /// subject's next record, a `Command::Reconfigure`) instead of failing
    /// with [`PersistError::RulesChanged`]. Off by default; a policy change
    /// is refused either way.
    pub fn accept_rule_changes(&self, accept: bool) {
        // A setting read at each open; no other memory depends on it.
        self.accept_rule_changes.store(accept, Ordering::Relaxed);
    }

    /// The settings.
    pub fn config(&self) -> &NatsConfig {
        &self.conn.config
    }

    /// Whether this process holds `tenant`'s lease (not known to be lost).
    pub fn holds_lease(&self, tenant: &TenantId) -> bool {
        self.leases.holds(tenant.as_str())
    }

    /// Tries to take `tenant`'s lease: `Ok` when this process holds it
    /// now, [`NatsError::LeaseHeld`] when another one does.
    pub fn take_lease(&self, tenant: &TenantId) -> Result<(), NatsError> {
        self.rt
            .block_on(self.leases.take(&*self.conn, tenant.as_str(), None))
    }

    /// Forgets `tenant`'s lease here without touching the bucket (it was
    /// lost, or the tenant stepped down).
    pub fn forget_lease(&self, tenant: &TenantId) {
        self.leases.forget(tenant.as_str());
    }

    /// Gives `tenant`'s lease up (a planned handover); remove the tenant
    /// from the runtime first.
    pub fn release_lease(&self, tenant: &TenantId) -> Result<(), NatsError> {
        self.rt
            .block_on(self.leases.release(&*self.conn, tenant.as_str()))
    }

    /// A replica of `tenant` from the snapshot bucket and its subject, as
    /// of the subject's end now.
    pub fn load_replica(
        &self,
        tenant: &TenantId,
        config: &EngineConfig,
        policy: &PolicyFactory,
    ) -> Result<Replica, NatsError> {
        let subject = self.conn.config.subject(tenant.as_str());
        self.rt.block_on(async {
            let mut replica = Replica::load(&self.conn, tenant.as_str(), config, policy).await?;
            replica.catch_up(&*self.conn, &subject).await?;
            Ok(replica)
        })
    }

    /// Brings `replica` of `tenant` to its subject's end now (a standby's
    /// follow step).
    pub fn catch_up(&self, tenant: &TenantId, replica: &mut Replica) -> Result<u64, NatsError> {
        let subject = self.conn.config.subject(tenant.as_str());
        self.rt.block_on(replica.catch_up(&*self.conn, &subject))
    }

    /// Hands `replica` over for the next [`open`](JournalStore::open) of
    /// `tenant`, which then only catches up from where it is.
    pub fn prime(&self, tenant: &TenantId, replica: Replica) {
        let warm = Warm {
            replica,
            fenced: false,
        };
        self.warm.lock().insert(tenant.as_str().to_string(), warm);
    }

    /// Hands over a replica that [`Replica::fence`] fenced under this
    /// process's lease: the next open of `tenant` serves it as it is.
    pub(crate) fn prime_fenced(&self, tenant: &str, replica: Replica) {
        let warm = Warm {
            replica,
            fenced: true,
        };
        self.warm.lock().insert(tenant.to_string(), warm);
    }

    /// The connection (for the node's followers and takeovers).
    pub(crate) fn conn(&self) -> &Arc<Conn> {
        &self.conn
    }

    /// The leases this process holds.
    pub(crate) fn leases(&self) -> &Leases {
        &self.leases
    }

    /// The store's tokio runtime, on which the node's tasks run.
    pub(crate) fn tokio(&self) -> &tokio::runtime::Runtime {
        &self.rt
    }

    /// Every message of `tenant`'s subject still in the stream, in order:
    /// `(stream sequence, payload)`. For tests and audits.
    pub fn read_subject(&self, tenant: &TenantId) -> Result<Vec<(u64, Vec<u8>)>, NatsError> {
        let subject = self.conn.config.subject(tenant.as_str());
        self.rt
            .block_on(super::replica::read_all(&self.conn, &subject))
    }

    /// `tenant`'s snapshot in the object store (`None`: it has none). For
    /// tests and audits.
    pub fn read_snapshot(
        &self,
        tenant: &TenantId,
    ) -> Result<Option<super::StoredSnapshot>, NatsError> {
        self.rt
            .block_on(super::snapshot::read(&self.conn, tenant.as_str()))
    }

    async fn open_async(
        &self,
        tenant: &TenantId,
        config: &EngineConfig,
        policy: &PolicyFactory,
    ) -> Result<(crate::engine::Engine, NatsJournal), (Option<Replica>, PersistError)> {
        let name = tenant.as_str();
        let to_persist = |e: NatsError| match e {
            NatsError::LeaseHeld { holder, .. } => PersistError::Fenced {
                reason: format!("the lease is held by {holder}"),
            },
            NatsError::Replay { source, .. } => source,
            other => PersistError::Replica(other.to_string()),
        };
        if !self.leases.holds(name) {
            self.leases
                .take(&*self.conn, name, None)
                .await
                .map_err(|e| (None, to_persist(e)))?;
        }
        let accept = self.accept_rule_changes.load(Ordering::Relaxed);
        let warm = self.warm.lock().remove(name);
        let (mut replica, fenced) = match warm {
            Some(warm) => (warm.replica, warm.fenced),
            None => {
                let cold = Replica::load_checking(&self.conn, name, config, policy, !accept).await;
                (cold.map_err(|e| (None, to_persist(e)))?, false)
            }
        };
        let subject = self.conn.config.subject(name);
        if !fenced {
            // To the subject's end before the rules are compared: a subject
            // without a snapshot names its rules in its first fence.
            if let Err(e) = replica.catch_up(&*self.conn, &subject).await {
                return Err((Some(replica), to_persist(e)));
            }
        }
        // Checked before anything is written (a refused open writes no
        // fence), except by a standby that fenced already.
        let change = replica.rules_change(config, policy.build().name());
        if let (Some(diff), false) = (&change, accept) {
            let diff = Box::new(diff.clone());
            return Err((Some(replica), PersistError::RulesChanged { diff }));
        }
        if !fenced {
            if let Err(e) = replica.fence(&*self.conn, &subject).await {
                return Err((Some(replica), e));
            }
        }
        if let Some(diff) = change {
            if let Err(e) = self
                .journal_change(&mut replica, &subject, diff, config)
                .await
            {
                return Err((Some(replica), e));
            }
        }
        let journal = NatsJournal {
            conn: Arc::clone(&self.conn),
            handle: self.rt.handle().clone(),
            leases: self.leases.clone(),
            tenant: name.to_string(),
            subject,
            last_record: replica.last_record,
            last_stream_seq: replica.last_stream_seq,
            since_snapshot: 0,
        };
        Ok((replica.engine, journal))
    }
}

impl JetStreamStore {
    /// Makes an accepted change of configuration on `replica` and publishes
    /// it as the subject's next record (the replica is fenced: the append
    /// expects its last sequence).
    async fn journal_change(
        &self,
        replica: &mut Replica,
        subject: &str,
        diff: crate::persist::RulesDiff,
        config: &EngineConfig,
    ) -> Result<(), PersistError> {
        let (at, command) = replica.accept_change(diff, config)?;
        let seq = replica.last_record + 1;
        let mut bytes = Vec::new();
        crate::persist::encode_record(seq, at, &command, &mut bytes)?;
        let published = super::journal::publish_expecting(
            &*self.conn,
            subject,
            bytes,
            replica.last_stream_seq,
            self.conn.config.append_deadline,
        )
        .await?;
        match published {
            super::journal::Published::Stored(stream_seq) => {
                replica.last_record = seq;
                replica.last_stream_seq = stream_seq;
                Ok(())
            }
            super::journal::Published::WrongLastSequence => Err(PersistError::Fenced {
                reason: "another primary wrote the subject during the open".into(),
            }),
        }
    }
}

impl JournalStore for JetStreamStore {
    fn open(
        &self,
        tenant: &TenantId,
        config: &EngineConfig,
        policy: &PolicyFactory,
    ) -> Result<OpenedTenant, PersistError> {
        match self.rt.block_on(self.open_async(tenant, config, policy)) {
            Ok((engine, journal)) => Ok(OpenedTenant {
                engine,
                journal: Box::new(journal),
                recovery: None,
            }),
            Err((_replica, error)) => Err(error),
        }
    }
}
