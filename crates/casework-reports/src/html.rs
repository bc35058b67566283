//! A report as one self-contained HTML page: no external assets and no script, inline SVG
//! charts each with a text alternative and a table of its numbers, the report's tables,
//! and a print stylesheet that puts the report on A4 pages without cutting a table or a
//! chart sideways.
//!
//! Written with `maud` (compile-time templates that escape every interpolated value), so
//! a team, provider or plan name can never break the page. The charts are drawn here as
//! SVG elements: a plotting crate would add a raster or a fixed style, where this keeps
//! each drawn number tied to the report's JSON (`data-json`, a JSON pointer) — what the
//! browser test reads back.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::render::{Cell, Chart, ChartKind, Mark, Report, Series, Table, Value};

/// The page's styles: screen and print (A4, 12 mm margins).
const STYLE: &str = r#"
:root { --ink: #1d232b; --muted: #5b6470; --rule: #d5dae0; --band: #f3f5f7;
  --s0: #2f5d8a; --s1: #3a9d8f; --s2: #d9a13b; --s3: #8a8f98;
  --alert: #b8322a; --below: #b8322a; --above: #2e7d4f; }
* { box-sizing: border-box; }
html { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink); font-size: 10pt; }
body { margin: 0; }
main { max-width: 186mm; margin: 0 auto; padding: 10mm 0; }
header { border-bottom: 2px solid var(--ink); margin-bottom: 6mm; }
h1 { font-size: 15pt; margin: 0 0 1mm 0; }
.meta { color: var(--muted); margin: 0 0 2mm 0; }
h2 { font-size: 11.5pt; margin: 6mm 0 2mm 0; }
figure { margin: 0 0 6mm 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-weight: bold; font-size: 11pt; margin-bottom: 1mm; }
figure p.alt { color: var(--muted); margin: 0 0 2mm 0; }
svg { display: block; width: 100%; height: auto; }
svg text { font-family: inherit; fill: var(--ink); }
svg .tick, svg .axis { fill: var(--muted); }
svg .grid { stroke: var(--rule); stroke-width: 0.6; }
svg .ref { stroke: var(--ink); stroke-width: 2; }
table { border-collapse: collapse; width: 100%; margin: 0 0 4mm 0; font-size: 8.5pt; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
caption { text-align: left; font-size: 8.5pt; color: var(--muted); padding: 0 0 1mm 0; }
th, td { padding: 1mm 1.6mm; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: bold; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.below { color: var(--below); font-weight: bold; }
td.above { color: var(--above); font-weight: bold; }
tr.marked td { background: #fbe9e7; }
tr.marked td:first-child { border-left: 3px solid var(--alert); }
table.data { font-size: 8pt; width: auto; min-width: 55%; }
table.data th[scope=row] { background: none; font-weight: normal; }
.legend-keys { display: flex; flex-wrap: wrap; gap: 4mm; margin: 1mm 0 2mm 0; font-size: 8.5pt; }
.key { display: inline-block; width: 3mm; height: 3mm; margin-right: 1mm; vertical-align: middle; }
footer { margin-top: 6mm; border-top: 1px solid var(--rule); color: var(--muted); font-size: 8.5pt; }
footer li { margin: 0.6mm 0; }
@page { size: A4; margin: 12mm; }
@media print {
  main { max-width: none; padding: 0; }
  section, figure { break-inside: avoid-page; }
  section.long { break-inside: auto; }
  h2, figcaption { break-after: avoid; }
}
"#;

/// Series colours, in order; alert and tone colours are fixed.
const COLOURS: [&str; 4] = ["var(--s0)", "var(--s1)", "var(--s2)", "var(--s3)"];

/// The page of `report`.
pub fn page(report: &impl Report) -> String {
    let title = report.title();
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                main {
                    header {
                        h1 { (title) }
                        p.meta { "casework report · every number is computed from the event log" }
                    }
                    @for (i, chart) in report.charts().iter().enumerate() {
                        (figure(chart, i))
                    }
                    @for table in report.tables() {
                        (section(&table))
                    }
                    @let legend = report.legend();
                    @if !legend.is_empty() {
                        footer {
                            ul { @for l in &legend { li { (l) } } }
                        }
                    }
                }
            }
        }
    };
    markup.into_string()
}

/// The class of a table cell in a column of numbers (`numeric`) or text.
fn class(cell: &Cell, toned: bool, numeric: bool) -> &'static str {
    match (&cell.value, toned) {
        (v, true) if v.is_negative() => "n below",
        (v, true) if v.is_positive() => "n above",
        (v, _) if v.is_number() => "n",
        (Value::Missing, _) if numeric => "n",
        _ => "",
    }
}

