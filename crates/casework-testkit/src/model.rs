//! A model-test harness for any [`Process`]: it drives the process and a store with
//! generated step sequences through the [`Repository`] and checks after every step
//!
//! - that the store accepted the write (no store error),
//! - that a rejected command appended nothing (invariant 7),
//! - that every stored event decodes,
//! - the oracle and the checks you add ([`Harness::check`]), judged from the stored
//!   events alone — independently of `decide`, so a process that breaks a rule cannot
//!   hide it,
//! - that replaying the stored events gives the state the repository returned
//!   (invariant 6),
//!
//! and after the last step that the hash chain verifies.
//!
//! A failure is shrunk by proptest, then step by step (each step whose removal keeps the
//! same check failing is dropped), and returned as a [`ModelFailure`] that names the broken check and tells the story, one line per step
//! (date, who, command, the events or the error) — through proptest's own error path, so
//! nothing panics on the way.
//!
//! [`case()`] is the instance for the case process: steps from a
//! [`Generator`], the case codec, and an oracle that runs
//! every invariant of [`invariants::check_under`]. For your own process, say what a step
//! is ([`Attempt`], or a command with an [`Acting`] party) and give a strategy:
//!
//! ```
//! use casework_core::{DecisionContext, Identity, Process};
//! use casework_testkit::model::{Acting, Harness};
//! use chrono::{DateTime, TimeZone, Utc};
//! use proptest::prelude::*;
//! # use serde::{Deserialize, Serialize};
//! # #[derive(Debug, Clone, PartialEq, Default)] struct Light(bool);
//! # #[derive(Debug, Clone)] enum Switch { On, Off }
//! # #[derive(Debug, Clone, Serialize, Deserialize)] struct Switched { on: bool, at: DateTime<Utc> }
//! # impl casework_core::StoredEvent for Switched {
//! #     fn event_type(&self) -> &'static str { "Switched" }
//! #     fn current_schema_version(t: &str) -> Option<u16> { (t == "Switched").then_some(1) }
//! #     fn effective_at(&self) -> DateTime<Utc> { self.at }
//! # }
//! # #[derive(Debug, thiserror::Error)] #[error("already so")] struct Already;
//! # struct Now(DateTime<Utc>);
//! # impl DecisionContext for Now {
//! #     fn effective_at(&self) -> DateTime<Utc> { self.0 }
//! #     fn acting(&self) -> Identity { Identity { user: "janitor".into(), role: "staff".into(), institution: "house".into() } }
//! # }
//! # struct Lamp;
//! # impl Process for Lamp {
//! #     type State = Light; type Command = Switch; type Event = Switched; type Error = Already; type Context<'c> = Now;
//! #     fn decide(s: &Light, c: &Switch, ctx: &Now) -> Result<Vec<Switched>, Already> {
//! #         let on = matches!(c, Switch::On);
//! #         if s.0 == on { Err(Already) } else { Ok(vec![Switched { on, at: ctx.0 }]) }
//! #     }
//! #     fn evolve(_: Light, e: &Switched) -> Light { Light(e.on) }
//! # }
//! /// Everyone acts at the same moment here; the party is a unit type.
//! #[derive(Debug, Clone)]
//! struct Janitor;
//! impl Acting<Lamp> for Janitor {
//!     fn context(&self) -> Now {
//!         Now(Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap())
//!     }
//! }
//!
//! let switches = prop_oneof![Just(Switch::On), Just(Switch::Off)];
//! let report = Harness::<Lamp, _>::commands(switches, Just(Janitor), 1..20)
//!     .check("switched on and off in turn", |events: &[Switched]| {
//!         match events.windows(2).position(|w| w[0].on == w[1].on) {
//!             Some(i) => Err(format!("event {} repeats event {}", i + 2, i + 1)),
//!             None => Ok(()),
//!         }
//!     })
//!     .run()
//!     .unwrap();
//! assert_eq!(report.cases, 256);
//! ```

use std::cell::Cell;
use std::fmt::{self, Debug, Display, Formatter};
use std::sync::Arc;

use casework_case::{case_codec, CaseStream};
use casework_core::*;
use casework_process::*;
use casework_store::{
    internals::read_with_key, Codec, EventStore, ManualClock, MemoryStore, Metadata, RecordedEvent,
    RepoError, Repository, StreamId,
};
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRng, TestRunner};

