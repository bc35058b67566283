//! A different process on the same engine and store: a complaint workflow (filed →
//! acknowledged → resolved or rejected), with its own commands, events, rules and errors.
//!
//! At the end the process is model-tested with `casework-testkit`'s harness: 256
//! generated command sequences against a store, with the process's own rule as the check.
//!
//! Run: `cargo run --example custom_process`

use casework::core::scenario::given;
use casework::core::{DecisionContext, Identity, Process};
use casework::store::{
    Codec, EventStore, MemoryStore, Metadata, Repository, StoredEvent, StreamId,
};
use casework_testkit::model::{Acting, Harness};
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum Complaint {
    #[default]
    None,
    Filed {
        by: String,
        at: DateTime<Utc>,
    },
    Acknowledged {
        by: String,
        due: DateTime<Utc>,
    },
    Closed {
        upheld: bool,
    },
}

#[derive(Debug, Clone)]
enum Command {
    File { about: String },
    Acknowledge,
    Resolve { upheld: bool },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
enum Event {
    #[serde(rename = "ComplaintFiled")]
    Filed {
        at: DateTime<Utc>,
        by: String,
        about: String,
    },
    #[serde(rename = "ComplaintAcknowledged")]
    Acknowledged {
        at: DateTime<Utc>,
        due: DateTime<Utc>,
    },
    #[serde(rename = "ComplaintResolved")]
    Resolved { at: DateTime<Utc>, upheld: bool },
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
enum ComplaintError {
    #[error("a complaint was already filed")]
    AlreadyFiled,
    #[error("no open complaint")]
    NotOpen,
    #[error("acknowledge the complaint before resolving it")]
    NotAcknowledged,
    #[error("only the complaints office may do this")]
    NotOffice,
}

struct ComplaintProcess;

/// Who may act on a complaint: the office's own roles, not the case process's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Desk {
    /// Whoever files a complaint.
    Complainant,
    /// A complaints officer.
    Officer,
}

/// What a decision of the complaints process depends on: when, and who at which desk. No
/// case policy, no case roles.
struct Office<'a> {
    now: DateTime<Utc>,
    user: &'a str,
    desk: Desk,
}

impl DecisionContext for Office<'_> {
    fn effective_at(&self) -> DateTime<Utc> {
        self.now
    }

    fn acting(&self) -> Identity {
        let (role, institution) = match self.desk {
            Desk::Complainant => ("complainant", "public"),
            Desk::Officer => ("officer", "complaints-office"),
        };
        Identity {
            user: self.user.to_owned(),
            role: role.to_owned(),
            institution: institution.to_owned(),
        }
    }
}

impl Process for ComplaintProcess {
    type State = Complaint;
    type Command = Command;
    type Event = Event;
    type Error = ComplaintError;
    type Context<'c> = Office<'c>;

    fn decide(
        state: &Complaint,
        cmd: &Command,
        ctx: &Office<'_>,
    ) -> Result<Vec<Event>, ComplaintError> {
        let office = ctx.desk == Desk::Officer;
        match (state, cmd) {
            (Complaint::None, Command::File { about }) => Ok(vec![Event::Filed {
                at: ctx.now,
                by: ctx.user.to_owned(),
                about: about.clone(),
            }]),
            (_, Command::File { .. }) => Err(ComplaintError::AlreadyFiled),
            (_, _) if !office => Err(ComplaintError::NotOffice),
            (Complaint::Filed { .. }, Command::Acknowledge) => Ok(vec![Event::Acknowledged {
                at: ctx.now,
                due: ctx.now + Duration::days(30),
            }]),
            (Complaint::Filed { .. }, Command::Resolve { .. }) => {
                Err(ComplaintError::NotAcknowledged)
            }
            (Complaint::Acknowledged { .. }, Command::Resolve { upheld }) => {
                Ok(vec![Event::Resolved {
                    at: ctx.now,
                    upheld: *upheld,
                }])
            }
            _ => Err(ComplaintError::NotOpen),
        }
    }

    fn evolve(state: Complaint, event: &Event) -> Complaint {
        match (state, event) {
            (Complaint::None, Event::Filed { by, at, .. }) => Complaint::Filed {
                by: by.clone(),
                at: *at,
            },
            (Complaint::Filed { by, .. }, Event::Acknowledged { due, .. }) => {
                Complaint::Acknowledged { by, due: *due }
            }
            (_, Event::Resolved { upheld, .. }) => Complaint::Closed { upheld: *upheld },
            (state, _) => state,
        }
    }
}

