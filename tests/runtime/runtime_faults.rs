//! Faults and recovery: a journal failure poisons its tenant only; bad
//! input is a typed error; a restarted runtime recovers every tenant on the
//! same shard and reports it; shutdown drains and syncs.

use crate::runtime_common;
use runtime_common::*;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use switchboard::persist::{PersistError, RecoveryReport};
use switchboard::policy::PolicyFactory;
use switchboard::runtime::{
    Journal, JournalStore, OpenedTenant, RecordBatch, Runtime, RuntimeConfig, RuntimeError,
    TenantId, VolatileStore,
};
use switchboard::{AgentId, AgentSpec, Capacity, Command, EngineConfig, Timestamp};

/// A store whose tenant "bad" fails its third append.
#[derive(Debug, Default)]
struct FailingStore;

#[derive(Debug)]
struct FailingJournal {
    inner: Box<dyn Journal>,
    appends: AtomicU64,
    fail_at: Option<u64>,
}

impl Journal for FailingJournal {
    fn last_seq(&self) -> u64 {
        self.inner.last_seq()
    }
    fn append(&mut self, batch: &RecordBatch) -> Result<(), PersistError> {
        // ORDERING: one thread owns the journal; Relaxed.
        let n = self.appends.fetch_add(1, Ordering::Relaxed) + 1;
        if Some(n) == self.fail_at {
            return Err(PersistError::Io {
                op: "append to",
                path: "injected".into(),
                source: std::io::Error::other("disk on fire"),
            });
        }
        self.inner.append(batch)
    }
    fn sync(&mut self) -> Result<(), PersistError> {
        self.inner.sync()
    }
}

impl JournalStore for FailingStore {
    fn open(
        &self,
        tenant: &TenantId,
        config: &EngineConfig,
        policy: &PolicyFactory,
    ) -> Result<OpenedTenant, PersistError> {
        let opened = VolatileStore.open(tenant, config, policy)?;
        Ok(OpenedTenant {
            journal: Box::new(FailingJournal {
                inner: opened.journal,
                appends: AtomicU64::new(0),
                fail_at: (tenant.as_str() == "bad").then_some(3),
            }),
            ..opened
        })
    }
}

#[test]
fn a_journal_failure_poisons_that_tenant_only() {
    let config = RuntimeConfig::volatile()
        .durability(switchboard::runtime::Durability::Synced)
        .store(Arc::new(FailingStore))
        .shards(1)
        .batch_max(1);
    let specs = vec![
        spec("bad", EngineConfig::default()),
        spec("good", EngineConfig::default()),
    ];
    let (runtime, _) = Runtime::start(config, specs).expect("start");
    let handle = runtime.handle();
    let (bad, good) = (tenant("bad"), tenant("good"));
    for i in 1..=2 {
        handle.submit(&bad, open(i, i)).expect("before the failure");
    }
    match handle.submit(&bad, open(3, 3)) {
        Err(RuntimeError::Journal { tenant, .. }) => assert_eq!(tenant, bad),
        other => panic!("expected a journal error, got {other:?}"),
    }
    assert!(matches!(
        handle.submit(&bad, open(4, 4)),
        Err(RuntimeError::TenantPoisoned(_))
    ));
    for i in 1..=10 {
        handle
            .submit(&good, open(i, i))
            .expect("the other tenant goes on");
    }
    let stats = handle.tenant_stats(&bad).wait().expect("stats");
    assert!(stats.poisoned);
    // Removing and re-adding recovers it from its store (here: empty).
    let closed = handle.remove_tenant(&bad).wait().expect("remove");
    assert!(closed.poisoned && !closed.synced);
    handle
        .add_tenant(spec("bad", EngineConfig::default()))
        .wait()
        .expect("re-add");
    handle.submit(&bad, open(1, 1)).expect("usable again");
    runtime.shutdown();
}

