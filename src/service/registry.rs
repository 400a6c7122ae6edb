//! The service's own state in its data directory: which tenants exist
//! (id, policy, engine configuration) and the digests of their keys, in
//! `service.json`. The tenants' engines live in their journals and
//! snapshots under `tenants/` (the runtime's [`FileStore`]); this file
//! says which of those directories to open at start.
//!
//! It changes only on admin requests (a tenant created or deleted, a key
//! issued or revoked), each written whole and atomically: a temporary
//! file, fsync, rename over the old one, fsync of the directory. A crash
//! leaves the old file or the new one, never a mix.
//!
//! [`FileStore`]: crate::runtime::FileStore

use super::keys::{hex, unhex, KeyId, KeyRing, StoredKey};
use crate::runtime::TenantId;
use crate::{EngineConfig, Reservation};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The format this build writes and reads.
pub const REGISTRY_FORMAT: u32 = 1;

/// The registry file's name in the data directory.
pub const REGISTRY_FILE: &str = "service.json";

/// The tenants' journals' directory in the data directory.
pub const TENANTS_DIR: &str = "tenants";

/// A registry that cannot be read or written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a registry this build reads.
    #[error("{path} is not a service registry this build reads: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// One tenant as recorded.
#[derive(Clone, Debug)]
pub struct TenantRecord {
    /// Its id.
    pub id: TenantId,
    /// Its built-in policy's name.
    pub policy: String,
    /// The configuration it was created with.
    pub config: EngineConfig,
    /// The room reserved in its engine at each start.
    pub reservation: Reservation,
}

/// A tenant in the file.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct TenantLine {
    id: String,
    policy: String,
    config: EngineConfig,
    /// Absent when nothing is reserved (and in files written before it).
    #[serde(default, skip_serializing_if = "is_nothing")]
    reserve: Reservation,
}

fn is_nothing(r: &Reservation) -> bool {
    *r == Reservation::default()
}

/// One key as recorded.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct KeyRecord {
    id: KeyId,
    tenant: String,
    /// Hex SHA-256 of the key.
    sha256: String,
}

/// The file's content.
#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    format: u32,
    tenants: Vec<TenantLine>,
    keys: Vec<KeyRecord>,
}

/// What a data directory held at start.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Tenants in creation order.
    pub tenants: Vec<TenantRecord>,
    /// Their keys.
    pub keys: KeyRing,
}

/// The registry of one data directory.
#[derive(Debug)]
pub struct Registry {
    dir: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RegistryError + '_ {
    move |source| RegistryError::Io {
        path: path.to_owned(),
        source,
    }
}

