//! Every report's HTML page, opened in headless Chromium (through chromedriver and the
//! `fantoccini` WebDriver client) on a simulated deployment of 400 cases:
//!
//! - every number the page marks with its place in the report (`data-json`) equals the
//!   report's JSON there, and no number in a table cell or a chart label is unmarked;
//! - no table, chart or figure is wider than an A4 page's printable width (186 mm), no
//!   chart is taller than a page, and no two labels of a chart overlap;
//! - the page prints to a PDF (A4, 12 mm margins).
//!
//! The pages, their screenshots (`NAME.png`, and `NAME-chart.png` of the first chart) and
//! PDFs are kept under `target/tmp/report-pages/` for review.
//!
//! Chromium and chromedriver are found on the `PATH` (Debian: `apt-get install chromium
//! chromium-driver`; `.ci/run` installs them) or through `CASEWORK_CHROMIUM` and
//! `CASEWORK_CHROMEDRIVER`. Where they are missing the test says so and passes, unless
//! `CASEWORK_BROWSER=required` (set by `.ci/run`), where it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use casework::case::CaseStream;
use casework::process::{CaseState, Policy};
use casework::reports::*;
use casework::sim::{simulate, SimConfig, TEAMS};
use casework::store::{EventStore, MemoryStore};
use chrono::NaiveDate;
use fantoccini::wd::{PrintConfiguration, PrintMargins, PrintSize};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value as Json};

/// One report's page and the JSON its numbers must equal.
struct Page {
    name: &'static str,
    html: String,
    json: Json,
}

fn page(name: &'static str, report: &impl Report) -> Page {
    Page {
        name,
        html: render(report, Format::Html).unwrap(),
        json: serde_json::to_value(report).unwrap(),
    }
}

/// The seven reports over a simulated deployment (400 cases, 2025–2026).
fn pages() -> Vec<Page> {
    let config = SimConfig {
        cases: 400,
        ..SimConfig::default()
    };
    let store = MemoryStore::with_clock(config.store_clock());
    let summary = simulate(&store, &config, &mut |_| {}).unwrap();
    assert_eq!(summary.rejected, 0);
    let policy = Policy::default();
    let book = Projector::rebuild_from(&store, CaseBook::in_zone(policy.time_zone))
        .unwrap()
        .projection;
    let day = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    let from = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();

    // the plan as planners keep it: a row per team, a column per month
    let mut plan = String::from("Bedarf;Jan;Feb;Mär;Apr;Mai;Jun;Jul;Aug;Sep;Okt;Nov;Dez\n");
    for (i, (team, _)) in TEAMS.iter().enumerate() {
        let months: Vec<String> = (0..12).map(|m| ((i + m) % 3 + 1).to_string()).collect();
        plan.push_str(&format!("{team};{}\n", months.join(";")));
    }
    let plan = EntryPlan::from_csv_for(&plan, Some(2026)).unwrap();

    let monitoring = voucher_monitoring(&book, &policy, None, 2026, day);
    // the provider whose first half-year of 2026 has the most need groups with contracted
    // hours (a catalog that fixes them), then the most need groups
    let half = monitoring
        .rows
        .iter()
        .map(|r| half_year(&book, &policy, &r.provider, 2026, 1))
        .max_by_key(|h| {
            let contracted = h
                .need_groups
                .iter()
                .filter(|g| g.contracted_hours.is_some())
                .count();
            (contracted, h.need_groups.len(), h.cases_worked)
        })
        .unwrap();
    // a closed case with a plan and services, for the final case report
    let closed = book.closed.closures.len();
    assert!(closed > 0);
    let case = store
        .list_streams()
        .unwrap()
        .into_iter()
        .filter_map(|s| s.case_id())
        .filter_map(|id| {
            let file = CaseFile::load(&store, id, None, policy.time_zone).ok()??;
            let rich = matches!(&file.state, CaseState::Closed(c) if c.vouchers.len() >= 2);
            rich.then(|| case_report(id, &file, &policy, day)).flatten()
        })
        .next()
        .unwrap();
    vec![
        page("voucher-monitoring", &monitoring),
        page("entry-planning", &entry_planning(&book, &plan, 12)),
        page("half-year", &half),
        page("outcomes", &outcomes(&book, from, day)),
        page("evaluation", &evaluation(&book, from, day)),
        page("case", &case),
        page("worklist", &deadline_worklist(&book, &policy, day, 14)),
    ]
}