#[test]
fn bad_input_is_a_typed_error() {
    assert!(matches!(
        TenantId::new("../etc"),
        Err(RuntimeError::InvalidTenantId { .. })
    ));
    assert!(TenantId::new("").is_err());
    assert!(TenantId::new(&"x".repeat(65)).is_err());
    for bad in [
        RuntimeConfig::volatile().shards(0),
        RuntimeConfig::volatile().batch_max(0),
        RuntimeConfig::volatile().batch_max(64).queue_capacity(8),
        RuntimeConfig::volatile().stream_capacity(0),
    ] {
        assert!(matches!(
            Runtime::start(bad, vec![]),
            Err(RuntimeError::Setting { .. })
        ));
    }
    let bad_config = {
        let mut config = EngineConfig::default();
        config.warn_at_permille = 0;
        config
    };
    assert!(matches!(
        Runtime::start(RuntimeConfig::volatile(), vec![spec("a", bad_config)]),
        Err(RuntimeError::Config { .. })
    ));
    assert!(matches!(
        Runtime::start(
            RuntimeConfig::volatile().shards(1),
            vec![
                spec("a", EngineConfig::default()),
                spec("a", EngineConfig::default())
            ]
        ),
        Err(RuntimeError::DuplicateTenant(_))
    ));

    let (runtime, _) = Runtime::start(
        RuntimeConfig::volatile().shards(2),
        vec![spec("a", EngineConfig::default())],
    )
    .expect("start");
    let handle = runtime.handle();
    assert!(matches!(
        handle.submit(&tenant("nobody"), open(1, 1)),
        Err(RuntimeError::UnknownTenant(_))
    ));
    assert!(matches!(
        handle.submit(
            &tenant("a"),
            Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(0)))
        ),
        Err(RuntimeError::Rejected(_))
    ));
    assert!(matches!(
        handle.shard_stats(7).wait(),
        Err(RuntimeError::Setting { .. })
    ));
    runtime.shutdown();
    assert!(matches!(
        handle.submit(&tenant("a"), open(1, 1)),
        Err(RuntimeError::ShuttingDown)
    ));
    assert!(matches!(
        handle.tenant_stats(&tenant("a")).wait(),
        Err(RuntimeError::ShuttingDown)
    ));
}

#[test]
fn a_restart_recovers_every_tenant_on_the_same_shard() {
    let dir = tempfile::tempdir().expect("tempdir");
    let names = ["north", "south", "east", "west", "centre"];
    let specs = || {
        names
            .iter()
            .map(|n| spec(n, EngineConfig::default()))
            .collect()
    };
    let config = || RuntimeConfig::durable(dir.path()).shards(3);
    let (runtime, report) = Runtime::start(config(), specs()).expect("start");
    let first: Vec<(TenantId, usize)> = report
        .tenants
        .iter()
        .map(|t| (t.tenant.clone(), t.shard))
        .collect();
    let handle = runtime.handle();
    for (i, name) in names.iter().enumerate() {
        let t = tenant(name);
        handle
            .submit(
                &t,
                Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(4))),
            )
            .expect("agent");
        for c in 0..=i as u64 {
            handle.submit(&t, open(c + 1, c)).expect("open");
        }
    }
    let queued: Vec<_> = (0..50)
        .map(|c| {
            handle
                .send(&tenant("north"), open(100 + c, 100 + c))
                .expect("room")
        })
        .collect();
    let shutdown = runtime.shutdown();
    assert!(shutdown.all_synced());
    // Shutdown drained the queue: every queued command was applied.
    for pending in queued {
        pending.wait().expect("drained and acknowledged");
    }

    let (runtime, report) = Runtime::start(config(), specs()).expect("restart");
    println!("{report}");
    for (i, opened) in report.tenants.iter().enumerate() {
        assert_eq!(
            (opened.tenant.clone(), opened.shard),
            first[i],
            "same shard"
        );
        let recovery: &RecoveryReport = opened.recovery.as_ref().expect("file journal");
        let expected = 1 + (i as u64 + 1) + if i == 0 { 50 } else { 0 };
        assert_eq!(recovery.last_seq, expected, "{}", opened.tenant);
        assert!(
            recovery.dropped.is_empty(),
            "clean shutdown leaves no torn tail"
        );
    }
    let handle = runtime.handle();
    let north = handle.tenant_stats(&tenant("north")).wait().expect("stats");
    assert_eq!(north.conversations, 51);
    assert_eq!(north.last_record, 52);
    let shard = handle.shard_stats(north.shard).wait().expect("shard stats");
    assert!(shard.conversations >= 51);
    // The journal continues after the recovered records.
    let next = handle.submit(&tenant("north"), open(999, 1)).expect("open");
    assert_eq!(next.record, 53);
    runtime.shutdown();
}

#[test]
fn a_clock_that_stepped_back_across_a_restart_never_stamps_before_the_journal() {
    use switchboard::runtime::ManualClock;
    let dir = tempfile::tempdir().expect("tempdir");
    let late = Timestamp(5_000_000);
    let config = |clock: &ManualClock| {
        RuntimeConfig::durable(dir.path()).clock(std::sync::Arc::new(clock.clone()))
    };
    let acme = tenant("acme");
    let clock = ManualClock::new(late);
    let (runtime, _) =
        Runtime::start(config(&clock), vec![spec("acme", EngineConfig::default())]).expect("start");
    let first = runtime
        .handle()
        .submit(
            &acme,
            Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(4))),
        )
        .expect("agent");
    assert_eq!(first.at, late);
    runtime.shutdown();

    // The host's clock is an hour behind after the restart.
    let behind = ManualClock::new(Timestamp(late.0 - 3_600_000));
    let (runtime, _) = Runtime::start(config(&behind), vec![spec("acme", EngineConfig::default())])
        .expect("restart");
    let next = runtime.handle().submit(&acme, open(1, 1)).expect("open");
    assert!(
        next.at >= late,
        "stamped {:?} before the journal's {late:?}",
        next.at
    );
    runtime.shutdown();
}