impl Registry {
    /// The registry of `dir` (created if missing).
    pub fn open(dir: &Path) -> Result<(Self, Loaded), RegistryError> {
        std::fs::create_dir_all(dir.join(TENANTS_DIR)).map_err(io(dir))?;
        let path = dir.join(REGISTRY_FILE);
        let loaded = match std::fs::read(&path) {
            Ok(bytes) => Self::parse(&path, &bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Loaded::default(),
            Err(e) => return Err(io(&path)(e)),
        };
        Ok((
            Self {
                dir: dir.to_owned(),
            },
            loaded,
        ))
    }

    fn parse(path: &Path, bytes: &[u8]) -> Result<Loaded, RegistryError> {
        let bad = |reason: String| RegistryError::Malformed {
            path: path.to_owned(),
            reason,
        };
        let file: File = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
        if file.format != REGISTRY_FORMAT {
            return Err(bad(format!(
                "format {} (this build reads {REGISTRY_FORMAT})",
                file.format
            )));
        }
        let tenant = |raw: &str| TenantId::new(raw).map_err(|e| bad(e.to_string()));
        let mut keys = KeyRing::default();
        for k in file.keys {
            let digest =
                unhex(&k.sha256).ok_or_else(|| bad(format!("key {}: bad digest", k.id)))?;
            keys.insert(
                k.id,
                StoredKey {
                    tenant: tenant(&k.tenant)?,
                    digest,
                    durable: true,
                },
            );
        }
        let tenants = file
            .tenants
            .into_iter()
            .map(|t| {
                // A hand-edited file's reservation past the limits would
                // stop the service at start: refused here, naming it.
                t.reserve
                    .check(&t.config.limits)
                    .map_err(|e| bad(format!("tenant {}: {e}", t.id)))?;
                Ok(TenantRecord {
                    id: tenant(&t.id)?,
                    policy: t.policy,
                    config: t.config,
                    reservation: t.reserve,
                })
            })
            .collect::<Result<_, RegistryError>>()?;
        Ok(Loaded { tenants, keys })
    }

    /// Where the tenants' journals live.
    pub fn journals(&self) -> PathBuf {
        self.dir.join(TENANTS_DIR)
    }

    /// Writes `tenants` and the durable keys of `keys`, atomically.
    pub fn save(&self, tenants: &[TenantRecord], keys: &KeyRing) -> Result<(), RegistryError> {
        let file = File {
            format: REGISTRY_FORMAT,
            tenants: tenants
                .iter()
                .map(|t| TenantLine {
                    id: t.id.to_string(),
                    policy: t.policy.clone(),
                    config: t.config.clone(),
                    reserve: t.reservation,
                })
                .collect(),
            keys: keys
                .iter()
                .filter(|(_, k)| k.durable)
                .map(|(id, k)| KeyRecord {
                    id: id.clone(),
                    tenant: k.tenant.to_string(),
                    sha256: hex(&k.digest),
                })
                .collect(),
        };
        let bytes = serde_json::to_vec_pretty(&file).expect("the registry serialises");
        let path = self.dir.join(REGISTRY_FILE);
        let tmp = self.dir.join(format!("{REGISTRY_FILE}.tmp"));
        let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(&bytes).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        // The rename itself is durable only once the directory is synced.
        std::fs::File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io(&self.dir))
    }

    /// Deletes a removed tenant's journal directory.
    pub fn delete_journal(&self, tenant: &TenantId) -> Result<(), RegistryError> {
        let dir = self.journals().join(tenant.as_str());
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(&dir)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec_reservation() -> Reservation {
        Reservation::new().agents(40).customers(1_000)
    }
    use crate::service::keys::issue;

    #[test]
    fn tenants_and_durable_keys_survive_a_reopen_and_ephemeral_keys_do_not() {
        let dir = std::env::temp_dir().join(format!("sb-registry-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (reg, loaded) = Registry::open(&dir).unwrap();
        assert!(loaded.tenants.is_empty());
        let t = TenantId::new("acme").unwrap();
        let mut ring = KeyRing::default();
        let kept = issue(t.clone(), true);
        let gone = issue(t.clone(), false);
        ring.insert(kept.id.clone(), kept.stored.clone());
        ring.insert(gone.id.clone(), gone.stored.clone());
        let rec = TenantRecord {
            id: t.clone(),
            policy: "least_loaded".into(),
            config: EngineConfig::default(),
            reservation: rec_reservation(),
        };
        reg.save(&[rec], &ring).unwrap();
        let (_, loaded) = Registry::open(&dir).unwrap();
        assert_eq!(loaded.tenants.len(), 1);
        assert_eq!(loaded.tenants[0].reservation, rec_reservation());
        assert!(loaded.keys.check(&kept.key).is_some());
        assert!(loaded.keys.check(&gone.key).is_none());
        // A hand-edited reservation past the tenant's limits: named, not
        // left to stop the service at start.
        let text = std::fs::read_to_string(dir.join(REGISTRY_FILE)).unwrap();
        let edited = text.replace("\"agents\": 40", "\"agents\": 4000000");
        assert_ne!(text, edited);
        std::fs::write(dir.join(REGISTRY_FILE), edited).unwrap();
        assert!(matches!(
            Registry::open(&dir),
            Err(RegistryError::Malformed { reason, .. }) if reason.contains("agents")
        ));
        std::fs::write(dir.join(REGISTRY_FILE), b"{\"format\": 9}").unwrap();
        assert!(matches!(
            Registry::open(&dir),
            Err(RegistryError::Malformed { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
