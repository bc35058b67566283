//! Personal data at rest: per-stream data keys and field-level sealing, so that erasing a
//! case is destroying one key (crypto-shredding).
//!
//! - Each stream that holds personal data gets its own random 256-bit [`DataKey`], kept in
//!   the store's key area, apart from the events ([`KeyArea::data_key`]).
//! - On append, every personal field of a payload (the paths the event type declares,
//!   [`StoredEvent::personal_paths`]) is replaced by
//!   `{"$sealed": base64(nonce ‖ ciphertext), "kv": key_version}`: XChaCha20-Poly1305
//!   with a random 192-bit nonce. The associated data binds the stream id, the event's
//!   version, the key version and the field's path, so a ciphertext copied into another
//!   event, stream or field does not open ([`StoreError::Undecryptable`]).
//! - Hashes are computed over the sealed payload. Destroying the key changes no stored
//!   byte of any event, so the hash chain of an erased case still verifies.
//! - Reading with the key restores the clear fields; reading after the key was destroyed
//!   gives [`Redaction::Erased`](casework_core::Redaction::Erased) in their place;
//!   reading without asking for the key (projections) gives
//!   [`Redaction::Sealed`](casework_core::Redaction::Sealed).
//!
//! [`KeyArea::data_key`]: crate::KeyArea::data_key
//! [`StoredEvent::personal_paths`]: crate::StoredEvent::personal_paths

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::error::StoreError;
use crate::types::{StreamId, Version};

const NONCE_LEN: usize = 24;
const AAD_DOMAIN: &[u8] = b"casework/personal/v1";

/// A stream's data key: 32 random bytes and a version. `Debug` never prints the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey {
    version: u32,
    bytes: [u8; 32],
}

impl DataKey {
    /// A fresh random key (from the operating system's generator) at `version`.
    pub fn generate(version: u32) -> Self {
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&key);
        DataKey { version, bytes }
    }

    /// A key from its stored parts (backends and imports).
    pub fn from_parts(version: u32, bytes: [u8; 32]) -> Self {
        DataKey { version, bytes }
    }

    /// The key version (bound into every ciphertext's associated data).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The key bytes, for a backend to store in its key area.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.bytes.into())
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey(v{}, <secret>)", self.version)
    }
}

/// What a store's key area holds for a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    /// The key personal data is sealed with.
    Active(DataKey),
    /// The key was destroyed (the case was erased) at this time. The tombstone stays, so a
    /// new key is never made for an erased stream.
    Destroyed {
        /// When.
        at: DateTime<Utc>,
    },
}

impl KeyState {
    /// The binary form backends store: `A` ‖ version (u32 BE) ‖ 32 key bytes, or `D` ‖
    /// destruction time (i64 BE microseconds).
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            KeyState::Active(key) => {
                let mut out = Vec::with_capacity(37);
                out.push(b'A');
                out.extend_from_slice(&key.version.to_be_bytes());
                out.extend_from_slice(&key.bytes);
                out
            }
            KeyState::Destroyed { at } => {
                let mut out = Vec::with_capacity(9);
                out.push(b'D');
                out.extend_from_slice(&at.timestamp_micros().to_be_bytes());
                out
            }
        }
    }

    /// Parses [`KeyState::to_bytes`]; `None` for anything else.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        match bytes.split_first()? {
            (b'A', rest) if rest.len() == 36 => {
                let version = u32::from_be_bytes(rest[..4].try_into().ok()?);
                let key: [u8; 32] = rest[4..].try_into().ok()?;
                Some(KeyState::Active(DataKey::from_parts(version, key)))
            }
            (b'D', rest) if rest.len() == 8 => {
                let micros = i64::from_be_bytes(rest.try_into().ok()?);
                Some(KeyState::Destroyed {
                    at: DateTime::from_timestamp_micros(micros)?,
                })
            }
            _ => None,
        }
    }

    /// The active key, or [`StoreError::KeyDestroyed`].
    pub fn active(&self, stream: &StreamId) -> Result<&DataKey, StoreError> {
        match self {
            KeyState::Active(key) => Ok(key),
            KeyState::Destroyed { .. } => Err(StoreError::KeyDestroyed(stream.clone())),
        }
    }
}

fn aad(stream: &StreamId, version: Version, key_version: u32, field: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_DOMAIN.len() + stream.as_str().len() + field.len() + 16);
    aad.extend_from_slice(AAD_DOMAIN);
    aad.push(0);
    aad.extend_from_slice(stream.as_str().as_bytes());
    aad.push(0);
    aad.extend_from_slice(&version.to_be_bytes());
    aad.extend_from_slice(&key_version.to_be_bytes());
    aad.extend_from_slice(field.as_bytes());
    aad
}

/// Where a personal field sits, with concrete array indices (`plan/goals/0/text`).
struct Field<'v> {
    path: String,
    value: &'v mut Value,
}

