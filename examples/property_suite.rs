//! How a team writes its own invariant as a property test, on the testkit's strategies.
//! The team's rule: "a voucher is never redeemed after it was returned, and the final
//! feedback never comes before the redemption". In a test crate this is a `proptest!`
//! block; here it runs from `main` so that `cargo run --example property_suite` shows it.
//!
//! Run: `cargo run --example property_suite`

use std::collections::BTreeMap;

use casework::core::*;
use casework_testkit::strategies;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// The team's invariant over a history: returns the first violation.
fn our_voucher_rule(events: &[CaseEvent]) -> Result<(), String> {
    let mut redeemed_at: BTreeMap<VoucherId, chrono::DateTime<chrono::Utc>> = BTreeMap::new();
    let mut returned = std::collections::BTreeSet::new();
    for e in events {
        match e {
            CaseEvent::VoucherReturned { voucher, .. } => {
                returned.insert(voucher.clone());
            }
            CaseEvent::VoucherRedeemed { voucher, at } => {
                if returned.contains(voucher) {
                    return Err(format!("{voucher} redeemed after it was returned"));
                }
                redeemed_at.insert(voucher.clone(), *at);
            }
            CaseEvent::FeedbackReceived {
                voucher,
                kind: FeedbackKind::Final,
                at,
                ..
            } => match redeemed_at.get(voucher) {
                Some(r) if r <= at => {}
                _ => {
                    return Err(format!(
                        "final feedback for {voucher} before its redemption"
                    ))
                }
            },
            _ => {}
        }
    }
    Ok(())
}

fn main() {
    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategies::history(), |events| {
        prop_assert_eq!(our_voucher_rule(&events), Ok(()));
        Ok(())
    });
    match result {
        Ok(()) => println!("our voucher rule held over 256 generated case histories"),
        Err(e) => {
            eprintln!("our voucher rule is broken: {e}");
            std::process::exit(1);
        }
    }
}
