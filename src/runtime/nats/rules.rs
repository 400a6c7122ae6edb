//! A tenant's stream subject pins the rules it was written under, as a
//! file journal's header does (`persist/header.rs`), also before its first
//! snapshot.
//!
//! Every fence message (the first message any primary writes, before its
//! first record) carries the rules in force at that point of the subject:
//! the journal header's bytes (`b"SWBRULE1"`, then one frame of JSON:
//! format, configuration, its hash, policy). The subject's first message
//! is therefore always a header, and a purge keeps the latest one or a
//! snapshot (which pins the rules too) covering what it drops. An empty
//! fence (written before this) still reads as a fence without rules. A
//! record batch can never start with the header's magic: its first four
//! bytes are a frame length, and `SWBR` read as one is far above
//! `MAX_PAYLOAD`.
//!
//! Replaying a subject without a snapshot starts from the host's
//! configuration; the first header, met before any record, switches the
//! fresh engine to the rules the records were written under, so they
//! replay as acknowledged. At the open, the rules in force at the
//! subject's end are compared with the host's: a difference is
//! [`PersistError::RulesChanged`] unless the store accepts changes
//! ([`JetStreamStore::accept_rule_changes`](super::JetStreamStore::accept_rule_changes)),
//! in which case the change is applied and published as the subject's next
//! record, a `Command::Reconfigure`, so every later replay makes it at the
//! same place. A policy never changes on a subject.

use super::replica::Replica;
use crate::engine::{Command, Reconfigure};
use crate::model::Timestamp;
use crate::persist::{rules_diff, JournalHeader, PersistError, RulesDiff};
use std::path::Path;

/// The header's magic (`persist/header.rs` writes it first).
const MAGIC: &[u8; 8] = b"SWBRULE1";

/// Whether a stream message is a rules header (a fence that pins rules).
pub(crate) fn is_header(payload: &[u8]) -> bool {
    payload.starts_with(MAGIC)
}

/// Whether a message of a tenant's subject is a fence (a takeover's first
/// message: no records, the rules in force, or empty when written before
/// fences carried them). Anything else is a batch of journal records
/// ([`decode_records`](crate::persist::decode_records)).
pub fn is_fence(payload: &[u8]) -> bool {
    payload.is_empty() || is_header(payload)
}

/// A fence's payload: the rules `replica`'s engine is under now.
pub(crate) fn header_payload(replica: &Replica) -> Result<Vec<u8>, PersistError> {
    let engine = &replica.engine;
    JournalHeader::new(engine.config(), engine.policy_name()).encode()
}

impl Replica {
    /// Reads a header message: before any record, a fresh engine takes the
    /// header's rules (the records were written under them); after, the
    /// header must name the rules in force, or the subject is inconsistent.
    pub(crate) fn apply_header(&mut self, payload: &[u8]) -> Result<(), PersistError> {
        let header = JournalHeader::decode(payload, Path::new("<stream rules header>"))?;
        let engine = &self.engine;
        let Some(diff) = rules_diff(
            engine.config(),
            engine.policy_name(),
            &header.config,
            &header.policy,
        ) else {
            return Ok(());
        };
        if self.last_record > 0 || diff.policy.is_some() {
            // A policy cannot be switched here: the open compares it with
            // the host's and refuses.
            return Err(PersistError::RulesChanged {
                diff: Box::new(diff),
            });
        }
        // Nothing applied yet: the same engine as one built under the
        // header's configuration (a reconfiguration of a fresh engine sets
        // the configuration and nothing else).
        let at = self.engine.now();
        let command = Command::Reconfigure(Reconfigure::Config(Box::new(header.config)));
        self.engine
            .apply(at, command)
            .map_err(|error| PersistError::ReplayRejected { seq: 0, error })?;
        Ok(())
    }

    /// The difference between the rules in force at this replica's point
    /// of the subject and the host's (`None`: the same).
    pub(crate) fn rules_change(
        &self,
        config: &crate::engine::EngineConfig,
        policy: &str,
    ) -> Option<RulesDiff> {
        let engine = &self.engine;
        rules_diff(engine.config(), engine.policy_name(), config, policy)
    }