use crate::strategies::{CaseLike, Generator, Step, CASE_ID};

/// One step of a model test of process `P`: the command, and the context it is decided
/// in (who acts, when). `Debug` describes the step in the failure story.
pub trait Attempt<P: Process>: Clone + Debug {
    /// The command.
    fn command(&self) -> &P::Command;
    /// The context of the decision; its effective time is also the store's clock.
    fn context(&self) -> P::Context<'_>;
}

/// A party that issues commands of process `P`: with it, a `(command, party)` pair is an
/// [`Attempt`], and [`Harness::commands`] draws commands and parties independently.
pub trait Acting<P: Process>: Clone + Debug {
    /// The context in which this party's commands are decided.
    fn context(&self) -> P::Context<'_>;
}

impl<P, W> Attempt<P> for (P::Command, W)
where
    P: Process,
    P::Command: Clone + Debug,
    W: Acting<P>,
{
    fn command(&self) -> &P::Command {
        &self.0
    }

    fn context(&self) -> P::Context<'_> {
        self.1.context()
    }
}

type CheckFn<E> = Box<dyn Fn(&[E]) -> Result<(), String>>;

/// The model test of process `P` over steps `S`. Build it with [`Harness::new`] (any step
/// strategy), [`Harness::commands`] (commands and parties drawn independently) or
/// [`case()`]; add checks; [`Harness::run`] it.
pub struct Harness<P: Process, S> {
    steps: BoxedStrategy<Vec<S>>,
    codec: Box<dyn Fn() -> Codec<P::Event>>,
    stream: StreamId,
    checks: Vec<(String, CheckFn<P::Event>)>,
    cases: u32,
    shrink_iters: u32,
    deterministic: bool,
}

/// What a passing model test ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Generated sequences that passed.
    pub cases: u32,
    /// Steps run over all cases (shrinking aside).
    pub steps: u64,
    /// Steps whose command was accepted.
    pub accepted: u64,
    /// Events stored over all cases.
    pub events: u64,
}

impl Display for Report {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cases, {} steps ({} accepted), {} events: every check held",
            self.cases, self.steps, self.accepted, self.events
        )
    }
}

/// A broken check with the minimal story proptest shrank it to.
#[derive(Clone, PartialEq, Eq)]
pub struct ModelFailure {
    /// The check that broke (an oracle or user check's name, `invariant 6: replay`, …).
    pub check: String,
    /// What is wrong, in the check's words.
    pub detail: String,
    /// The minimal sequence, one line per step: number, date, who, the step, and `→`
    /// the events it recorded or `✗` why it was rejected.
    pub story: Vec<String>,
}

impl Display for ModelFailure {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} broke: {}", self.check, self.detail)?;
        writeln!(f, "minimal sequence, {} steps:", self.story.len())?;
        for line in &self.story {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}

impl Debug for ModelFailure {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f)?;
        Display::fmt(self, f)
    }
}

impl std::error::Error for ModelFailure {}

/// Counts of one case.
#[derive(Default)]
struct Tally {
    steps: u64,
    accepted: u64,
    events: u64,
}

