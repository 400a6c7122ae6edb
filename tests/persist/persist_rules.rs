//! Journals that pin their rules (issue 21): a journal replays under the
//! configuration and policy it was written under, a host passing other
//! rules is refused with what differs, and a change the host asks for is
//! journaled as a `Command::Reconfigure`, so a replay makes exactly the
//! decisions that were acknowledged.

use crate::persist_common;
use persist_common as common;

use std::path::Path;
use switchboard::persist::{
    read_header, Durable, DurableOptions, PersistError, RecoveryReport, JOURNAL_FORMAT,
};
use switchboard::{
    AgentId, AgentSpec, Capacity, Command, ConversationId, CustomerId, Engine, EngineConfig,
    EngineError, Reconfigure, TimeSpan, Timestamp,
};

fn config_a() -> EngineConfig {
    EngineConfig::default()
}

/// Differs from `config_a` in one setting read only for new work.
fn config_b() -> EngineConfig {
    EngineConfig::builder()
        .affinity_window(TimeSpan::from_hours(1))
        .build()
        .expect("valid")
}

fn open_conv(id: u64) -> Command {
    Command::open(ConversationId(id), CustomerId(id)).into()
}

fn open(
    dir: &Path,
    config: &EngineConfig,
    options: DurableOptions,
) -> Result<(Durable, RecoveryReport), PersistError> {
    Durable::open(dir, options, config, common::POLICY)
}

/// A directory written under `config_a`: an agent and two conversations.
fn written(dir: &Path, options: DurableOptions) -> u64 {
    let (mut durable, _) = open(dir, &config_a(), options).expect("new directory");
    durable
        .apply(
            Timestamp(1_000),
            Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(4))),
        )
        .expect("agent");
    durable.apply(Timestamp(2_000), open_conv(1)).expect("open");
    durable.apply(Timestamp(3_000), open_conv(2)).expect("open");
    durable.last_seq()
}

#[test]
fn a_new_directory_pins_its_rules_in_a_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    written(dir.path(), DurableOptions::default());
    let header = read_header(dir.path()).expect("read").expect("a header");
    assert_eq!(header.format, JOURNAL_FORMAT);
    assert_eq!(header.config, config_a());
    assert_eq!(header.policy, common::policy().name());
}

/// Before: an existing directory opened with another configuration was
/// replayed under it (without a snapshot) or silently kept the snapshot's
/// (with one). Now the open is refused, naming the setting, and changes
/// nothing.
#[test]
fn regression_a_journal_no_longer_opens_under_a_changed_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let last = written(dir.path(), DurableOptions::default());
    match open(dir.path(), &config_b(), DurableOptions::default()) {
        Err(PersistError::RulesChanged { diff }) => {
            assert_eq!(diff.config, vec!["affinity_window".to_owned()]);
            assert_eq!(diff.policy, None);
        }
        other => panic!("expected RulesChanged, got {other:?}"),
    }
    let (durable, report) = open(dir.path(), &config_a(), DurableOptions::default())
        .expect("the journal's own rules open it");
    assert_eq!(report.last_seq, last, "the refused open wrote nothing");
    assert!(report.rules_changed.is_empty());
    assert_eq!(durable.engine().config(), &config_a());
}

/// Before: with no usable snapshot, recovery built the engine from the
/// caller's configuration of today and replayed the whole journal under it.
#[test]
fn regression_a_journal_without_snapshots_replays_under_its_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = DurableOptions {
        snapshot_every: None,
        ..DurableOptions::default()
    };
    let last = written(dir.path(), options);
    for entry in std::fs::read_dir(dir.path()).expect("list") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "sws") {
            std::fs::remove_file(path).expect("remove snapshot");
        }
    }
    assert!(matches!(
        open(dir.path(), &config_b(), options),
        Err(PersistError::RulesChanged { .. })
    ));
    let (durable, report) = open(dir.path(), &config_a(), options).expect("replayed");
    assert_eq!(report.last_seq, last);
    assert_eq!(durable.engine().config(), &config_a());
}

#[test]
fn a_journal_refuses_another_policy_even_when_the_change_is_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    written(dir.path(), DurableOptions::default());
    let other = switchboard::policy::BuiltinPolicy::RoundRobin;
    assert_ne!(other, common::POLICY);
    let refused = Durable::open(dir.path(), DurableOptions::default(), &config_a(), other);
    assert!(
        matches!(&refused, Err(PersistError::RulesChanged { diff }) if diff.policy.is_some()),
        "{refused:?}"
    );
    let refused =
        Durable::open_reconfiguring(dir.path(), DurableOptions::default(), &config_a(), other);
    assert!(
        matches!(
            &refused,
            Err(PersistError::RulesChanged { .. } | PersistError::RulesChangeRefused { .. })
        ),
        "{refused:?}"
    );
}