fn td(cell: &Cell, toned: bool, numeric: bool) -> Markup {
    html! {
        td class=(class(cell, toned, numeric)) data-json=[cell.source.as_deref()] { (cell) }
    }
}

/// Number columns per printed table: more are split into parts that repeat the leading
/// text columns, so that a year of months reads at a legible size on A4.
const NUMBER_COLUMNS: usize = 7;

fn section(table: &Table) -> Markup {
    let numeric: Vec<bool> = (0..table.headers.len())
        .map(|i| {
            table
                .rows
                .iter()
                .any(|r| r.get(i).is_some_and(|c| c.value.is_number()))
        })
        .collect();
    // the leading text columns (at least one) are repeated in every part
    let lead = numeric.iter().take_while(|n| !**n).count().max(1);
    let rest: Vec<usize> = (lead..table.headers.len()).collect();
    // balanced parts: 8 numbers as 4 + 4, 15 as 5 + 5 + 5
    let count = rest.len().div_ceil(NUMBER_COLUMNS).max(1);
    let size = rest.len().div_ceil(count).max(1);
    let parts: Vec<Vec<usize>> = if count == 1 {
        vec![(0..table.headers.len()).collect()]
    } else {
        rest.chunks(size)
            .map(|chunk| (0..lead).chain(chunk.iter().copied()).collect())
            .collect()
    };
    let long = if table.rows.len() > 25 { "long" } else { "" };
    html! {
        section class=(long) data-table=(table.name) {
            h2 { (table.title) }
            @for columns in &parts {
                table {
                    @if parts.len() > 1 {
                        caption {
                            (table.headers[columns[lead.min(columns.len() - 1)]]) " – "
                            (table.headers[columns[columns.len() - 1]])
                        }
                    }
                    thead { tr { @for i in columns {
                        th class=(if numeric[*i] { "n" } else { "" }) scope="col" { (table.headers[*i]) }
                    } } }
                    tbody {
                        @for (r, row) in table.rows.iter().enumerate() {
                            tr class=(if table.marked.contains(&r) { "marked" } else { "" }) {
                                @for i in columns {
                                    @if let Some(c) = row.get(*i) { (td(c, table.toned, numeric[*i])) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn colour(series: &Series, i: usize, value: &Value) -> &'static str {
    match series.mark {
        Mark::Alert => "var(--alert)",
        Mark::ToneBar if value.is_negative() => "var(--below)",
        Mark::ToneBar => "var(--above)",
        _ => COLOURS[i % COLOURS.len()],
    }
}

/// A round step for about four ticks up to `max`: 1, 2 or 5 times a power of ten (2.5
/// from 25 up, so that whole numbers stay whole).
fn step(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let raw = max / 4.0;
    let p = 10f64.powf(raw.log10().floor());
    let steps: &[f64] = if p >= 10.0 {
        &[1.0, 2.0, 2.5, 5.0, 10.0]
    } else {
        &[1.0, 2.0, 5.0, 10.0]
    };
    steps
        .iter()
        .map(|m| (m * p).max(1.0))
        .find(|v| *v >= raw)
        .unwrap_or(10.0 * p)
}

/// A tick's label: whole numbers without decimals.
fn tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

fn f(v: f64) -> String {
    format!("{v:.1}")
}

fn figure(chart: &Chart, index: usize) -> Markup {
    let id = format!("chart-{index}");
    html! {
        figure.chart data-chart=(index) {
            figcaption id=(format!("{id}-title")) { (chart.title) }
            p.alt id=(format!("{id}-desc")) { (chart.description) }
            div.legend-keys {
                @for (i, s) in chart.series.iter().enumerate() {
                    @if s.mark != Mark::Note {
                        span { span.key style=(format!("background:{}", key_colour(s, i))) {} (s.name) }
                    }
                }
                @if let Some(r) = &chart.reference {
                    span { span.key style="background:var(--ink);width:1mm" {} (r.name) }
                }
            }
            @match chart.kind {
                ChartKind::Bars => (bars(chart, &id)),
                ChartKind::Columns => (columns(chart, &id)),
            }
            (data_table(chart))
        }
    }
}

fn key_colour(s: &Series, i: usize) -> &'static str {
    match s.mark {
        Mark::Alert => "var(--alert)",
        Mark::ToneBar => "linear-gradient(90deg, var(--below) 50%, var(--above) 50%)",
        _ => COLOURS[i % COLOURS.len()],
    }
}

/// The chart's numbers as a table: a row per category, a column per series.
fn data_table(chart: &Chart) -> Markup {
    let columns: Vec<&Series> = chart.series.iter().chain(&chart.reference).collect();
    html! {
        table.data {
            thead { tr {
                th scope="col" { "" }
                @for s in &columns { th.n scope="col" { (s.name) } }
            } }
            tbody {
                @for (i, category) in chart.categories.iter().enumerate() {
                    tr {
                        th scope="row" { (category.replace('\n', " · ")) }
                        @for s in &columns {
                            @match s.values.get(i) {
                                Some(c) => (td(c, s.mark == Mark::ToneBar, true)),
                                None => td {},
                            }
                        }
                    }
                }
            }
        }
    }
}

const WIDTH: f64 = 680.0;

/// The axis range over every drawn value and reference, from the smallest (0 or below) to
/// a round maximum, and the step between ticks.
fn range(chart: &Chart) -> (f64, f64, f64) {
    let values = chart
        .series
        .iter()
        .filter(|s| s.mark != Mark::Note)
        .chain(&chart.reference)
        .flat_map(|s| s.values.iter().filter_map(|c| c.value.as_f64()));
    let (lo, hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let unit = step(hi.max(-lo));
    let hi = ((hi / unit).ceil() * unit).max(unit);
    let lo = (lo / unit).floor() * unit;
    (lo, hi, unit)
}

/// The ticks from `lo` to `hi` every `unit`.
fn ticks((lo, hi, unit): (f64, f64, f64)) -> Vec<f64> {
    let n = ((hi - lo) / unit).round().clamp(1.0, 20.0) as u32;
    (0..=n).map(|k| lo + unit * f64::from(k)).collect()
}

/// Horizontal bars: a group per category, a bar per series; value labels at the bar's
/// end; notes at the group's end; a reference tick where given.
fn bars(chart: &Chart, id: &str) -> Markup {
    let drawn: Vec<(usize, &Series)> = chart
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| s.mark != Mark::Note)
        .collect();
    let notes: Vec<&Series> = chart
        .series
        .iter()
        .filter(|s| s.mark == Mark::Note)
        .collect();
    let (label_w, note_w, top, bar_h, gap) = (
        190.0,
        if notes.is_empty() { 40.0 } else { 110.0 },
        22.0,
        13.0,
        9.0,
    );
    let (x0, x1) = (label_w, WIDTH - note_w);
    let axis = range(chart);
    let (lo, hi, _) = axis;
    let x = |v: f64| x0 + (v - lo) / (hi - lo) * (x1 - x0);
    let group_h = drawn.len().max(1) as f64 * bar_h + gap;
    let height = top + chart.categories.len() as f64 * group_h + 8.0;
    let ticks = ticks(axis);
    html! {
        svg viewBox=(format!("0 0 {WIDTH} {}", f(height))) role="img"
            aria-labelledby=(format!("{id}-title {id}-desc")) {
            title { (chart.title) }
            desc { (chart.description) }
            @for t in &ticks {
                line.grid x1=(f(x(*t))) x2=(f(x(*t))) y1=(f(top - 4.0)) y2=(f(height - 6.0)) {}
                text.tick x=(f(x(*t))) y=(f(top - 8.0)) font-size="9" text-anchor="middle" { (tick(*t)) }
            }
            text.axis x=(f(label_w - 18.0)) y=(f(top - 8.0)) font-size="9" text-anchor="end" { (chart.unit) }
            @for (ci, category) in chart.categories.iter().enumerate() {
                @let y0 = top + ci as f64 * group_h;
                @let lines: Vec<&str> = category.split('\n').collect();
                @for (li, l) in lines.iter().enumerate() {
                    text x=(f(label_w - 6.0)) y=(f(y0 + 10.0 + li as f64 * 11.0)) font-size=(if li == 0 { "10" } else { "8.5" })
                        text-anchor="end" class=(if li == 0 { "" } else { "tick" }) { (l) }
                }
                @for (row, (si, s)) in drawn.iter().enumerate() {
                    @if let Some(c) = s.values.get(ci) {
                        @let y = y0 + row as f64 * bar_h;
                        @if let Some(v) = c.value.as_f64() {
                            @let (a, b) = (x(0f64.max(lo)), x(v));
                            rect x=(f(a.min(b))) y=(f(y)) width=(f((b - a).abs().max(0.5))) height=(f(bar_h - 2.0))
                                fill=(colour(s, *si, &c.value)) {
                                title { (s.name) ": " (c) }
                            }
                            text.value x=(f(a.max(b) + 3.0)) y=(f(y + bar_h - 4.0)) font-size="9"
                                data-json=[c.source.as_deref()] { (c) }
                        } @else {
                            text.value x=(f(x0 + 3.0)) y=(f(y + bar_h - 4.0)) font-size="9" class="tick"
                                data-json=[c.source.as_deref()] { (c) }
                        }
                    }
                }
                @if let Some(r) = chart.reference.as_ref().and_then(|r| r.values.get(ci)) {
                    @if let Some(v) = r.value.as_f64() {
                        line.ref x1=(f(x(v))) x2=(f(x(v))) y1=(f(y0 - 2.0)) y2=(f(y0 + group_h - gap + 1.0)) {
                            title { (chart.reference.as_ref().map_or("", |r| r.name.as_str())) ": " (r) }
                        }
                    }
                }
                @for (ni, n) in notes.iter().enumerate() {
                    @if let Some(c) = n.values.get(ci) {
                        text.value x=(f(WIDTH - 2.0)) y=(f(y0 + 10.0 + ni as f64 * 11.0)) font-size="9" text-anchor="end" {
                            tspan data-json=[c.source.as_deref()] { (c) } " " (n.name)
                        }
                    }
                }
            }
        }
    }
}

/// Vertical columns per category (months); line series over them.
fn columns(chart: &Chart, id: &str) -> Markup {
    let bars: Vec<(usize, &Series)> = chart
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| matches!(s.mark, Mark::Bar | Mark::ToneBar | Mark::Alert))
        .collect();
    let lines: Vec<(usize, &Series)> = chart
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| s.mark == Mark::Line)
        .collect();
    let (left, top, bottom, height) = (40.0, 18.0, 24.0, 250.0);
    let axis = range(chart);
    let (lo, hi, _) = axis;
    let n = chart.categories.len().max(1) as f64;
    let slot = (WIDTH - left - 8.0) / n;
    let y = |v: f64| top + (hi - v) / (hi - lo) * (height - top - bottom);
    let bar_w = (slot - 8.0) / bars.len().max(1) as f64;
    let ticks = ticks(axis);
    html! {
        svg viewBox=(format!("0 0 {WIDTH} {height}")) role="img"
            aria-labelledby=(format!("{id}-title {id}-desc")) {
            title { (chart.title) }
            desc { (chart.description) }
            @for t in &ticks {
                line.grid x1=(f(left)) x2=(f(WIDTH - 8.0)) y1=(f(y(*t))) y2=(f(y(*t))) {}
                text.tick x=(f(left - 4.0)) y=(f(y(*t) + 3.0)) font-size="9" text-anchor="end" { (tick(*t)) }
            }
            text.axis x="2" y="9" font-size="9" { (chart.unit) }
            @for (ci, category) in chart.categories.iter().enumerate() {
                @let x0 = left + ci as f64 * slot + 4.0;
                text x=(f(x0 + (slot - 8.0) / 2.0)) y=(f(height - 8.0)) font-size="9.5" text-anchor="middle" { (category) }
                @for (bi, (si, s)) in bars.iter().enumerate() {
                    @if let Some(c) = s.values.get(ci) {
                        @if let Some(v) = c.value.as_f64() {
                            @let (a, b) = (y(0f64.max(lo)), y(v));
                            @let bx = x0 + bi as f64 * bar_w;
                            rect x=(f(bx)) y=(f(a.min(b))) width=(f(bar_w - 1.5)) height=(f((a - b).abs().max(0.5)))
                                fill=(colour(s, *si, &c.value)) {
                                title { (category) ", " (s.name) ": " (c) }
                            }
                            text.value x=(f(bx + (bar_w - 1.5) / 2.0)) y=(f(a.min(b) - 2.5)) font-size="8" text-anchor="middle"
                                data-json=[c.source.as_deref()] { (c) }
                        }
                    }
                }
            }
            @for (si, s) in &lines {
                @let points: Vec<String> = s.values.iter().enumerate().filter_map(|(ci, c)| {
                    c.value.as_f64().map(|v| format!("{},{}", f(left + ci as f64 * slot + slot / 2.0), f(y(v))))
                }).collect();
                polyline points=(points.join(" ")) fill="none" stroke=(COLOURS[si % COLOURS.len()]) stroke-width="2" {}
                @for (ci, c) in s.values.iter().enumerate() {
                    @if let Some(v) = c.value.as_f64() {
                        circle cx=(f(left + ci as f64 * slot + slot / 2.0)) cy=(f(y(v))) r="2.5" fill=(COLOURS[si % COLOURS.len()]) {
                            title { (chart.categories.get(ci).map_or("", String::as_str)) ", " (s.name) ": " (c) }
                        }
                    }
                }
            }
        }
    }
}
