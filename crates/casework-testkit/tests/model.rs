//! The model test drives the case process and a store with generated command sequences;
//! a deliberately broken process is caught, shrunk, and told as a story.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_process::*;
use casework_testkit::model::{self, Deviation, Variant};
use casework_testkit::strategies::Generator;

#[test]
fn the_case_process_keeps_every_invariant_under_generated_commands() {
    let report = model::case().deterministic().run().unwrap();
    assert_eq!(report.cases, 256);
    // the cases were deep, and both accepted and rejected steps were checked
    assert!(report.events > 256 * 8, "{report}");
    assert!(report.accepted * 2 > report.steps, "{report}");
    assert!(report.accepted < report.steps, "{report}");
}
/// A test-only variant of the case process that forgets the consent rule for vouchers:
/// it issues a voucher in a registered case without consent.
struct ForgetsConsent;

impl Deviation for ForgetsConsent {
    fn decide(
        state: &CaseState,
        cmd: &CaseCommand,
        ctx: &Context<'_>,
    ) -> Option<Result<Vec<CaseEvent>, CaseError>> {
        let (
            CaseState::Open(case),
            CaseCommand::IssueVoucher {
                voucher,
                service,
                provider,
            },
        ) = (state, cmd)
        else {
            return None;
        };
        (case.phase.consent().is_none() && !case.vouchers.contains_key(voucher)).then(|| {
            Ok(vec![CaseEvent::VoucherIssued {
                at: ctx.now,
                voucher: voucher.clone(),
                service: service.clone(),
                provider: provider.clone(),
            }])
        })
    }
}

#[test]
fn a_process_that_forgets_the_consent_rule_is_caught_shrunk_and_told() {
    let failure = model::case_with::<Variant<ForgetsConsent>>(Generator::default())
        .deterministic()
        .run()
        .unwrap_err();
    // the oracle runs every invariant: the consent rule (3) is named
    assert_eq!(failure.check, "invariants");
    assert!(failure.detail.starts_with("ConsentRequired"), "{failure}");
    // shrunk to the story: register, then issue a voucher
    assert_eq!(failure.story.len(), 2, "{failure}");
    assert!(failure.story[0].contains("RegisterCase"), "{failure}");
    let last = failure.story.last().unwrap();
    assert!(
        last.contains("IssueVoucher") && last.contains("→ VoucherIssued"),
        "{failure}"
    );
    // one line per step: number, date, who, command, outcome
    assert!(failure.story[0].contains("2026-01-"), "{failure}");
    assert!(
        failure.story[0].contains("referrer s.berger@sozialamt"),
        "{failure}"
    );
    // personal data stays redacted
    assert!(!failure.to_string().contains("\"X\""), "{failure}");
}
