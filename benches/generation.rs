//! How fast the testkit generates case histories: 256 histories of 25 steps from the
//! default generator (the target: under 0.2 s in a debug build — run this bench
//! with `cargo bench --bench generation --profile dev` for that figure), and single
//! arbitrary commands.

use casework_testkit::strategies::{self, Generator};
use criterion::{criterion_group, criterion_main, Criterion};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

fn generation(c: &mut Criterion) {
    let mut group = c.benchmark_group("generation");
    group.sample_size(10);
    let generator = Generator::default().depth(25..=25);
    let runs = generator.run();
    group.bench_function("256 runs of 25 steps", |b| {
        b.iter(|| {
            let mut runner = TestRunner::deterministic();
            let mut events = 0;
            for _ in 0..256 {
                if let Ok(tree) = runs.new_tree(&mut runner) {
                    events += tree.current().events.len();
                }
            }
            events
        })
    });
    let commands = strategies::command();
    group.bench_function("6400 arbitrary commands", |b| {
        b.iter(|| {
            let mut runner = TestRunner::deterministic();
            (0..6400)
                .filter_map(|_| commands.new_tree(&mut runner).ok())
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, generation);
criterion_main!(benches);
