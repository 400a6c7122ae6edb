//! API keys: the admin key the operator gives at start, and tenant keys
//! the admin issues. Only SHA-256 digests are kept (in memory and in the
//! data directory), and a presented key is compared with them in constant
//! time. Keys are 256-bit random secrets, so a fast hash is enough: there
//! is nothing to brute-force that a slow hash would protect.
//!
//! A tenant key reads `sbk_<id>_<secret>`: the 12-hex-digit id names it
//! in listings and revocations (it is not secret), the 64-hex-digit secret
//! is shown once, when the key is issued.

use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use subtle::ConstantTimeEq;
use thiserror::Error;

use crate::runtime::TenantId;

/// Shortest admin key accepted.
pub const MIN_ADMIN_KEY_LEN: usize = 24;

/// Most keys one tenant holds at once (revoked keys are forgotten).
pub const MAX_KEYS_PER_TENANT: usize = 32;

/// A SHA-256 digest of a key.
pub type Digest32 = [u8; 32];

/// A tenant key's public id: 12 lowercase hex digits.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KeyId(String);

impl KeyId {
    /// Checks `raw` is 12 lowercase hex digits.
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = raw.len() == 12 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        ok.then(|| Self(raw.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for KeyId {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw).ok_or_else(|| format!("a key id is 12 hex digits, got {raw:?}"))
    }
}

impl From<KeyId> for String {
    fn from(id: KeyId) -> String {
        id.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why the admin key was refused.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AdminKeyError {
    /// Neither a file nor the environment variable gave one.
    #[error("no admin key: give one in a file (--admin-key-file) or in the environment variable {0} (there is no default)")]
    Missing(&'static str),
    /// The key file could not be read.
    #[error("cannot read the admin key file {path}: {source}")]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Too short to be a secret.
    #[error("the admin key has {0} characters: give at least {MIN_ADMIN_KEY_LEN} (for example `openssl rand -hex 32`)")]
    TooShort(usize),
}

/// The admin key, kept as its digest only.
#[derive(Clone)]
pub struct AdminKey(Digest32);

impl fmt::Debug for AdminKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminKey(..)")
    }
}

impl AdminKey {
    /// The admin key `raw` (surrounding whitespace ignored); at least
    /// [`MIN_ADMIN_KEY_LEN`] characters.
    pub fn new(raw: &str) -> Result<Self, AdminKeyError> {
        let raw = raw.trim();
        if raw.len() < MIN_ADMIN_KEY_LEN {
            return Err(AdminKeyError::TooShort(raw.len()));
        }
        Ok(Self(digest(raw)))
    }

    /// Reads the key from the file `path` (its first line).
    pub fn from_file(path: &std::path::Path) -> Result<Self, AdminKeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| AdminKeyError::File {
            path: path.to_owned(),
            source,
        })?;
        Self::new(text.lines().next().unwrap_or_default())
    }

    /// Reads the key from the environment variable `var`.
    pub fn from_env(var: &'static str) -> Result<Self, AdminKeyError> {
        let raw = std::env::var(var).map_err(|_| AdminKeyError::Missing(var))?;
        Self::new(&raw)
    }

    /// Whether `presented` is the admin key (constant time).
    pub fn matches(&self, presented: &str) -> bool {
        digest(presented).ct_eq(&self.0).into()
    }
}

/// The SHA-256 digest of `key`.
pub fn digest(key: &str) -> Digest32 {
    Sha256::digest(key.as_bytes()).into()
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `hex` read back; `None` unless exactly 32 bytes of hex.
pub fn unhex(text: &str) -> Option<Digest32> {
    let mut out = [0u8; 32];
    if text.len() != 64 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// A tenant key as stored: never the secret.
#[derive(Clone, Debug)]
pub struct StoredKey {
    /// The tenant it acts for.
    pub tenant: TenantId,
    /// Digest of the whole key text.
    pub digest: Digest32,
    /// Kept in the data directory (`false`: the simulated tenant's key,
    /// which lives as long as the process).
    pub durable: bool,
}

/// A newly issued key: the only time its text exists on the server.
#[derive(Debug)]
pub struct Issued {
    /// Its id.
    pub id: KeyId,
    /// The key to hand to the tenant.
    pub key: String,
    /// What is stored.
    pub stored: StoredKey,
}

/// Makes a new key for `tenant`.
pub fn issue(tenant: TenantId, durable: bool) -> Issued {
    let mut rng = rand::rngs::OsRng;
    let mut id = [0u8; 6];
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut id);
    rng.fill_bytes(&mut secret);
    let id = KeyId::parse(&hex(&id)).expect("12 hex digits");
    let key = format!("sbk_{id}_{}", hex(&secret));
    Issued {
        stored: StoredKey {
            tenant,
            digest: digest(&key),
            durable,
        },
        id,
        key,
    }
}

/// Who called.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// The admin key.
    Admin,
    /// A tenant key.
    Tenant {
        /// The key's id.
        key: KeyId,
        /// Its tenant.
        tenant: TenantId,
    },
}