/// Every value at `pattern` (segments split by `/`, `*` for every array index).
fn fields<'v>(root: &'v mut Value, pattern: &str) -> Vec<Field<'v>> {
    fn walk<'v>(value: &'v mut Value, rest: &[&str], path: String, out: &mut Vec<Field<'v>>) {
        let Some((head, tail)) = rest.split_first() else {
            out.push(Field { path, value });
            return;
        };
        let join = |segment: &str| {
            if path.is_empty() {
                segment.to_owned()
            } else {
                format!("{path}/{segment}")
            }
        };
        match value {
            Value::Array(items) if *head == "*" => {
                for (i, item) in items.iter_mut().enumerate() {
                    walk(item, tail, join(&i.to_string()), out);
                }
            }
            Value::Object(map) => {
                if let Some(child) = map.get_mut(*head) {
                    let path = join(head);
                    walk(child, tail, path, out);
                }
            }
            _ => {}
        }
    }
    let segments: Vec<&str> = pattern.split('/').collect();
    let mut out = Vec::new();
    walk(root, &segments, String::new(), &mut out);
    out
}

/// Whether the JSON tree holds a value (not absent, not `null`) at any of `patterns`:
/// whether sealing it needs a key.
pub(crate) fn has_personal_values(root: &mut Value, patterns: &[&str]) -> bool {
    patterns
        .iter()
        .any(|pattern| fields(root, pattern).iter().any(|f| !f.value.is_null()))
}

/// Seals, in place, the personal fields at `patterns` of the JSON tree of event `version`
/// of `stream`; returns whether any was sealed (absent and `null` fields are left alone).
pub(crate) fn seal_fields(
    root: &mut Value,
    patterns: &[&str],
    stream: &StreamId,
    version: Version,
    key: &DataKey,
) -> Result<bool, StoreError> {
    let cipher = key.cipher();
    let mut sealed_any = false;
    for pattern in patterns {
        for Field { path, value } in fields(root, pattern) {
            if value.is_null() {
                continue;
            }
            let clear =
                serde_json::to_vec(value).map_err(|e| StoreError::Serialization(e.to_string()))?;
            let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
            let aad = aad(stream, version, key.version, &path);
            let ciphertext = cipher
                .encrypt(
                    &nonce,
                    Payload {
                        msg: &clear,
                        aad: &aad,
                    },
                )
                .map_err(|_| StoreError::Serialization(format!("sealing {path} failed")))?;
            let mut blob = nonce.to_vec();
            blob.extend_from_slice(&ciphertext);
            let mut sealed = Map::new();
            sealed.insert("$sealed".into(), Value::String(B64.encode(&blob)));
            sealed.insert("kv".into(), Value::from(key.version));
            *value = Value::Object(sealed);
            sealed_any = true;
        }
    }
    Ok(sealed_any)
}

/// Whether a payload holds any sealed field (a cheap byte scan).
pub(crate) fn has_sealed_fields(payload: &[u8]) -> bool {
    // jump from one `$` to the next (rare in JSON) instead of comparing at every byte
    let mut at = 0;
    while let Some(i) = payload[at..].iter().position(|&b| b == b'$') {
        let dollar = at + i;
        if dollar > 0
            && payload[dollar - 1] == b'"'
            && payload[dollar + 1..].starts_with(b"sealed\"")
        {
            return true;
        }
        at = dollar + 1;
    }
    false
}