impl<P, S> Harness<P, S>
where
    P: Process,
    P::Event: StoredEvent + 'static,
    P::State: PartialEq + Debug,
    S: Attempt<P> + 'static,
{
    /// A harness over sequences drawn by `steps`, with the plain codec (no upcasters, no
    /// sealed fields), stream `model-under-test`, no checks beyond the built-in ones, and
    /// 256 cases.
    pub fn new(steps: impl Strategy<Value = Vec<S>> + 'static) -> Self {
        Harness {
            steps: steps.boxed(),
            codec: Box::new(Codec::default),
            stream: StreamId::prefixed("model", uuid::Uuid::nil()),
            checks: Vec::new(),
            cases: 256,
            shrink_iters: 256,
            deterministic: false,
        }
    }

    /// The same harness decoding with the codecs `codec` makes (one per case).
    pub fn codec(mut self, codec: impl Fn() -> Codec<P::Event> + 'static) -> Self {
        self.codec = Box::new(codec);
        self
    }

    /// The same harness writing to stream `stream`.
    pub fn stream(mut self, stream: StreamId) -> Self {
        self.stream = stream;
        self
    }

    /// The same harness with one more check over the stored events after each step: `Ok`
    /// or what is wrong. The first failing check is reported under `name`.
    pub fn check(
        mut self,
        name: impl Into<String>,
        check: impl Fn(&[P::Event]) -> Result<(), String> + 'static,
    ) -> Self {
        self.checks.push((name.into(), Box::new(check)));
        self
    }

    /// The same harness running `cases` sequences.
    pub fn cases(mut self, cases: u32) -> Self {
        self.cases = cases;
        self
    }

    /// The same harness trying at most `iters` simplifications of a failing sequence
    /// (256 unless told: removing steps comes first and is what shortens the story;
    /// the rest simplifies the values).
    pub fn shrink_iters(mut self, iters: u32) -> Self {
        self.shrink_iters = iters;
        self
    }

    /// The same harness drawing from a fixed seed: the same sequences on every run.
    pub fn deterministic(mut self) -> Self {
        self.deterministic = true;
        self
    }

    /// Runs the cases; the first failure is shrunk and returned with its story.
    pub fn run(&self) -> Result<Report, ModelFailure> {
        let config = Config {
            cases: self.cases,
            failure_persistence: None,
            max_shrink_iters: self.shrink_iters,
            ..Config::default()
        };
        let mut runner = if self.deterministic {
            let rng = TestRng::deterministic_rng(config.rng_algorithm);
            TestRunner::new_with_rng(config, rng)
        } else {
            TestRunner::new(config)
        };
        let total = Cell::new((0u64, 0u64, 0u64));
        let result = runner.run(&self.steps, |steps| match self.play(&steps) {
            Ok(t) => {
                let (s, a, e) = total.get();
                total.set((s + t.steps, a + t.accepted, e + t.events));
                Ok(())
            }
            Err(failure) => Err(TestCaseError::fail(failure.to_string())),
        });
        match result {
            Ok(()) => {
                let (steps, accepted, events) = total.get();
                Ok(Report {
                    cases: self.cases,
                    steps,
                    accepted,
                    events,
                })
            }
            // play the minimal sequence again for the structured failure
            Err(TestError::Fail(reason, minimal)) => Err(self
                .without_needless_steps(minimal)
                .unwrap_or_else(|| ModelFailure {
                    check: "the model test".into(),
                    detail: format!(
                        "failed, then passed on replay (is a step not deterministic?): {reason}"
                    ),
                    story: Vec::new(),
                })),
            Err(TestError::Abort(reason)) => Err(ModelFailure {
                check: "the generator".into(),
                detail: format!("gave up: {reason}"),
                story: Vec::new(),
            }),
        }
    }

    /// The failure of `steps` after dropping every step whose removal keeps the same
    /// check failing, one step at a time until none can go; `None` if `steps` passes.
    ///
    /// proptest shrinks the drawn numbers, and a generator that reads them against the
    /// case's state (as [`Generator`] does) turns a shorter draw into different later
    /// steps: an extra voucher issued before the one that breaks a rule cannot be dropped
    /// there without renaming the voucher. Here the steps themselves are dropped, as they
    /// were played.
    fn without_needless_steps(&self, mut steps: Vec<S>) -> Option<ModelFailure> {
        let mut failure = self.play(&steps).err()?;
        let mut i = steps.len();
        while i > 0 {
            i -= 1;
            let mut shorter = steps.clone();
            shorter.remove(i);
            if let Err(f) = self.play(&shorter) {
                if f.check == failure.check {
                    steps = shorter;
                    failure = f;
                    // a later step may have needed the one just dropped: look again
                    i = steps.len();
                }
            }
        }
        Some(failure)
    }

    /// Runs one sequence against a fresh store.
    fn play(&self, steps: &[S]) -> Result<Tally, ModelFailure> {
        let mut tally = Tally::default();
        let Some(first) = steps.first() else {
            return Ok(tally);
        };
        let clock = Arc::new(ManualClock::new(first.context().effective_at()));
        let store = MemoryStore::with_clock(Box::new(clock.clone()));
        let repo = Repository::<P, _>::new(&store, (self.codec)());
        let mut live = P::State::default();
        let mut story = Vec::new();
        let fail = |check: &str, detail: String, story: &[String]| ModelFailure {
            check: check.into(),
            detail,
            story: story.to_vec(),
        };
        for (i, step) in steps.iter().enumerate() {
            let ctx = step.context();
            let at = ctx.effective_at();
            clock.set(at);
            let who = ctx.acting();
            let line = format!(
                "{:>3}  {}  {} {}@{}  {step:?}  ",
                i + 1,
                at.date_naive(),
                who.role,
                who.user,
                who.institution
            );
            let before = tally.events;
            tally.steps += 1;
            let rejected =
                match repo.execute(&self.stream, step.command(), &ctx, Metadata::default()) {
                    Ok(done) => {
                        let types: Vec<&str> =
                            done.events.iter().map(StoredEvent::event_type).collect();
                        story.push(format!("{line}→ {}", types.join(", ")));
                        tally.accepted += 1;
                        live = done.state;
                        false
                    }
                    Err(RepoError::Rejected(e)) => {
                        story.push(format!("{line}✗ {e}"));
                        true
                    }
                    Err(e) => {
                        story.push(format!("{line}✗ store error"));
                        return Err(fail("the store", e.to_string(), &story));
                    }
                };
            let (recorded, sealed) = self
                .recorded(&store)
                .map_err(|e| fail("the store", e, &story))?;
            if rejected && recorded.len() as u64 != before {
                return Err(fail(
                    "invariant 7: a rejected command appends nothing",
                    format!("{before} events before, {} after", recorded.len()),
                    &story,
                ));
            }
            for (name, check) in &self.checks {
                check(&recorded).map_err(|detail| fail(name, detail, &story))?;
            }
            // the live state is the sealed form (commands are decided without the key)
            let replayed = fold::<P, _>(&sealed);
            if replayed != live {
                return Err(fail(
                    "invariant 6: replay equals the live state",
                    format!("replayed {replayed:?}\n   live {live:?}"),
                    &story,
                ));
            }
            tally.events = recorded.len() as u64;
        }
        // the chain covers every event, so once at the end suffices
        let broken = store
            .verify_all()
            .map_err(|e| fail("the store", e.to_string(), &story))?;
        if !broken.is_empty() {
            return Err(fail("the hash chain", format!("{broken:?}"), &story));
        }
        Ok(tally)
    }

    /// The stream's events, decoded twice: with sealed fields opened with the stream's
    /// key (what checks read), and as stored, sealed (what the live state is folded from).
    #[allow(clippy::type_complexity)]
    fn recorded(&self, store: &MemoryStore) -> Result<(Vec<P::Event>, Vec<P::Event>), String> {
        let (records, key) = read_with_key(store, &self.stream).map_err(|e| e.to_string())?;
        let codec = (self.codec)();
        let failed = |r: &RecordedEvent, e| {
            format!("event {} of the stream does not decode: {e}", r.version)
        };
        let opened = records
            .iter()
            .map(|r| {
                codec
                    .decode_opened(r, key.as_ref())
                    .map_err(|e| failed(r, e))
            })
            .collect::<Result<_, _>>()?;
        let sealed = records
            .iter()
            .map(|r| codec.decode(r).map_err(|e| failed(r, e)))
            .collect::<Result<_, _>>()?;
        Ok((opened, sealed))
    }
}