/// chromedriver, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// Chromium and chromedriver, or why not.
fn binaries() -> Result<(PathBuf, PathBuf), String> {
    let find = |var: &str, names: &[&str]| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .or_else(|| names.iter().find_map(|n| on_path(n)))
            .ok_or_else(|| format!("no {} (set {var})", names[0]))
    };
    let chromium = find(
        "CASEWORK_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    )?;
    let driver = find("CASEWORK_CHROMEDRIVER", &["chromedriver"])?;
    Ok((chromium, driver))
}

fn start_driver(path: &Path) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

async fn connect(driver: &Driver, chromium: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium.display().to_string(),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1000,1400",
                "--font-render-hinting=none"
            ]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// Every `data-json` element: its pointer and text.
const MARKED: &str = r#"
return Array.from(document.querySelectorAll('[data-json]'))
  .map(e => [e.getAttribute('data-json'), e.textContent.trim()]);
"#;

/// Numbers shown without a place in the JSON: table cells and chart labels whose whole
/// text is a number, a percentage or a dash.
const UNMARKED: &str = r#"
const number = /^[+-]?\d+(\.\d+)?%?$/;
const out = [];
document.querySelectorAll('td, svg text.value, svg text.value tspan').forEach(e => {
  const own = Array.from(e.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
  // a dash stands for a number that does not apply where the column holds numbers
  const shown = number.test(own) || (own === '–' && e.classList.contains('n'));
  if (shown && !e.hasAttribute('data-json')) out.push(e.tagName + ' ' + own);
});
return out;
"#;

/// What does not fit an A4 page (186 × 273 mm printable at 96 dpi), and chart labels that
/// overlap.
const LAYOUT: &str = r#"
const mm = 96 / 25.4, width = 186 * mm, height = 273 * mm;
const main = document.querySelector('main').getBoundingClientRect();
const out = [];
if (main.width > width + 1) out.push('main is ' + main.width + 'px wide');
document.querySelectorAll('table, svg, figure, section').forEach(e => {
  const r = e.getBoundingClientRect();
  if (r.right > main.right + 1 || r.left < main.left - 1 || e.scrollWidth > Math.ceil(r.width) + 1)
    out.push(e.tagName + ' overflows: ' + Math.round(r.left) + '–' + Math.round(r.right) + ' in ' + Math.round(main.left) + '–' + Math.round(main.right));
});
document.querySelectorAll('figure').forEach(f => {
  const r = f.getBoundingClientRect();
  if (r.height > height) out.push('figure taller than a page: ' + Math.round(r.height));
});
document.querySelectorAll('svg').forEach((svg, n) => {
  const boxes = Array.from(svg.querySelectorAll('text')).map(t => [t, t.getBoundingClientRect()]);
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, ra] = boxes[i], [b, rb] = boxes[j];
    const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
    const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
    if (w > 1 && h > 1) out.push('chart ' + n + ': "' + a.textContent + '" overlaps "' + b.textContent + '"');
  }
});
return out;
"#;

/// Whether text shown for a value equals the JSON value.
fn shows(text: &str, want: &Json) -> bool {
    match want {
        Json::Null => text == "–",
        Json::Number(n) => text
            .trim_start_matches('+')
            .trim_end_matches('%')
            .parse::<f64>()
            .is_ok_and(|got| (got - n.as_f64().unwrap()).abs() < 1e-9),
        Json::String(s) => text == s,
        _ => false,
    }
}

