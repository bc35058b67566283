//! A model-test harness on `proptest-state-machine`: it drives a process and a store with
//! arbitrary command sequences through the repository and checks, after every step, an
//! oracle that knows the invariants from the events alone — independent of the process
//! under test, so a process that breaks a rule is caught and shrunk to a minimal story.

use casework_case::CaseStream;
use std::marker::PhantomData;

use casework_case::case_codec;
use casework_core::*;
use casework_store::{
    EventStore, KeyArea, ManualClock, MemoryStore, Metadata, RepoError, Repository, StreamId,
};
use chrono::Duration;
use proptest::prelude::*;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};
use uuid::Uuid;

use crate::strategies::{self, Step};

/// The reference: the commands issued so far (the oracle reads the store's events).
#[derive(Debug, Clone, Default)]
pub struct Commands {
    /// Steps applied, in order.
    pub steps: usize,
}

/// The reference state machine: any command, any time.
pub struct CaseReference;

impl ReferenceStateMachine for CaseReference {
    type State = Commands;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<Commands> {
        Just(Commands::default()).boxed()
    }

    fn transitions(state: &Commands) -> BoxedStrategy<Step> {
        // early on, mostly the next step of the happy path, so that runs get deep
        let arbitrary = (strategies::command(), any::<u8>(), any::<u8>(), 0..20i64).prop_map(
            |(cmd, role_pick, institution_pick, days)| Step {
                cmd,
                role_pick,
                institution_pick,
                days,
            },
        );
        if state.steps < 4 {
            let happy = happy_step(state.steps);
            prop_oneof![3 => Just(happy), 1 => arbitrary].boxed()
        } else {
            arbitrary.boxed()
        }
    }

    fn apply(mut state: Commands, _: &Step) -> Commands {
        state.steps += 1;
        state
    }
}

fn happy_step(n: usize) -> Step {
    let [register, consent, team, assess] = strategies::happy_path();
    let cmd = match n {
        0 => register,
        1 => consent,
        2 => team,
        _ => assess,
    };
    Step {
        cmd,
        role_pick: 0,
        institution_pick: 0,
        days: 1,
    }
}

fn case_id() -> CaseId {
    CaseId(Uuid::from_u128(7))
}

/// The system under test: a store, the live state the repository returned, the clock.
pub struct System {
    /// The store.
    pub store: MemoryStore,
    /// The store's clock, set to each step's time (a store refuses later effective times).
    pub clock: std::sync::Arc<ManualClock>,
    /// The state after the last accepted command, as the repository returned it.
    pub live: CaseState,
    /// The effective time of the next command.
    pub now: chrono::DateTime<chrono::Utc>,
    /// Events stored before the last command.
    pub before: usize,
    /// Whether the last command was rejected.
    pub last_rejected: bool,
}

/// The model test of process `P` (the case process, or a variant of it).
pub struct CaseModel<P>(PhantomData<P>);

fn stream() -> StreamId {
    StreamId::for_case(case_id())
}