    /// Applies an accepted change of configuration to the engine and
    /// returns the record to publish next (`Command::Reconfigure`), or a
    /// typed refusal: a policy change, or a setting baked into what the
    /// engine holds.
    pub(crate) fn accept_change(
        &mut self,
        diff: RulesDiff,
        config: &crate::engine::EngineConfig,
    ) -> Result<(Timestamp, Command), PersistError> {
        if diff.policy.is_some() {
            return Err(PersistError::RulesChangeRefused {
                diff: Box::new(diff),
                reason: "a subject keeps its policy: use another tenant for another one".into(),
            });
        }
        let command = Command::Reconfigure(Reconfigure::Config(Box::new(config.clone())));
        let at = self.engine.now();
        self.engine
            .apply(at, command.clone())
            .map_err(|e| PersistError::RulesChangeRefused {
                diff: Box::new(diff),
                reason: e.to_string(),
            })?;
        Ok((at, command))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineConfig;
    use crate::model::{AgentId, AgentSpec, Capacity, ConversationId, CustomerId, TimeSpan};
    use crate::persist::decode_records;
    use crate::policy::PolicyFactory;
    use crate::runtime::journal::{JournalStore, RecordBatch};
    use crate::runtime::nats::test_server::TestServer;
    use crate::runtime::nats::{JetStreamStore, NatsConfig};
    use crate::runtime::TenantId;

    fn policy() -> PolicyFactory {
        crate::policy::BuiltinPolicy::LeastLoaded.into()
    }

    fn with_window(hours: u64) -> EngineConfig {
        EngineConfig::builder()
            .affinity_window(TimeSpan::from_hours(hours))
            .build()
            .expect("valid")
    }

    /// Issue 21: a JetStream subject with no snapshot yet replayed under
    /// whatever configuration the host passed at the open, so a changed
    /// configuration silently made other decisions than the acknowledged
    /// ones. Now the subject's fences pin the rules: another configuration
    /// is refused with `RulesChanged` (nothing written), accepted only when
    /// the store accepts changes, and then journaled as a `Reconfigure`
    /// record that a standby's replay applies at the same place.
    #[test]
    fn regression_a_stream_without_a_snapshot_no_longer_replays_under_another_configuration() {
        let server = TestServer::start();
        let mut config = NatsConfig::new(server.url(), "a");
        config.replicas = 1;
        config.snapshot_every = None;
        let store = JetStreamStore::connect(config).expect("connects");
        let tenant = TenantId::new("t").expect("a tenant id");
        let original = with_window(1);

        // Written under the original rules: a fence, then two records.
        let mut opened = store.open(&tenant, &original, &policy()).expect("opens");
        let commands: Vec<Command> = vec![
            AgentSpec::new(AgentId(1), Capacity::units(2)).into(),
            Command::open(ConversationId(1), CustomerId(1)).into(),
        ];
        let mut bytes = Vec::new();
        for (i, command) in commands.iter().enumerate() {
            let at = Timestamp(1_000 * (i as u64 + 1));
            opened.engine.apply(at, command.clone()).expect("accepted");
            crate::persist::encode_record(i as u64 + 1, at, command, &mut bytes).expect("encodes");
        }
        let batch = RecordBatch {
            bytes,
            count: 2,
            first_seq: 1,
        };
        opened.journal.append(&batch).expect("appended");
        let primary = opened.engine.snapshot();
        drop(opened);
        let subject = store.read_subject(&tenant).expect("reads");
        assert!(
            is_header(&subject[0].1),
            "the subject's first message pins the rules"
        );
        assert!(store.read_snapshot(&tenant).expect("reads").is_none());

        // Another configuration: refused, naming the setting, nothing
        // written.
        let changed = with_window(3);
        match store.open(&tenant, &changed, &policy()) {
            Err(PersistError::RulesChanged { diff }) => {
                assert_eq!(diff.config, vec!["affinity_window".to_owned()]);
            }
            Err(e) => panic!("expected RulesChanged, got {e:?}"),
            Ok(_) => panic!("expected RulesChanged, got an engine"),
        }
        assert_eq!(
            store.read_subject(&tenant).expect("reads").len(),
            subject.len()
        );
        // Another policy: refused too.
        let round_robin: PolicyFactory = crate::policy::BuiltinPolicy::RoundRobin.into();
        assert!(matches!(
            store.open(&tenant, &original, &round_robin),
            Err(PersistError::RulesChanged { .. })
        ));

        // Its own rules reopen it to the acknowledged state.
        let reopened = store.open(&tenant, &original, &policy()).expect("reopens");
        assert_eq!(reopened.engine.snapshot(), primary);
        drop(reopened);

        // Accepted: the change is the subject's next record.
        store.accept_rule_changes(true);
        let opened = store
            .open(&tenant, &changed, &policy())
            .expect("the change is made");
        assert_eq!(opened.engine.config(), &changed);
        assert_eq!(opened.journal.last_seq(), 3);
        let after = opened.engine.snapshot();
        drop(opened);
        let subject = store.read_subject(&tenant).expect("reads");
        let (_, last) = subject.last().expect("messages");
        let records = decode_records(3, last).expect("a record batch");
        assert!(matches!(
            records[0].command,
            Command::Reconfigure(Reconfigure::Config(ref c)) if **c == changed
        ));
        // A standby replays the subject to the same state, and the next
        // open needs the new rules.
        store.accept_rule_changes(false);
        let replica = store
            .load_replica(&tenant, &changed, &policy())
            .expect("replays");
        assert_eq!(replica.engine.snapshot(), after);
        assert!(matches!(
            store.open(&tenant, &original, &policy()),
            Err(PersistError::RulesChanged { .. })
        ));
        store
            .open(&tenant, &changed, &policy())
            .expect("its rules now");
    }
}