async fn check(client: &Client, page: &Page, dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let html = dir.join(format!("{}.html", page.name));
    std::fs::write(&html, &page.html).unwrap();
    client
        .set_window_size(1000, 1400)
        .await
        .expect("window size");
    client
        .goto(&format!("file://{}", html.display()))
        .await
        .expect("the page loads");

    let marked = client.execute(MARKED, vec![]).await.unwrap();
    let marked: Vec<(String, String)> = serde_json::from_value(marked).unwrap();
    assert!(!marked.is_empty(), "{}: no number is marked", page.name);
    for (pointer, text) in &marked {
        match page.json.pointer(pointer) {
            Some(want) if shows(text, want) => {}
            Some(want) => problems.push(format!("{pointer}: shows {text:?}, JSON {want}")),
            None => problems.push(format!("{pointer}: not in the JSON")),
        }
    }
    let unmarked: Vec<String> =
        serde_json::from_value(client.execute(UNMARKED, vec![]).await.unwrap()).unwrap();
    problems.extend(
        unmarked
            .into_iter()
            .map(|u| format!("unmarked number: {u}")),
    );
    let layout: Vec<String> =
        serde_json::from_value(client.execute(LAYOUT, vec![]).await.unwrap()).unwrap();
    problems.extend(layout);

    // the first chart alone, then the whole page, for review
    if let Ok(figure) = client.find(Locator::Css("figure.chart")).await {
        let png = figure.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{}-chart.png", page.name)), png).unwrap();
    }
    let height = client
        .execute("return document.documentElement.scrollHeight;", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap_or(1400);
    client
        .set_window_size(1000, u32::try_from(height + 120).unwrap_or(8000).min(8000))
        .await
        .unwrap();
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{}: a PNG", page.name);
    std::fs::write(dir.join(format!("{}.png", page.name)), png).unwrap();

    let a4 = PrintConfiguration::builder()
        .size(PrintSize::A4)
        .margins(PrintMargins {
            top: 1.2,
            bottom: 1.2,
            left: 1.2,
            right: 1.2,
        })
        .background(true)
        .build()
        .unwrap();
    let pdf = client.print(a4).await.unwrap();
    assert!(pdf.starts_with(b"%PDF"), "{}: a PDF", page.name);
    std::fs::write(dir.join(format!("{}.pdf", page.name)), pdf).unwrap();
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_report_page_shows_its_json_and_fits_a4_in_chromium() {
    let (chromium, chromedriver) = match binaries() {
        Ok(found) => found,
        Err(why) if std::env::var("CASEWORK_BROWSER").as_deref() == Ok("required") => {
            panic!("the browser test is required here, but: {why}")
        }
        Err(why) => {
            eprintln!("skipped: the browser test needs Chromium and chromedriver: {why}");
            return;
        }
    };
    let pages = pages();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-pages");
    std::fs::create_dir_all(&dir).unwrap();
    let driver = start_driver(&chromedriver);
    let client = connect(&driver, &chromium).await;
    let mut failures = Vec::new();
    for page in &pages {
        for problem in check(&client, page, &dir).await {
            failures.push(format!("{}: {problem}", page.name));
        }
    }
    client.close().await.unwrap();
    assert!(
        failures.is_empty(),
        "{} problems (pages in {}):\n{}",
        failures.len(),
        dir.display(),
        failures.join("\n")
    );
    // every report has its page and screenshot; the charted ones their chart
    for page in &pages {
        assert!(dir.join(format!("{}.png", page.name)).is_file());
    }
    for charted in [
        "voucher-monitoring",
        "entry-planning",
        "half-year",
        "outcomes",
        "worklist",
    ] {
        assert!(
            dir.join(format!("{charted}-chart.png")).is_file(),
            "{charted} has a chart"
        );
    }
}