impl<P> StateMachineTest for CaseModel<P>
where
    P: for<'c> Process<
        State = CaseState,
        Command = CaseCommand,
        Event = CaseEvent,
        Context<'c> = Context<'c>,
    >,
{
    type SystemUnderTest = System;
    type Reference = CaseReference;

    fn init_test(_: &Commands) -> System {
        let clock = std::sync::Arc::new(ManualClock::new(strategies::start()));
        System {
            store: MemoryStore::with_clock(Box::new(clock.clone())),
            clock,
            live: CaseState::default(),
            now: strategies::start(),
            before: 0,
            last_rejected: false,
        }
    }

    fn apply(mut sys: System, _: &Commands, step: Step) -> System {
        sys.now += Duration::days(step.days);
        let policy = Policy::default();
        let actor = step.actor();
        let ctx = Context::new(sys.now, &actor, &policy);
        sys.clock.set(sys.now);
        sys.before = sys
            .store
            .read_stream_all(&stream())
            .map(|e| e.len())
            .unwrap_or(0);
        let repo = Repository::<P, _>::new(&sys.store, case_codec());
        match repo.execute(&stream(), &step.cmd, &ctx, Metadata::default()) {
            Ok(done) => {
                sys.live = done.state;
                sys.last_rejected = false;
            }
            Err(RepoError::Rejected(_)) => sys.last_rejected = true,
            Err(e) => panic!("the store failed: {e}"),
        }
        sys
    }

    fn check_invariants(sys: &System, _: &Commands) {
        let recorded = sys.store.read_stream_all(&stream()).unwrap_or_default();
        let key = sys.store.data_key(&stream()).unwrap_or_default();
        let events: Vec<CaseEvent> = recorded
            .iter()
            .filter_map(|r| case_codec().decode_opened(r, key.as_ref()).ok())
            .collect();
        assert_eq!(events.len(), recorded.len(), "every stored event decodes");
        if sys.last_rejected {
            assert_eq!(
                recorded.len(),
                sys.before,
                "invariant 7: a rejected command appended events"
            );
        }
        if let Err(broken) = oracle(&events) {
            panic!("{broken}");
        }
        assert_eq!(
            fold::<CaseProcess, _>(&events),
            sys.live,
            "invariant 6: replay differs from the live state"
        );
        assert!(
            sys.store
                .verify_all()
                .map(|b| b.is_empty())
                .unwrap_or(false),
            "the hash chain verifies"
        );
    }
}

/// The invariants of a case history, judged from the events alone (independently of any
/// `decide`): the first broken one, in words.
pub fn oracle(events: &[CaseEvent]) -> Result<(), String> {
    let (mut signed, mut revoked, mut closed_at) = (false, false, None);
    let mut issued = std::collections::BTreeSet::new();
    let mut returned = std::collections::BTreeSet::new();
    let mut finals = std::collections::BTreeSet::new();
    for (i, e) in events.iter().enumerate() {
        let v = i + 1;
        if (i == 0) != matches!(e, CaseEvent::CaseRegistered { .. }) {
            return Err(format!("invariant 1: {} at version {v}", e.event_type()));
        }
        if let Some(c) = closed_at {
            if !matches!(e, CaseEvent::CaseErased { .. }) || v > c + 1 {
                return Err(format!(
                    "invariant 2: {} after CaseClosed (version {v})",
                    e.event_type()
                ));
            }
        }
        match e {
            CaseEvent::ConsentSigned { .. } => signed = true,
            CaseEvent::ConsentRevoked { .. } => {
                revoked = true;
                if !matches!(
                    events.get(i + 1),
                    Some(CaseEvent::CaseClosed {
                        reason: ClosureReason::ConsentRevoked,
                        ..
                    })
                ) {
                    return Err(format!(
                        "invariant 3: revocation at version {v} does not close the case"
                    ));
                }
            }
            CaseEvent::CaseClosed { .. } => closed_at = Some(v),
            other if !other.needs_consent() => {}
            other => {
                if !signed || revoked {
                    return Err(format!(
                        "invariant 3: {} at version {v} without active consent",
                        other.event_type()
                    ));
                }
            }
        }
        match e {
            CaseEvent::VoucherIssued { voucher, .. } => {
                issued.insert(voucher.clone());
            }
            CaseEvent::VoucherReturned { voucher, .. } => {
                returned.insert(voucher.clone());
            }
            CaseEvent::FeedbackReceived { voucher, kind, .. } => {
                if !issued.contains(voucher) || returned.contains(voucher) {
                    return Err(format!(
                        "invariant 4: feedback for voucher {voucher} at version {v}"
                    ));
                }
                if *kind == FeedbackKind::Final && !finals.insert(voucher.clone()) {
                    return Err(format!(
                        "invariant 4: second final feedback for {voucher} at version {v}"
                    ));
                }
            }
            CaseEvent::PlanAgreed { plan, at } | CaseEvent::PlanRevised { plan, at } => {
                if let Some(m) = plan.measures.iter().find(|m| {
                    m.responsible.as_str().trim().is_empty() || m.deadline < at.date_naive()
                }) {
                    return Err(format!("invariant 5: measure {} at version {v}", m.id));
                }
            }
            _ => {}
        }
    }
    Ok(())
}
