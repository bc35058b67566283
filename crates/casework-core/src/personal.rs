//! The wrapper that marks personal data.

use std::marker::PhantomData;

use serde::de::{self, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Personal data of a client: names, free-text notes, situation-report content, feedback
/// content. Kept apart from process facts (dates, service type, status) so that stores
/// encrypt it per case and shred it on erasure without touching process facts or the hash
/// chain.
///
/// A value is either there in clear, or it is not there and says why
/// ([`Redaction`]): still sealed (read without the case's key), erased (the key was
/// destroyed), or withheld from a viewer the consent does not cover. A reader always sees
/// *that* something is missing and why; nothing is dropped silently.
///
/// `Debug` never prints the content, so personal data does not leak into logs; use
/// [`Personal::expose`] where showing it is intended.
///
/// ```
/// use casework_core::{Personal, Redaction};
/// let name = Personal::new("Anna Muster".to_string());
/// assert_eq!(format!("{name:?}"), "Personal(<redacted>)");
/// assert_eq!(name.expose().map(String::as_str), Some("Anna Muster"));
///
/// let gone: Personal<String> = Personal::redacted(Redaction::Erased);
/// assert_eq!(gone.expose(), None);
/// assert_eq!(gone.redaction(), Some(&Redaction::Erased));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Personal<T>(Content<T>);

#[derive(Clone, PartialEq, Eq)]
enum Content<T> {
    Clear(T),
    Redacted(Redaction),
}

/// Why a personal value is not there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "$personal", rename_all = "snake_case")]
pub enum Redaction {
    /// Encrypted in the store and read without the case's key (e.g. by a projection).
    Sealed,
    /// The case was erased: its data key is destroyed and the value can never be read again.
    Erased,
    /// The viewer may not see it; `reason` names the missing consent or role.
    Withheld {
        /// Why, in words a caseworker understands.
        reason: String,
    },
}

impl std::fmt::Display for Redaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Redaction::Sealed => f.write_str("<sealed>"),
            Redaction::Erased => f.write_str("<erased>"),
            Redaction::Withheld { reason } => write!(f, "<withheld: {reason}>"),
        }
    }
}

impl<T> Personal<T> {
    /// Marks `value` as personal data.
    pub fn new(value: T) -> Self {
        Personal(Content::Clear(value))
    }

    /// A value that is not there, and why.
    pub fn redacted(why: Redaction) -> Self {
        Personal(Content::Redacted(why))
    }

    /// The personal data itself, `None` where it is redacted. Call sites that show it are
    /// the ones an access check guards.
    pub fn expose(&self) -> Option<&T> {
        match &self.0 {
            Content::Clear(v) => Some(v),
            Content::Redacted(_) => None,
        }
    }

    /// Why the value is not there (`None`: it is there in clear).
    pub fn redaction(&self) -> Option<&Redaction> {
        match &self.0 {
            Content::Clear(_) => None,
            Content::Redacted(r) => Some(r),
        }
    }

    /// Unwraps the personal data; `Err` says why it is not there.
    pub fn into_inner(self) -> Result<T, Redaction> {
        match self.0 {
            Content::Clear(v) => Ok(v),
            Content::Redacted(r) => Err(r),
        }
    }

    /// Replaces a clear value with `why`; a value already redacted keeps its reason
    /// (erased stays erased).
    pub fn redact(&mut self, why: Redaction) {
        if matches!(self.0, Content::Clear(_)) {
            self.0 = Content::Redacted(why);
        }
    }
}

impl<T: Default> Default for Personal<T> {
    fn default() -> Self {
        Personal::new(T::default())
    }
}

impl<T> std::fmt::Debug for Personal<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Content::Clear(_) => f.write_str("Personal(<redacted>)"),
            Content::Redacted(why) => write!(f, "Personal({why})"),
        }
    }
}

/// A clear value serializes as the value itself (the stored format has no wrapper); a
/// redacted one as `{"$personal": "sealed" | "erased" | "withheld", ...}`.
impl<T: Serialize> Serialize for Personal<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Content::Clear(v) => v.serialize(serializer),
            Content::Redacted(why) => why.serialize(serializer),
        }
    }
}