impl Caller {
    /// A short name for logs and the rate limiter (`admin` or `key:<id>`).
    pub fn label(&self) -> String {
        match self {
            Caller::Admin => "admin".to_owned(),
            Caller::Tenant { key, .. } => format!("key:{key}"),
        }
    }
}

/// The tenant keys in force, by id.
#[derive(Debug, Default)]
pub struct KeyRing {
    keys: BTreeMap<KeyId, StoredKey>,
}

impl KeyRing {
    /// The caller `presented` authenticates, if any. The digest compare is
    /// constant-time; the id lookup before it reveals only whether an id
    /// exists, and ids are not secret.
    pub fn check(&self, presented: &str) -> Option<Caller> {
        let rest = presented.strip_prefix("sbk_")?;
        let (id, _) = rest.split_once('_')?;
        let id = KeyId::parse(id)?;
        let stored = self.keys.get(&id)?;
        let ok: bool = digest(presented).ct_eq(&stored.digest).into();
        ok.then(|| Caller::Tenant {
            key: id,
            tenant: stored.tenant.clone(),
        })
    }

    /// Adds a key (issued or recovered).
    pub fn insert(&mut self, id: KeyId, key: StoredKey) {
        self.keys.insert(id, key);
    }

    /// Forgets a key; returns it if it was in force.
    pub fn revoke(&mut self, id: &KeyId) -> Option<StoredKey> {
        self.keys.remove(id)
    }

    /// Forgets every key of `tenant`; returns them (to put back if the
    /// change is undone).
    pub fn revoke_tenant(&mut self, tenant: &TenantId) -> Vec<(KeyId, StoredKey)> {
        let ids = self.of_tenant(tenant);
        ids.into_iter()
            .filter_map(|id| self.keys.remove(&id).map(|k| (id, k)))
            .collect()
    }

    /// Whether a key `id` is in force.
    pub fn contains(&self, id: &KeyId) -> bool {
        self.keys.contains_key(id)
    }

    /// The ids of `tenant`'s keys.
    pub fn of_tenant(&self, tenant: &TenantId) -> Vec<KeyId> {
        self.keys
            .iter()
            .filter(|(_, k)| &k.tenant == tenant)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Every key, for the registry file.
    pub fn iter(&self) -> impl Iterator<Item = (&KeyId, &StoredKey)> {
        self.keys.iter()
    }

    /// The key `id`, if in force.
    pub fn get(&self, id: &KeyId) -> Option<&StoredKey> {
        self.keys.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_key_checks_and_a_changed_one_does_not() {
        let t = TenantId::new("acme").unwrap();
        let issued = issue(t.clone(), true);
        let mut ring = KeyRing::default();
        ring.insert(issued.id.clone(), issued.stored.clone());
        assert_eq!(
            ring.check(&issued.key),
            Some(Caller::Tenant {
                key: issued.id.clone(),
                tenant: t.clone()
            })
        );
        let mut wrong = issued.key.clone();
        let last = wrong.pop().unwrap();
        wrong.push(if last == '0' { '1' } else { '0' });
        assert_eq!(ring.check(&wrong), None);
        assert_eq!(ring.check("sbk_nothex"), None);
        ring.revoke(&issued.id);
        assert_eq!(ring.check(&issued.key), None);
    }

    #[test]
    fn an_admin_key_must_be_long_and_matches_only_itself() {
        assert!(matches!(
            AdminKey::new("short"),
            Err(AdminKeyError::TooShort(5))
        ));
        let admin = AdminKey::new("0123456789abcdef0123456789abcdef\n").unwrap();
        assert!(admin.matches("0123456789abcdef0123456789abcdef"));
        assert!(!admin.matches("0123456789abcdef0123456789abcdeF"));
    }

    #[test]
    fn digests_round_trip_through_hex() {
        let d = digest("x");
        assert_eq!(unhex(&hex(&d)), Some(d));
        assert_eq!(unhex("zz"), None);
    }
}
