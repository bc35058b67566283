//! Which stream holds a case: `case-<uuid>`.

use casework_process::CaseId;
use casework_store::StreamId;

/// The prefix of every case stream.
pub const CASE_STREAM_PREFIX: &str = "case-";

/// The stream of a case and the case of a stream, as methods of [`StreamId`]
/// (`use casework_case::CaseStream;`, or the facade's prelude).
///
/// ```
/// use casework_case::CaseStream;
/// use casework_process::CaseId;
/// use casework_store::StreamId;
///
/// let case = CaseId(uuid::Uuid::from_u128(7));
/// let stream = StreamId::for_case(case);
/// assert_eq!(stream.as_str(), "case-00000000-0000-0000-0000-000000000007");
/// assert_eq!(stream.case_id(), Some(case));
/// assert!(stream.is_case_stream());
/// assert!(!StreamId::new("access-1").unwrap().is_case_stream());
/// ```
pub trait CaseStream {
    /// The stream of `case`: `case-<uuid>`, the UUID in its hyphenated lower-case form.
    fn for_case(case: CaseId) -> Self;
    /// The case whose own stream this is: the inverse of [`CaseStream::for_case`]. `None`
    /// for any other stream, including another spelling of a case's UUID (upper case,
    /// braces, no hyphens), which `for_case` never writes.
    fn case_id(&self) -> Option<CaseId>;
    /// Whether this stream is in the case category: named [`CASE_STREAM_PREFIX`]`…`,
    /// whether or not the rest is a case's UUID. Case streams hold case events; the
    /// reports and the store checker read these and pass over every other stream.
    fn is_case_stream(&self) -> bool;
    /// The name without [`CASE_STREAM_PREFIX`] (`case-<uuid>` → `<uuid>`), or the whole
    /// name of a stream that is not a case stream.
    fn case_key(&self) -> &str;
}

impl CaseStream for StreamId {
    fn for_case(case: CaseId) -> Self {
        StreamId::prefixed(CASE_STREAM_PREFIX, case.0)
    }

    fn case_id(&self) -> Option<CaseId> {
        self.uuid_after(CASE_STREAM_PREFIX).map(CaseId)
    }

    fn is_case_stream(&self) -> bool {
        self.as_str().starts_with(CASE_STREAM_PREFIX)
    }

    fn case_key(&self) -> &str {
        let name = self.as_str();
        name.strip_prefix(CASE_STREAM_PREFIX).unwrap_or(name)
    }
}

/// A case id as a person writes it: the UUID in its hyphenated form (`0194a1b2-…`, digits
/// in either case), or its stream's name (`case-0194a1b2-…`, as `casework verify` and
/// `history` print it). `None` for anything else, including the UUID written without
/// hyphens or in braces.
///
/// ```
/// use casework_case::parse_case_id;
/// let id = parse_case_id("0194a1b2-0000-7000-8000-000000000007").unwrap();
/// assert_eq!(parse_case_id("case-0194a1b2-0000-7000-8000-000000000007"), Some(id));
/// assert_eq!(parse_case_id("case-0194A1B2-0000-7000-8000-000000000007"), Some(id));
/// assert_eq!(parse_case_id("0194a1b2000070008000000000000007"), None);
/// assert_eq!(parse_case_id("case-7"), None);
/// ```
pub fn parse_case_id(text: &str) -> Option<CaseId> {
    let uuid = text.strip_prefix(CASE_STREAM_PREFIX).unwrap_or(text);
    let canonical = uuid.len() == 36
        && uuid
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' | b'-'));
    canonical
        .then(|| uuid::Uuid::parse_str(uuid).ok())
        .flatten()
        .map(CaseId)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn case_streams_and_their_keys() {
        let case = CaseId(uuid::Uuid::from_u128(0x0194_a1b2));
        let own = StreamId::for_case(case);
        assert!(own.is_case_stream());
        assert_eq!(own.case_key(), case.0.to_string());
        assert_eq!(parse_case_id(own.as_str()), Some(case));
        assert_eq!(parse_case_id(own.case_key()), Some(case));
        // a case stream named otherwise: in the category, but no case id of its own
        let legacy = StreamId::new("case-legacy-1").unwrap();
        assert!(legacy.is_case_stream());
        assert_eq!(legacy.case_id(), None);
        assert_eq!(legacy.case_key(), "legacy-1");
        let other = StreamId::new("access-1").unwrap();
        assert!(!other.is_case_stream());
        assert_eq!(other.case_key(), "access-1");
        assert!(!StreamId::new("Case-1").unwrap().is_case_stream());
    }

    #[test]
    fn case_ids_as_people_write_them() {
        let text = "0194a1b2-0000-7000-8000-000000000007";
        let id = CaseId(uuid::Uuid::parse_str(text).unwrap());
        for ok in [
            text,
            "case-0194a1b2-0000-7000-8000-000000000007",
            "0194A1B2-0000-7000-8000-000000000007",
        ] {
            assert_eq!(parse_case_id(ok), Some(id), "{ok}");
        }
        for bad in [
            "",
            "case-",
            "7",
            "0194a1b2000070008000000000000007",
            "{0194a1b2-0000-7000-8000-000000000007}",
            "urn:uuid:0194a1b2-0000-7000-8000-000000000007",
            "access-0194a1b2-0000-7000-8000-000000000007",
            "0194a1b2-0000-7000-8000-00000000000g",
            "0194a1b2-0000-7000-8000-0000-0000000",
        ] {
            assert_eq!(parse_case_id(bad), None, "{bad}");
        }
    }
}
