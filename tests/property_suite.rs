//! `examples/property_suite.rs` does what it says: its broken variant is caught by its own
//! rule, and the story is shrunk to the steps the failure needs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../examples/property_suite.rs"]
mod example;

use casework_testkit::model::{self, Variant};
use casework_testkit::strategies::Generator;

#[test]
fn the_example_rule_catches_its_variant_and_the_story_keeps_only_needed_steps() {
    let failure = model::case_with::<Variant<example::RedeemsReturned>>(Generator::default())
        .check("our voucher rule", example::our_voucher_rule)
        .deterministic()
        .run()
        .unwrap_err();
    assert_eq!(failure.check, "our voucher rule");
    // proptest's shrinking renames vouchers when it drops a draw (the generator reads
    // the draws against the state), so other vouchers' steps survive it; the harness
    // then drops steps as played: register, consent, issue, return, redeem remain
    let kinds: Vec<&str> = failure
        .story
        .iter()
        .map(|line| {
            let mut fields = line.split("  ").map(str::trim).filter(|f| !f.is_empty());
            let command = fields.nth(3).unwrap_or("");
            command.split(' ').next().unwrap_or("")
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "RegisterCase",
            "SignConsent",
            "IssueVoucher",
            "ReturnVoucher",
            "RedeemVoucher"
        ],
        "{failure}"
    );
}