#[test]
fn an_accepted_change_is_journaled_and_replayed_in_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let last = written(dir.path(), DurableOptions::default());
    let (mut durable, report) = Durable::open_reconfiguring(
        dir.path(),
        DurableOptions::default(),
        &config_b(),
        common::POLICY,
    )
    .expect("the change is accepted");
    assert_eq!(report.rules_changed, vec!["affinity_window".to_owned()]);
    assert_eq!(report.last_seq, last + 1, "journaled as the next record");
    assert_eq!(durable.engine().config(), &config_b());
    durable.apply(Timestamp(9_000), open_conv(3)).expect("open");
    let state = durable.engine().snapshot();
    drop(durable);

    // The journal now ends under config_b: it opens with it, not with a.
    assert!(matches!(
        open(dir.path(), &config_a(), DurableOptions::default()),
        Err(PersistError::RulesChanged { .. })
    ));
    let (durable, report) =
        open(dir.path(), &config_b(), DurableOptions::default()).expect("reopened");
    assert!(report.rules_changed.is_empty());
    assert_eq!(report.last_seq, last + 2);
    assert_eq!(durable.engine().snapshot(), state, "replay equals the run");
}

#[test]
fn a_setting_baked_into_live_conversations_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let last = written(dir.path(), DurableOptions::default());
    let mut weights = config_a();
    weights.parked_weight_permille = 500;
    let refused = Durable::open_reconfiguring(
        dir.path(),
        DurableOptions::default(),
        &weights,
        common::POLICY,
    );
    assert!(
        matches!(&refused, Err(PersistError::RulesChangeRefused { reason, .. }) if reason.contains("parked_weight_permille")),
        "{refused:?}"
    );
    let (_, report) = open(dir.path(), &config_a(), DurableOptions::default()).expect("intact");
    assert_eq!(report.last_seq, last);
}

#[test]
fn reconfigure_at_run_time_changes_the_rules_and_refuses_baked_in_ones() {
    let mut engine = Engine::new(config_a(), common::policy()).expect("engine");
    // With no conversation every setting may change.
    let mut empty = config_a();
    empty.parked_weight_permille = 500;
    engine
        .apply(
            Timestamp(1),
            Command::Reconfigure(Reconfigure::Config(Box::new(empty.clone()))),
        )
        .expect("an empty engine takes any valid configuration");
    assert_eq!(engine.config(), &empty);
    engine.apply(Timestamp(2), open_conv(1)).expect("open");
    let mut baked = empty.clone();
    baked.class_head_start = TimeSpan::from_mins(1);
    let refused = engine.apply(
        Timestamp(3),
        Command::Reconfigure(Reconfigure::Config(Box::new(baked))),
    );
    assert!(
        matches!(
            refused,
            Err(EngineError::ReconfigureRefused {
                field: "class_head_start",
                ..
            })
        ),
        "{refused:?}"
    );
    assert_eq!(engine.config(), &empty, "unchanged");
    let mut invalid = empty.clone();
    invalid.warn_at_permille = 0;
    assert!(matches!(
        engine.apply(
            Timestamp(4),
            Command::Reconfigure(Reconfigure::Config(Box::new(invalid)))
        ),
        Err(EngineError::InvalidConfig(_))
    ));
    engine.audit().expect("audit");
}

/// The runtime's file journals pin their rules the same way: a tenant
/// restarted with another configuration does not open unless the store
/// accepts the change, which is then journaled; `Command::Reconfigure`
/// also goes through the runtime at run time.
#[cfg(feature = "runtime")]
#[test]
// RuntimeError is the runtime's one error type, returned as is.
#[allow(clippy::result_large_err)]
fn a_runtime_tenant_restarted_with_other_rules_is_refused_unless_accepted() {
    use std::sync::Arc;
    use switchboard::runtime::{
        FileStore, Runtime, RuntimeConfig, RuntimeError, TenantId, TenantSpec,
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let acme = TenantId::new("acme").expect("id");
    let spec = |config: EngineConfig| {
        TenantSpec::with_builtin(
            acme.clone(),
            config,
            switchboard::policy::BuiltinPolicy::LeastLoaded,
        )
    };
    let start = |store: FileStore, config: EngineConfig| {
        Runtime::start(
            RuntimeConfig::durable(dir.path())
                .store(Arc::new(store))
                .shards(1),
            vec![spec(config)],
        )
    };
    let (runtime, _) = start(FileStore::new(dir.path()), config_a()).expect("start");
    let handle = runtime.handle();
    handle.submit(&acme, open_conv(1)).expect("open");
    let accepted = handle
        .submit(
            &acme,
            Command::Reconfigure(Reconfigure::Config(Box::new(config_b()))),
        )
        .expect("a safe change at run time");
    assert_eq!(accepted.record, 2);
    runtime.shutdown();

    // The journal ends under config_b now.
    match start(FileStore::new(dir.path()), config_a()) {
        Err(RuntimeError::Open {
            source: PersistError::RulesChanged { diff },
            ..
        }) => assert_eq!(diff.config, vec!["affinity_window".to_owned()]),
        other => panic!("expected RulesChanged, got {other:?}"),
    }
    let (runtime, report) = start(
        FileStore::new(dir.path()).accept_rule_changes(true),
        config_a(),
    )
    .expect("the change is accepted");
    let recovery = report.tenants[0].recovery.as_ref().expect("recovered");
    assert_eq!(recovery.rules_changed, vec!["affinity_window".to_owned()]);
    assert_eq!(report.tenants[0].last_record, 3, "journaled as record 3");
    let config = runtime
        .handle()
        .query(&acme, |engine| engine.config().clone())
        .wait()
        .expect("query");
    assert_eq!(config, config_a());
    runtime.shutdown();
}
