//! The model test drives the case process and a store with arbitrary command sequences;
//! a deliberately broken process is caught with a shrunk counterexample.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_core::*;
use casework_testkit::model::{CaseModel, CaseReference};
use proptest::test_runner::{Config, TestError, TestRunner};
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};

prop_state_machine! {
    #![proptest_config(Config { cases: 256, failure_persistence: None, ..Config::default() })]

    #[test]
    fn the_case_process_keeps_every_invariant_under_arbitrary_commands(sequential 1..40 => CaseModel<CaseProcess>);
}

/// A test-only variant of the case process that forgets the consent rule for vouchers:
/// it issues a voucher in a registered case without consent.
struct ForgetsConsent;

impl Process for ForgetsConsent {
    type State = CaseState;
    type Command = CaseCommand;
    type Event = CaseEvent;
    type Error = CaseError;
    type Context<'c> = Context<'c>;

    fn decide(
        state: &CaseState,
        cmd: &CaseCommand,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        if let (
            CaseState::Open(case),
            CaseCommand::IssueVoucher {
                voucher,
                service,
                provider,
            },
        ) = (state, cmd)
        {
            if case.phase.consent().is_none() && !case.vouchers.contains_key(voucher) {
                return Ok(vec![CaseEvent::VoucherIssued {
                    at: ctx.now,
                    voucher: voucher.clone(),
                    service: service.clone(),
                    provider: provider.clone(),
                }]);
            }
        }
        CaseProcess::decide(state, cmd, ctx)
    }

    fn evolve(state: CaseState, event: &CaseEvent) -> CaseState {
        CaseProcess::evolve(state, event)
    }
}

#[test]
fn a_process_that_forgets_the_consent_rule_is_caught_and_shrunk() {
    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(
        &CaseReference::sequential_strategy(1..40),
        |(init, transitions, seen)| {
            CaseModel::<ForgetsConsent>::test_sequential(
                Config::default(),
                init,
                transitions,
                seen,
            );
            Ok(())
        },
    );
    match result {
        Err(TestError::Fail(reason, (_, minimal, _))) => {
            let reason = reason.to_string();
            assert!(
                reason.contains("invariant 3"),
                "the consent invariant is named: {reason}"
            );
            // the minimal story: register, then issue a voucher (perhaps with one more step)
            let commands: Vec<&str> = minimal.iter().map(|s| s.cmd.name()).collect();
            assert!(
                commands.len() <= 3,
                "shrunk to a short counterexample, got {commands:?}"
            );
            assert_eq!(commands.first(), Some(&"RegisterCase"), "{commands:?}");
            assert_eq!(commands.last(), Some(&"IssueVoucher"), "{commands:?}");
        }
        other => panic!("the broken process was not caught: {other:?}"),
    }
}
