//! Given / when / then for decisions of any [`Process`]:
//! `given(events).when(command, ctx).then(expected_events)` or `.then_err(error)`.
//! Failures print both sides and a line diff.

use std::fmt::Debug;

use crate::process::{fold, Process};

/// The history a scenario starts from.
pub struct Given<P: Process> {
    state: P::State,
}

/// The outcome of the command under test.
pub struct Then<P: Process> {
    outcome: Result<Vec<P::Event>, P::Error>,
}

/// Starts a scenario from a history of events.
///
/// ```
/// use casework_core::scenario::given;
/// use casework_core::{DecisionContext, Identity, Process};
///
/// /// A counter that may not pass three.
/// struct Counter;
/// #[derive(Debug, PartialEq, thiserror::Error)]
/// #[error("the counter is full")]
/// struct Full;
/// struct Ctx;
/// impl DecisionContext for Ctx {
///     fn effective_at(&self) -> chrono::DateTime<chrono::Utc> { chrono::DateTime::UNIX_EPOCH }
///     fn acting(&self) -> Identity {
///         Identity { user: "u".into(), role: "r".into(), institution: "i".into() }
///     }
/// }
/// impl Process for Counter {
///     type State = u8;
///     type Command = ();
///     type Event = u8;
///     type Error = Full;
///     type Context<'c> = Ctx;
///     fn decide(n: &u8, _: &(), _: &Ctx) -> Result<Vec<u8>, Full> {
///         if *n < 3 { Ok(vec![n + 1]) } else { Err(Full) }
///     }
///     fn evolve(_: u8, event: &u8) -> u8 { *event }
/// }
///
/// given::<Counter>([1, 2]).when(&(), &Ctx).then([3]);
/// given::<Counter>([1, 2, 3]).when(&(), &Ctx).then_err(Full);
/// ```
pub fn given<P: Process>(events: impl IntoIterator<Item = P::Event>) -> Given<P> {
    let events: Vec<P::Event> = events.into_iter().collect();
    Given {
        state: fold::<P, _>(&events),
    }
}

impl<P: Process> Given<P> {
    /// Decides `command` on the history.
    pub fn when(self, command: &P::Command, ctx: &P::Context<'_>) -> Then<P> {
        Then {
            outcome: P::decide(&self.state, command, ctx),
        }
    }

    /// The state folded from the history.
    pub fn state(&self) -> &P::State {
        &self.state
    }
}

impl<P: Process> Then<P>
where
    P::Event: Debug + PartialEq,
    P::Error: Debug + PartialEq,
{
    /// Asserts that the command was accepted with exactly these events.
    #[track_caller]
    pub fn then(self, expected: impl IntoIterator<Item = P::Event>) {
        let expected: Vec<P::Event> = expected.into_iter().collect();
        match self.outcome {
            Ok(actual) if actual == expected => {}
            Ok(actual) => panic!(
                "the command produced other events than expected:\n{}",
                diff(&format!("{expected:#?}"), &format!("{actual:#?}"))
            ),
            Err(err) => panic!("the command was rejected: {err:?}\nexpected events: {expected:#?}"),
        }
    }

    /// Asserts that the command was rejected with exactly this error.
    #[track_caller]
    pub fn then_err(self, expected: P::Error) {
        match self.outcome {
            Err(actual) if actual == expected => {}
            Err(actual) => panic!(
                "the command was rejected with another error:\n{}",
                diff(&format!("{expected:#?}"), &format!("{actual:#?}"))
            ),
            Ok(events) => {
                panic!("the command was accepted with {events:#?}\nexpected error: {expected:?}")
            }
        }
    }

    /// Asserts that the command was rejected with an error the predicate accepts.
    #[track_caller]
    pub fn then_error_matches(self, predicate: impl FnOnce(&P::Error) -> bool) {
        match self.outcome {
            Err(actual) => assert!(predicate(&actual), "unexpected error: {actual:#?}"),
            Ok(events) => panic!("the command was accepted with {events:#?}"),
        }
    }

    /// Asserts that the command was accepted and returns its events, for assertions on
    /// what follows from them.
    #[track_caller]
    pub fn accepted(self) -> Vec<P::Event> {
        match self.outcome {
            Ok(events) => events,
            Err(err) => panic!("the command was rejected: {err:?}"),
        }
    }

    /// Asserts that the command was rejected and returns the error, for assertions on its
    /// message.
    #[track_caller]
    pub fn rejected(self) -> P::Error {
        match self.outcome {
            Err(err) => err,
            Ok(events) => panic!("the command was accepted with {events:#?}"),
        }
    }

    /// The raw outcome, for custom assertions.
    pub fn outcome(self) -> Result<Vec<P::Event>, P::Error> {
        self.outcome
    }
}

/// A line diff of two pretty-printed values: `-` expected, `+` actual.
fn diff(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let mut out = String::new();
    for i in 0..e.len().max(a.len()) {
        match (e.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => out.push_str(&format!("  {x}\n")),
            (x, y) => {
                if let Some(x) = x {
                    out.push_str(&format!("- {x}\n"));
                }
                if let Some(y) = y {
                    out.push_str(&format!("+ {y}\n"));
                }
            }
        }
    }
    out
}
