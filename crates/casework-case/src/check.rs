//! The store checker behind `casework verify`: hash chains, the global log, decoding, and
//! the case invariants of every case stream, sealed personal data and erasures. Used by
//! the CLI and by auditors (and re-exported by the testkit).

use casework_process::{invariants, CaseEvent};

use crate::codec::case_codec;
use crate::privacy::{erasure_status, ErasureStatus};
use crate::CaseStream;
use casework_store::Store;
use casework_store::StoreError;
use casework_store::{StreamId, Version};

/// One problem found in a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The stream (`$all` for the global log).
    pub stream: StreamId,
    /// The version (or position for `$all`).
    pub version: Version,
    /// What is wrong.
    pub detail: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} version {}: {}",
            self.stream, self.version, self.detail
        )
    }
}

/// What a check covered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// Streams listed.
    pub streams: usize,
    /// Case events decoded and checked.
    pub case_events: u64,
    /// Case streams erased (erasure recorded and data key destroyed): their personal data
    /// is gone by design, their process facts and chains still verify.
    pub erased: usize,
    /// The problems (empty: everything verified).
    pub findings: Vec<Finding>,
}

/// Checks a whole store: every hash chain and the global log (`verify_all`), then every
/// case stream (`case-…`) decoded and checked against the case invariants, its sealed
/// personal data opened with its key, and its erasure (if any) complete.
pub fn check_store(store: &(impl Store + ?Sized)) -> Result<Checked, StoreError> {
    check_store_with_progress(store, &mut |_, _| {})
}

/// [`check_store`], calling `progress(done, total)` as it goes through the streams (for a
/// progress bar).
pub fn check_store_with_progress(
    store: &(impl Store + ?Sized),
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Checked, StoreError> {
    let mut checked = Checked::default();
    for b in store.verify_all()? {
        checked.findings.push(Finding {
            stream: b.stream,
            version: b.version,
            detail: format!("hash chain: {}", b.detail),
        });
    }
    let streams = store.list_streams()?;
    checked.streams = streams.len();
    let codec = case_codec();
    let total = streams.len() as u64;
    for (done, stream) in streams.iter().enumerate() {
        if done % 64 == 0 {
            progress(done as u64, total);
        }
        if !stream.is_case_stream() {
            continue;
        }
        let recorded = match store.read_stream_all(stream) {
            Ok(r) => r,
            Err(StoreError::Corruption {
                stream,
                version,
                detail,
            }) => {
                checked.findings.push(Finding {
                    stream,
                    version,
                    detail,
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        let finding = |version: Version, detail: String| Finding {
            stream: stream.clone(),
            version,
            detail,
        };
        // one pass: decode with the key, so sealed personal data is checked to open; an
        // event whose personal data does not open still counts for the invariants
        let key = store.data_key(stream)?;
        let mut events: Vec<CaseEvent> = Vec::with_capacity(recorded.len());
        let mut failed = false;
        for r in &recorded {
            let decoded = match codec.decode_opened(r, key.as_ref()) {
                Err(StoreError::Undecryptable {
                    version,
                    field,
                    detail,
                    ..
                }) => {
                    failed = true;
                    checked.findings.push(finding(
                        version,
                        format!("personal data field {field}: {detail}"),
                    ));
                    codec.decode(r)
                }
                other => other,
            };
            match decoded {
                Ok(e) => events.push(e),
                Err(e) => {
                    failed = true;
                    checked.findings.push(finding(r.version, e.to_string()));
                }
            }
        }
        checked.case_events += events.len() as u64;
        // the erasure status of a stream that did not decode whole is left unjudged
        if !failed {
            match erasure_status(&events, key.as_ref()) {
                ErasureStatus::Live => {}
                ErasureStatus::Erased => checked.erased += 1,
                ErasureStatus::KeyNotDestroyed => checked.findings.push(finding(
                    0,
                    "erasure recorded but the data key still exists: run the erasure again".into(),
                )),
                ErasureStatus::KeyDestroyedWithoutErasure => checked.findings.push(finding(
                    0,
                    "the data key was destroyed but no erasure is recorded".into(),
                )),
            }
        }
        for v in invariants::check(&events) {
            checked.findings.push(Finding {
                stream: stream.clone(),
                version: v.version,
                detail: format!("invariant {:?} broken: {}", v.invariant, v.detail),
            });
        }
    }
    Ok(checked)
}
