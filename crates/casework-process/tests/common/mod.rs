//! The test world of the case-process tests: `casework_testkit::world` (a world of actors,
//! a policy, and histories built through the real decide path), with its calendar's
//! `day` under the name these tests use, `t`.
#![allow(unused_imports)] // each test uses some of it

pub use casework_testkit::world::day as t;
pub use casework_testkit::world::*;