impl<P, W> Harness<P, (P::Command, W)>
where
    P: Process,
    P::Event: StoredEvent + 'static,
    P::State: PartialEq + Debug,
    P::Command: Clone + Debug + 'static,
    W: Acting<P> + 'static,
{
    /// A harness over sequences of `depth` steps, each a command from `commands` issued by
    /// a party from `parties`.
    pub fn commands(
        commands: impl Strategy<Value = P::Command> + 'static,
        parties: impl Strategy<Value = W> + 'static,
        depth: std::ops::Range<usize>,
    ) -> Self {
        Harness::new(prop::collection::vec((commands, parties), depth))
    }
}

/// A step of the case model: a generated [`Step`] at its time, under the generator's
/// policy.
#[derive(Clone)]
pub struct CaseAttempt {
    /// The step.
    pub step: Step,
    /// Its effective time.
    pub at: DateTime<Utc>,
    /// The policy it is decided under.
    pub policy: Arc<Policy>,
}

impl Debug for CaseAttempt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        Display::fmt(&self.step.cmd, f)
    }
}

impl<P> Attempt<P> for CaseAttempt
where
    P: for<'c> Process<Command = CaseCommand, Context<'c> = Context<'c>>,
{
    fn command(&self) -> &CaseCommand {
        &self.step.cmd
    }

    fn context(&self) -> Context<'_> {
        Context::new(self.at, &self.step.actor, &self.policy)
    }
}

