//! How a team writes its own invariant and checks it with the testkit, and what it sees
//! when a rule breaks. The team's rule: "a voucher is never redeemed after it was
//! returned, and the final feedback never comes before the redemption".
//!
//! 1. The rule holds over 256 generated case histories (a `proptest!` block in a real
//!    suite; here it runs from `main`).
//! 2. The same rule, added as a check to the case model test, catches a variant of the
//!    process that lets a provider redeem a returned voucher: proptest shrinks the
//!    sequence and the story of the minimal one is printed, one line per step.
//!
//! Run: `cargo run --example property_suite`

use std::collections::{BTreeMap, BTreeSet};

use casework::process::*;
use casework_testkit::model::{self, Deviation, Variant};
use casework_testkit::strategies::{self, Generator};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// The team's invariant over a history: the first violation, in words.
pub fn our_voucher_rule(events: &[CaseEvent]) -> Result<(), String> {
    let mut redeemed_at = BTreeMap::new();
    let mut returned = BTreeSet::new();
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

/// A variant of the case process with a deliberate bug: a returned voucher can be
/// redeemed again.
pub struct RedeemsReturned;

impl Deviation for RedeemsReturned {
    fn decide(
        state: &CaseState,
        cmd: &CaseCommand,
        ctx: &Context<'_>,
    ) -> Option<Result<Vec<CaseEvent>, CaseError>> {
        let (CaseState::Open(case), CaseCommand::RedeemVoucher { voucher }) = (state, cmd) else {
            return None;
        };
        let returned = case.vouchers.get(voucher)?;
        matches!(returned.status, VoucherStatus::Returned { .. }).then(|| {
            Ok(vec![CaseEvent::VoucherRedeemed {
                at: ctx.now,
                voucher: voucher.clone(),
            }])
        })
    }
}

fn main() {
    // 1. the rule over generated histories
    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategies::history(), |history| {
        prop_assert_eq!(our_voucher_rule(&history), Ok(()), "{}", history);
        Ok(())
    });
    match result {
        Ok(()) => println!("our voucher rule held over 256 generated case histories"),
        Err(e) => {
            eprintln!("our voucher rule is broken: {e}");
            std::process::exit(1);
        }
    }

    // 2. the rule as a check of the model test, against the broken variant
    let outcome = model::case_with::<Variant<RedeemsReturned>>(Generator::default())
        .check("our voucher rule", our_voucher_rule)
        .deterministic()
        .run();
    match outcome {
        Err(failure) => {
            println!("\nthe variant that redeems returned vouchers is caught:\n{failure}");
        }
        Ok(report) => {
            eprintln!("the broken variant was not caught ({report})");
            std::process::exit(1);
        }
    }
}
