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
/// ```
pub trait CaseStream {
    /// The stream of `case`: `case-<uuid>`, the UUID in its hyphenated lower-case form.
    fn for_case(case: CaseId) -> Self;
    /// The case whose own stream this is: the inverse of [`CaseStream::for_case`]. `None`
    /// for any other stream, including another spelling of a case's UUID (upper case,
    /// braces, no hyphens), which `for_case` never writes.
    fn case_id(&self) -> Option<CaseId>;
}

impl CaseStream for StreamId {
    fn for_case(case: CaseId) -> Self {
        StreamId::prefixed(CASE_STREAM_PREFIX, case.0)
    }

    fn case_id(&self) -> Option<CaseId> {
        self.uuid_after(CASE_STREAM_PREFIX).map(CaseId)
    }
}
