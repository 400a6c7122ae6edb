//! [`ChannelWeights`]: the capacity a conversation uses on each channel,
//! keyed by [`Channel`], so a channel added later gets a weight without
//! breaking a configuration.

use crate::model::{Capacity, Channel};
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The capacity a live conversation uses on each channel. Default: one unit
/// ([`Capacity::units`]`(1)`) per channel, half a unit for email.
///
/// In JSON it is a map from the channel's name to milli-units
/// (`{"sms": 1000, ..., "email": 500}`); a channel left out keeps its
/// default weight. The older form, an array of eight weights in the order
/// of [`Channel::ALL`], is still read.
///
/// ```
/// use switchboard::{Capacity, Channel, ChannelWeights};
///
/// let weights = ChannelWeights::default().with(Channel::Sms, Capacity::units(2));
/// assert_eq!(weights.get(Channel::Sms), Capacity::units(2));
/// assert_eq!(weights.get(Channel::Email), Capacity(500));
/// let json = r#"{"email": 250}"#;
/// let read: ChannelWeights = serde_json::from_str(json)?;
/// assert_eq!(read.get(Channel::Email), Capacity(250));
/// assert_eq!(read.get(Channel::WhatsApp), Capacity::units(1));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChannelWeights {
    /// Indexed by [`Channel::index`]; one slot per channel of
    /// [`Channel::ALL`], so every channel has a weight.
    by_index: [Capacity; Channel::ALL.len()],
}

impl Default for ChannelWeights {
    fn default() -> Self {
        let mut by_index = [Capacity::units(1); Channel::ALL.len()];
        by_index[Channel::Email.index()] = Capacity(Capacity::UNIT / 2);
        Self { by_index }
    }
}

impl ChannelWeights {
    /// The same `weight` on every channel.
    pub const fn uniform(weight: Capacity) -> Self {
        Self {
            by_index: [weight; Channel::ALL.len()],
        }
    }

    /// The weight of `channel`.
    pub const fn get(&self, channel: Channel) -> Capacity {
        self.by_index[channel.index()]
    }

    /// Sets the weight of `channel` (checked when the engine is built, by
    /// [`EngineConfig::validate`](crate::EngineConfig::validate)).
    pub fn set(&mut self, channel: Channel, weight: Capacity) {
        self.by_index[channel.index()] = weight;
    }

    /// As [`ChannelWeights::set`], by value, for chaining.
    pub fn with(mut self, channel: Channel, weight: Capacity) -> Self {
        self.set(channel, weight);
        self
    }

    /// Every channel with its weight, in the order of [`Channel::ALL`].
    pub fn iter(&self) -> impl Iterator<Item = (Channel, Capacity)> + '_ {
        Channel::ALL.into_iter().map(|c| (c, self.get(c)))
    }
}

impl Serialize for ChannelWeights {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(Channel::ALL.len()))?;
        for (channel, weight) in self.iter() {
            map.serialize_entry(&channel, &weight)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ChannelWeights {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WeightsVisitor)
    }
}

/// Reads the map form, and the array form older files carry.
struct WeightsVisitor;

impl<'de> Visitor<'de> for WeightsVisitor {
    type Value = ChannelWeights;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a map from channel name to weight, or an array of {} weights",
            Channel::ALL.len()
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut weights = ChannelWeights::default();
        let mut seen = [false; Channel::ALL.len()];
        // Bounded by the map's length; a repeated channel is refused rather
        // than silently keeping the last value.
        while let Some((channel, weight)) = map.next_entry::<Channel, Capacity>()? {
            if std::mem::replace(&mut seen[channel.index()], true) {
                return Err(de::Error::custom(format_args!(
                    "channel {channel:?} is given a weight twice"
                )));
            }
            weights.set(channel, weight);
        }
        Ok(weights)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut weights = ChannelWeights::default();
        for (i, channel) in Channel::ALL.into_iter().enumerate() {
            let weight = seq
                .next_element::<Capacity>()?
                .ok_or_else(|| de::Error::invalid_length(i, &self))?;
            weights.set(channel, weight);
        }
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(Channel::ALL.len() + 1, &self));
        }
        Ok(weights)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_weights_round_trip_as_a_map_by_channel_name() {
        let weights = ChannelWeights::default().with(Channel::InApp, Capacity(1_500));
        let json = serde_json::to_value(weights).unwrap();
        assert_eq!(json["in_app"], 1_500);
        assert_eq!(json["email"], 500);
        assert_eq!(json.as_object().unwrap().len(), Channel::ALL.len());
        assert_eq!(
            serde_json::from_value::<ChannelWeights>(json).unwrap(),
            weights
        );
    }

    #[test]
    fn channel_weights_still_read_the_old_array_form() {
        let old = "[1000, 2000, 1000, 1000, 1000, 1000, 1000, 500]";
        let weights: ChannelWeights = serde_json::from_str(old).unwrap();
        assert_eq!(weights.get(Channel::WhatsApp), Capacity(2_000));
        assert_eq!(weights.get(Channel::Email), Capacity(500));
        assert!(serde_json::from_str::<ChannelWeights>("[1000, 1000]").is_err());
        let nine = "[1000, 1000, 1000, 1000, 1000, 1000, 1000, 500, 1]";
        assert!(serde_json::from_str::<ChannelWeights>(nine).is_err());
    }

    #[test]
    fn channel_weights_refuse_a_channel_twice_or_an_unknown_one() {
        assert!(serde_json::from_str::<ChannelWeights>(r#"{"sms": 1, "sms": 2}"#).is_err());
        assert!(serde_json::from_str::<ChannelWeights>(r#"{"fax": 1}"#).is_err());
    }
}