/// Opens the sealed fields at `patterns` of a JSON payload of event `version` of
/// `stream`: with an active key they are decrypted in place; with a destroyed key they
/// become `{"$personal":"erased"}`. Returns the JSON tree to decode.
pub(crate) fn open_fields(
    payload: &[u8],
    patterns: &[&str],
    stream: &StreamId,
    version: Version,
    key: Option<&KeyState>,
) -> Result<Value, StoreError> {
    let mut root: Value = serde_json::from_slice(payload).map_err(|e| StoreError::Corruption {
        stream: stream.clone(),
        version,
        detail: format!("payload is not JSON: {e}"),
    })?;
    for pattern in patterns {
        for Field { path, value } in fields(&mut root, pattern) {
            let Some(sealed) = value.get("$sealed") else {
                continue; // written in clear (before sealing existed) or absent
            };
            let undecryptable = |detail: String| StoreError::Undecryptable {
                stream: stream.clone(),
                version,
                field: path.clone(),
                detail,
            };
            let key = match key {
                None => return Err(undecryptable("the stream has no data key".into())),
                Some(KeyState::Destroyed { .. }) => {
                    *value = serde_json::json!({ "$personal": "erased" });
                    continue;
                }
                Some(KeyState::Active(key)) => key,
            };
            let key_version = value.get("kv").and_then(Value::as_u64);
            if key_version != Some(u64::from(key.version)) {
                return Err(undecryptable(format!(
                    "sealed with key version {key_version:?}, the stream's key is version {}",
                    key.version
                )));
            }
            let blob = sealed
                .as_str()
                .and_then(|s| B64.decode(s).ok())
                .filter(|b| b.len() > NONCE_LEN)
                .ok_or_else(|| {
                    undecryptable("the ciphertext is not base64 of nonce and data".into())
                })?;
            let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
            let aad = aad(stream, version, key.version, &path);
            let clear = key
                .cipher()
                .decrypt(
                    XNonce::from_slice(nonce),
                    Payload {
                        msg: ciphertext,
                        aad: &aad,
                    },
                )
                .map_err(|_| {
                    undecryptable(
                        "authentication failed: altered, or copied from another event".into(),
                    )
                })?;
            *value = serde_json::from_slice(&clear)
                .map_err(|e| undecryptable(format!("decrypted data is not JSON: {e}")))?;
        }
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream() -> StreamId {
        StreamId::new("case-1").unwrap()
    }

    #[test]
    fn sealed_fields_open_only_in_their_own_place() {
        let key = DataKey::generate(1);
        let mut tree = serde_json::json!({
            "type": "X",
            "notes": "Kanarienvogel",
            "plan": {"goals": [{"text": "a"}, {"text": "b"}]}
        });
        let patterns = ["notes", "plan/goals/*/text"];
        assert!(seal_fields(&mut tree, &patterns, &stream(), 3, &key).unwrap());
        let sealed = serde_json::to_vec(&tree).unwrap();
        let text = String::from_utf8(sealed.clone()).unwrap();
        assert!(!text.contains("Kanarienvogel"), "{text}");
        assert_eq!(text.matches("$sealed").count(), 3);

        let state = KeyState::Active(key.clone());
        let open = open_fields(&sealed, &patterns, &stream(), 3, Some(&state)).unwrap();
        assert_eq!(open["notes"], "Kanarienvogel");
        assert_eq!(open["plan"]["goals"][1]["text"], "b");

        // another version, another stream, another key: typed errors naming the field
        for (s, v, k) in [
            (stream(), 4, state.clone()),
            (StreamId::new("case-2").unwrap(), 3, state.clone()),
            (stream(), 3, KeyState::Active(DataKey::generate(1))),
        ] {
            match open_fields(&sealed, &patterns, &s, v, Some(&k)) {
                Err(StoreError::Undecryptable { field, .. }) => assert_eq!(field, "notes"),
                other => panic!("expected Undecryptable, got {other:?}"),
            }
        }
        // goal 0's ciphertext in goal 1's place fails as well
        let mut swapped: Value = serde_json::from_slice(&sealed).unwrap();
        swapped["plan"]["goals"][1] = swapped["plan"]["goals"][0].clone();
        let swapped = serde_json::to_vec(&swapped).unwrap();
        match open_fields(&swapped, &patterns, &stream(), 3, Some(&state)) {
            Err(StoreError::Undecryptable { field, .. }) => assert_eq!(field, "plan/goals/1/text"),
            other => panic!("expected Undecryptable, got {other:?}"),
        }
    }

    #[test]
    fn a_destroyed_key_reads_as_erased_and_the_state_round_trips() {
        let key = DataKey::generate(7);
        let mut tree = serde_json::json!({"notes": "x", "absent": null});
        assert!(seal_fields(&mut tree, &["notes"], &stream(), 1, &key).unwrap());
        let mut nothing = serde_json::json!({"notes": null});
        assert!(!seal_fields(&mut nothing, &["notes", "gone"], &stream(), 1, &key).unwrap());
        let sealed = serde_json::to_vec(&tree).unwrap();
        let gone = KeyState::Destroyed {
            at: DateTime::from_timestamp_micros(1_700_000_000_000_000).unwrap(),
        };
        let open = open_fields(&sealed, &["notes"], &stream(), 1, Some(&gone)).unwrap();
        assert_eq!(open["notes"], serde_json::json!({"$personal": "erased"}));
        for state in [KeyState::Active(key), gone] {
            assert_eq!(KeyState::from_bytes(&state.to_bytes()), Some(state));
        }
        assert_eq!(KeyState::from_bytes(b"A123"), None);
        assert!(format!("{:?}", DataKey::generate(1)).contains("<secret>"));
    }

    proptest::proptest! {
        /// The scan that jumps from `$` to `$` finds exactly what comparing at every byte
        /// finds, on any bytes, with the needle planted anywhere.
        #[test]
        fn the_sealed_scan_matches_the_plain_one(
            mut bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            at in 0usize..64,
            plant in proptest::prelude::any::<bool>(),
        ) {
            const NEEDLE: &[u8] = b"\"$sealed\"";
            if plant {
                let at = at.min(bytes.len());
                bytes.splice(at..at, NEEDLE.iter().copied());
            }
            let plain = bytes.windows(NEEDLE.len()).any(|w| w == NEEDLE);
            proptest::prop_assert_eq!(has_sealed_fields(&bytes), plain);
        }
    }

    #[test]
    fn sealed_fields_are_found_in_json() {
        assert!(has_sealed_fields(br#"{"a":{"$sealed":"AA","kv":1}}"#));
        assert!(!has_sealed_fields(br#"{"a":"$sealedx","b":"$x"}"#));
        assert!(!has_sealed_fields(b"$"));
        assert!(!has_sealed_fields(b"\"$sealed"));
        assert!(!has_sealed_fields(b""));
    }
}