impl StoredEvent for Event {
    fn event_type(&self) -> &'static str {
        match self {
            Event::Filed { .. } => "ComplaintFiled",
            Event::Acknowledged { .. } => "ComplaintAcknowledged",
            Event::Resolved { .. } => "ComplaintResolved",
        }
    }
    fn current_schema_version(event_type: &str) -> Option<u16> {
        [
            "ComplaintFiled",
            "ComplaintAcknowledged",
            "ComplaintResolved",
        ]
        .contains(&event_type)
        .then_some(1)
    }
    fn effective_at(&self) -> DateTime<Utc> {
        match self {
            Event::Filed { at, .. }
            | Event::Acknowledged { at, .. }
            | Event::Resolved { at, .. } => *at,
        }
    }
}

/// The time of the model test's decisions.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 10, 0, 0)
        .single()
        .unwrap_or_default()
}

// ---- the model test (1/2): who decides in which context
impl Acting<ComplaintProcess> for Desk {
    fn context(&self) -> Office<'_> {
        let (now, user, desk) = (t0(), "b.kraus", *self);
        Office { now, user, desk }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = |now| Office {
        now,
        user: "client-4711",
        desk: Desk::Complainant,
    };
    let office = |now| Office {
        now,
        user: "b.kraus",
        desk: Desk::Officer,
    };
    let t0 = Utc
        .with_ymd_and_hms(2026, 5, 4, 10, 0, 0)
        .single()
        .ok_or("time")?;

    // the rules, as given/when/then
    given::<ComplaintProcess>([Event::Filed {
        at: t0,
        by: "client-4711".into(),
        about: "late appointment".into(),
    }])
    .when(&Command::Resolve { upheld: true }, &office(t0))
    .then_err(ComplaintError::NotAcknowledged);

    // on the same store and repository as cases
    let store = MemoryStore::new();
    let repo = Repository::<ComplaintProcess, _>::new(&store, Codec::new());
    let stream = StreamId::new("complaint-2026-0017")?;
    repo.execute(
        &stream,
        &Command::File {
            about: "appointment three weeks late".into(),
        },
        &client(t0),
        Metadata::default(),
    )?;
    let refused = repo.execute(
        &stream,
        &Command::Acknowledge,
        &client(t0),
        Metadata::default(),
    );
    println!(
        "client acknowledges own complaint: {}",
        refused.err().map_or("accepted?".into(), |e| e.to_string())
    );
    repo.execute(
        &stream,
        &Command::Acknowledge,
        &office(t0 + Duration::days(2)),
        Metadata::default(),
    )?;
    let done = repo.execute(
        &stream,
        &Command::Resolve { upheld: true },
        &office(t0 + Duration::days(12)),
        Metadata::default(),
    )?;
    println!("state: {:?}", done.state);
    for r in store.read_stream_all(&stream)? {
        println!(
            "  v{} {} by {}",
            r.version,
            r.event_type,
            r.metadata.actor.as_deref().unwrap_or("-")
        );
    }
    println!("chains verify: {}", store.verify_all()?.is_empty());

    // ---- the model test (2/2): commands, parties, the process's own rule as the check
    let commands = prop_oneof![
        Just("late").prop_map(|a| Command::File { about: a.into() }),
        Just(Command::Acknowledge),
        any::<bool>().prop_map(|upheld| Command::Resolve { upheld }),
    ];
    let desks = prop_oneof![Just(Desk::Complainant), Just(Desk::Officer)];
    let report = Harness::<ComplaintProcess, _>::commands(commands, desks, 1..12)
        .check("filed, acknowledged, resolved", |events: &[Event]| {
            let t: Vec<&str> = events.iter().map(StoredEvent::event_type).collect();
            let ok =
                "ComplaintFiled ComplaintAcknowledged ComplaintResolved".starts_with(&t.join(" "));
            ok.then_some(()).ok_or(t.join(", "))
        })
        .run()?;
    // ---- end of the model test
    println!("model test of the complaint process: {report}");
    Ok(())
}
