//! Conversation attributes: what a route's condition reads, as free
//! key/values (strings, whole numbers, booleans, string lists); the
//! conversation's tier, channel and priority are read from the
//! conversation itself.

use super::limits;
use super::problem::AttributeError;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The attributes of a conversation: a flat JSON object of named values,
/// such as `{"topic": "billing", "language": "es", "vip": true}`. `topic`
/// and `language` are the usual ones; `tier`, `channel` and `priority`
/// are read from the conversation itself (an attribute of that name is
/// ignored by conditions).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Attributes(BTreeMap<String, AttrValue>);

/// One free attribute value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum AttrValue {
    /// `true` or `false`.
    Bool(bool),
    /// A whole number (no fractions: equality stays exact).
    Number(i64),
    /// A string.
    Text(String),
    /// A list of strings.
    List(Vec<String>),
}

impl Attributes {
    /// No attributes.
    pub fn new() -> Self {
        Self::default()
    }

    /// With `topic`.
    pub fn topic(self, topic: impl Into<String>) -> Self {
        self.with("topic", AttrValue::Text(topic.into()))
    }

    /// With `language`.
    pub fn language(self, language: impl Into<String>) -> Self {
        self.with("language", AttrValue::Text(language.into()))
    }

    /// With the attribute `key` set to `value`.
    pub fn with(mut self, key: impl Into<String>, value: AttrValue) -> Self {
        self.0.insert(key.into(), value);
        self
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&AttrValue> {
        self.0.get(key)
    }

    /// Every attribute, by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &AttrValue)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks the bounds: how many values, how long each key, string and
    /// list. A command carrying attributes past them is refused.
    pub fn check(&self) -> Result<(), AttributeError> {
        if self.0.len() > limits::MAX_ATTRIBUTES {
            return Err(AttributeError::TooMany {
                count: self.0.len(),
                max: limits::MAX_ATTRIBUTES,
            });
        }
        let text = |key: &str, s: &str| {
            if s.len() > limits::MAX_ATTRIBUTE_TEXT {
                Err(AttributeError::TooLong {
                    key: key.to_owned(),
                    len: s.len(),
                    max: limits::MAX_ATTRIBUTE_TEXT,
                })
            } else {
                Ok(())
            }
        };
        for (key, value) in &self.0 {
            if key.is_empty() || key.len() > limits::MAX_NAME {
                return Err(AttributeError::BadKey { key: key.clone() });
            }
            match value {
                AttrValue::Text(s) => text(key, s)?,
                AttrValue::List(items) => {
                    if items.len() > limits::MAX_ATTRIBUTE_LIST {
                        return Err(AttributeError::ListTooLong {
                            key: key.clone(),
                            len: items.len(),
                            max: limits::MAX_ATTRIBUTE_LIST,
                        });
                    }
                    for item in items {
                        text(key, item)?;
                    }
                }
                AttrValue::Bool(_) | AttrValue::Number(_) => {}
            }
        }
        Ok(())
    }
}
