//! The codec of the case process: [`casework_process::CaseEvent`] with every upcaster of its
//! history.

use casework_process::CaseEvent;
use casework_store::Codec;
use serde_json::Value;

/// The codec of the case process with every upcaster of its history.
pub fn case_codec() -> Codec<CaseEvent> {
    Codec::new()
        .with_upcaster("VoucherIssued", 1, voucher_issued_v1_to_v2)
        .with_upcaster("CaseRegistered", 1, case_registered_v1_to_v2)
}

/// `CaseRegistered` v1 recorded no subject: the client was no party of the case. v2
/// carries `subject` and `representative`; a v1 event reads with neither (`null`). Any
/// other field is kept as it was.
pub fn case_registered_v1_to_v2(mut v: Value) -> Result<Value, String> {
    let obj = v
        .as_object_mut()
        .ok_or_else(|| "CaseRegistered v1 is not a JSON object".to_owned())?;
    obj.entry("subject").or_insert(Value::Null);
    obj.entry("representative").or_insert(Value::Null);
    Ok(v)
}

/// `VoucherIssued` v1 (until casework 0.1 drafts) named the provider only as free text,
/// `provider_name`; v2 carries a `provider` id. The id is derived from the name the way
/// deployments registered providers (lowercase, runs of non-alphanumerics as one `-`); a
/// voucher without a name gets the provider `unassigned`.
pub fn voucher_issued_v1_to_v2(mut v: Value) -> Result<Value, String> {
    let obj = v
        .as_object_mut()
        .ok_or_else(|| "VoucherIssued v1 is not a JSON object".to_owned())?;
    let name = obj.remove("provider_name");
    let id = match name.as_ref().and_then(Value::as_str) {
        Some(name) if !name.trim().is_empty() => slug(name),
        _ => "unassigned".to_owned(),
    };
    obj.insert("provider".to_owned(), Value::String(id));
    Ok(v)
}

fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}