/// Reads a personal value: a sealed field as the store writes it
/// (`{"$sealed": …, "kv": …}`) is [`Redaction::Sealed`], a redaction marker
/// (`{"$personal": …}`) is that redaction, anything else is the value itself.
///
/// A visitor rather than `#[serde(untagged)]`: sealed fields and plain strings (most
/// personal fields) are read without buffering; only a value that is itself a map is
/// collected into a JSON tree first. Needs a self-describing format (JSON).
struct PersonalVisitor<T>(PhantomData<T>);

fn from_json<'de, T: Deserialize<'de>, E: de::Error>(value: serde_json::Value) -> Result<T, E> {
    T::deserialize(value).map_err(E::custom)
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for PersonalVisitor<T> {
    type Value = Personal<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a personal value, a sealed field or a redaction marker")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        T::deserialize(v.into_deserializer()).map(Personal::new)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        T::deserialize(v.into_deserializer()).map(Personal::new)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        T::deserialize(v.into_deserializer()).map(Personal::new)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        T::deserialize(v.into_deserializer()).map(Personal::new)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        T::deserialize(de::value::StrDeserializer::<E>::new(v)).map(Personal::new)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        T::deserialize(de::value::BorrowedStrDeserializer::<E>::new(v)).map(Personal::new)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        T::deserialize(v.into_deserializer()).map(Personal::new)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        T::deserialize(().into_deserializer()).map(Personal::new)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        T::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Personal::new)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Some(first) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
            return from_json(serde_json::Value::Object(serde_json::Map::new())).map(Personal::new);
        };
        match first.as_ref() {
            "$sealed" => {
                map.next_value::<de::IgnoredAny>()?;
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Personal::redacted(Redaction::Sealed))
            }
            "$personal" => {
                let mut fields = serde_json::Map::new();
                fields.insert(first.into_owned(), map.next_value()?);
                while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                    fields.insert(k, v);
                }
                from_json::<Redaction, A::Error>(serde_json::Value::Object(fields))
                    .map(Personal::redacted)
            }
            _ => {
                let mut fields = serde_json::Map::new();
                fields.insert(first.into_owned(), map.next_value()?);
                while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                    fields.insert(k, v);
                }
                from_json(serde_json::Value::Object(fields)).map(Personal::new)
            }
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Personal<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PersonalVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Deserialize, Serialize)]
    struct Details {
        name: String,
        #[serde(default)]
        contact: Option<String>,
    }

    fn read<T: for<'de> Deserialize<'de>>(json: &str) -> Personal<T> {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    #[test]
    fn every_shape_reads_back() {
        assert_eq!(
            read::<String>(r#""Anna""#).expose().map(String::as_str),
            Some("Anna")
        );
        assert_eq!(
            read::<Vec<String>>(r#"["a","b"]"#).expose().map(Vec::len),
            Some(2)
        );
        assert_eq!(read::<u32>("7").expose(), Some(&7));
        let d = read::<Details>(r#"{"name":"A","contact":"x"}"#);
        assert_eq!(d.expose().map(|d| d.name.as_str()), Some("A"));
        let sealed = read::<Details>(r#"{"$sealed":"AAAA","kv":1}"#);
        assert_eq!(sealed.redaction(), Some(&Redaction::Sealed));
        let sealed = read::<String>(r#"{"$sealed":"AAAA","kv":1}"#);
        assert_eq!(sealed.redaction(), Some(&Redaction::Sealed));
        for r in [
            Redaction::Sealed,
            Redaction::Erased,
            Redaction::Withheld {
                reason: "no consent".into(),
            },
        ] {
            let json = serde_json::to_string(&Personal::<Details>::redacted(r.clone()))
                .unwrap_or_default();
            assert_eq!(read::<Details>(&json).redaction(), Some(&r), "{json}");
            // through a JSON tree as well (the store opens sealed fields in one)
            let tree: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
            let back: Personal<String> = serde_json::from_value(tree).unwrap_or_default();
            assert_eq!(back.redaction(), Some(&r));
        }
        // a value of the wrong shape is an error, not a redaction
        assert!(serde_json::from_str::<Personal<u32>>(r#""seven""#).is_err());
        assert!(serde_json::from_str::<Personal<Details>>(r#"{"nom":"A"}"#).is_err());
    }
}