/// Where a variant of the case process decides differently: a deliberate bug for a
/// mutation test (does the suite catch it?) or a rule a deployment changes. Use it as
/// [`Variant<D>`], a process that asks `D` first and leaves every other decision, and every
/// `evolve`, to [`CaseProcess`].
///
/// ```
/// use casework_core::*;
/// use casework_process::*;
/// use casework_testkit::model::{self, Deviation, Variant};
/// use casework_testkit::strategies::Generator;
///
/// /// Forgets that vouchers need consent.
/// struct ForgetsConsent;
/// impl Deviation for ForgetsConsent {
///     fn decide(state: &CaseState, cmd: &CaseCommand, ctx: &Context<'_>) -> Option<Result<Vec<CaseEvent>, CaseError>> {
///         let (CaseState::Open(case), CaseCommand::IssueVoucher { voucher, service, provider }) = (state, cmd) else {
///             return None;
///         };
///         (case.phase.consent().is_none() && !case.vouchers.contains_key(voucher)).then(|| {
///             Ok(vec![CaseEvent::VoucherIssued {
///                 at: ctx.now,
///                 voucher: voucher.clone(),
///                 service: service.clone(),
///                 provider: provider.clone(),
///             }])
///         })
///     }
/// }
///
/// let failure = model::case_with::<Variant<ForgetsConsent>>(Generator::default())
///     .cases(64)
///     .deterministic()
///     .run()
///     .unwrap_err();
/// assert_eq!(failure.check, "invariants");
/// ```
pub trait Deviation {
    /// The variant's decision on `cmd` in `state`, or `None` where it decides as
    /// [`CaseProcess`] does.
    fn decide(
        state: &CaseState,
        cmd: &CaseCommand,
        ctx: &Context<'_>,
    ) -> Option<Result<Vec<CaseEvent>, CaseError>>;
}

/// The case process with the deviations of `D` (see [`Deviation`]).
pub struct Variant<D>(std::marker::PhantomData<D>);

impl<D: Deviation> Process for Variant<D> {
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
        D::decide(state, cmd, ctx).unwrap_or_else(|| CaseProcess::decide(state, cmd, ctx))
    }

    fn evolve(state: CaseState, event: &CaseEvent) -> CaseState {
        CaseProcess::evolve(state, event)
    }
}

/// The model test of the case process with the default [`Generator`].
pub fn case() -> Harness<CaseProcess, CaseAttempt> {
    case_with::<CaseProcess>(Generator::default())
}

/// The model test of process `P` (the case process or a variant of it) over the steps of
/// `generator` (whose policy the commands are decided under), in the stream of the
/// generator's case id (or [`CASE_ID`]), with the case codec and the oracle
/// `invariants`: every invariant of [`invariants::check_under`].
pub fn case_with<P>(generator: Generator) -> Harness<P, CaseAttempt>
where
    P: CaseLike,
{
    let policy = Arc::new(generator.policy.clone());
    let start = generator.start;
    let stream = StreamId::for_case(generator.case_id.unwrap_or(CASE_ID));
    let attempts = Arc::clone(&policy);
    let steps = generator.steps().prop_map(move |steps| {
        let mut at = start;
        steps
            .steps
            .into_iter()
            .map(|step| {
                at += chrono::Duration::days(step.days);
                CaseAttempt {
                    step,
                    at,
                    policy: Arc::clone(&attempts),
                }
            })
            .collect::<Vec<_>>()
    });
    Harness::new(steps).codec(case_codec).stream(stream).check(
        "invariants",
        move |events: &[CaseEvent]| match invariants::check_under(events, &policy).first() {
            Some(v) => Err(format!(
                "{:?} at version {}: {}",
                v.invariant, v.version, v.detail
            )),
            None => Ok(()),
        },
    )
}
