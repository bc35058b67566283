//! The wrapper that marks personal data.

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

/// The ciphertext of a sealed field as the store writes it; read without the key it is
/// [`Redaction::Sealed`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SealedField {
    #[serde(rename = "$sealed")]
    _ciphertext: String,
    #[serde(rename = "kv")]
    _key_version: u32,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Repr<T> {
    // only the shape is checked: the ciphertext itself is for the store to open
    Sealed(#[allow(dead_code)] SealedField),
    Redacted(Redaction),
    Clear(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Personal<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Repr::<T>::deserialize(deserializer)? {
            Repr::Sealed(_) => Personal::redacted(Redaction::Sealed),
            Repr::Redacted(why) => Personal::redacted(why),
            Repr::Clear(v) => Personal::new(v),
        })
    }
}
