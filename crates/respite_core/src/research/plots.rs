//! The report's pictures. plotters draws each chart as SVG (written beside the PNG); resvg
//! rasterises it to PNG with a font carried in the binary (egui's Ubuntu Light), so no
//! system fonts are needed.

use super::report::{Report, Status};
use plotters::prelude::*;
use std::path::{Path, PathBuf};

const W: u32 = 1000;
const H: u32 = 640;
pub(crate) const COLOURS: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
];

fn to_png(svg: &str, out: &Path) -> Result<(), String> {
    to_png_sized(svg, out, (W, H))
}

/// An SVG drawn at `size` pixels, as a PNG on white, in the carried font.
pub(crate) fn to_png_sized(svg: &str, out: &Path, size: (u32, u32)) -> Result<(), String> {
    use resvg::{tiny_skia, usvg};
    let mut opt = usvg::Options::default();
    let db = opt.fontdb_mut();
    db.load_font_data(epaint_default_fonts::UBUNTU_LIGHT.to_vec());
    let family = db
        .faces()
        .next()
        .and_then(|f| f.families.first().map(|f| f.0.clone()))
        .ok_or("the plot font did not load")?;
    db.set_sans_serif_family(family.clone());
    opt.font_family = family;
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| e.to_string())?;
    let mut pixmap = tiny_skia::Pixmap::new(size.0, size.1).ok_or("no pixmap")?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    let png = pixmap.encode_png().map_err(|e| e.to_string())?;
    super::data::write_atomic_bytes(out, &png).map_err(|e| format!("{}: {e}", out.display()))
}

/// Draws a chart and writes it as `<stem>.svg` and `<stem>.png`; the paths written.
fn draw(
    stem: &Path,
    f: impl FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<Vec<PathBuf>, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        f(&root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    let (svg_path, png_path) = (stem.with_extension("svg"), stem.with_extension("png"));
    super::data::write_atomic(&svg_path, &svg)
        .map_err(|e| format!("{}: {e}", svg_path.display()))?;
    to_png(&svg, &png_path)?;
    Ok(vec![svg_path, png_path])
}

type Chart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::types::RangedCoordf64,
        plotters::coord::types::RangedCoordf64,
    >,
>;

/// Grid and labels: the x axis names its whole-number positions (`names[0]` at 0, …).
fn mesh(chart: &mut Chart, names: &[String], y: &str) -> Result<(), String> {
    chart
        .configure_mesh()
        .x_labels(names.len())
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 0.01 && i >= 0.0 && (i as usize) < names.len() {
                names[i as usize].clone()
            } else {
                String::new()
            }
        })
        .y_desc(y)
        .label_style(("sans-serif", 18))
        .draw()
        .map_err(|e| e.to_string())
}

/// Where a condition's point sits on the time axis: minutes since the place began, the
/// follow-ups after the place's own length.
fn on_axis(report: &Report, condition: &str, phase: &str, minute: f64) -> f64 {
    match phase {
        "before" => 0.0,
        "during" => minute,
        _ => {
            let ends: Vec<f64> = report
                .sessions
                .iter()
                .filter(|s| s.condition == condition && s.status == Status::Completed)
                .map(super::timecourse::place_end)
                .collect();
            super::stats::mean(&ends).unwrap_or(0.0) + minute
        }
    }
}

/// One condition's line: its colour index, name, and (minute, mean, CI low, CI high).
type Series = (usize, String, Vec<(f64, f64, f64, f64)>);

/// The trajectory: mean NRS over minutes from the start of the place, one line per
/// condition with its 95 % CI as a band; the legend beside the chart, never over data.
pub fn nrs_over_time(report: &Report, stem: &Path) -> Result<Vec<PathBuf>, String> {
    let rows = report.by_minute();
    let conditions = report.conditions();
    let series: Vec<Series> = conditions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut pts: Vec<(f64, f64, f64, f64)> = rows
                .iter()
                .filter(|r| &r.condition == c)
                .map(|r| {
                    let x = on_axis(report, c, r.phase, r.minute);
                    let (lo, hi) = r.summary.ci95.unwrap_or((r.summary.mean, r.summary.mean));
                    (x, r.summary.mean, lo.clamp(0.0, 10.0), hi.clamp(0.0, 10.0))
                })
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            (i, c.clone(), pts)
        })
        .collect();
    let x_max = series
        .iter()
        .flat_map(|s| s.2.iter().map(|p| p.0))
        .fold(1.0f64, f64::max);
    draw(stem, |root| {
        let (chart_area, legend_area) = root.split_horizontally(W - 220);
        let mut chart = ChartBuilder::on(&chart_area)
            .caption(
                "Pain (NRS 0–10): mean and 95% CI per condition",
                ("sans-serif", 26),
            )
            .margin(20)
            .x_label_area_size(56)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5f64..(x_max * 1.03 + 0.5), 0f64..10f64)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("minutes from the start of the place (baseline at 0)")
            .y_desc("NRS")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style(("sans-serif", 18))
            .axis_desc_style(("sans-serif", 20))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, _, pts) in &series {
            let colour = COLOURS[i % COLOURS.len()];
            if pts.len() >= 2 {
                let mut band: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.3)).collect();
                band.extend(pts.iter().rev().map(|p| (p.0, p.2)));
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        band,
                        colour.mix(0.18).filled(),
                    )))
                    .map_err(|e| e.to_string())?;
            }
        }
        for (i, _, pts) in &series {
            let colour = COLOURS[i % COLOURS.len()];
            let line: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.1)).collect();
            chart
                .draw_series(LineSeries::new(line.clone(), colour.stroke_width(3)))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(line.iter().map(|p| Circle::new(*p, 4, colour.filled())))
                .map_err(|e| e.to_string())?;
        }
        // The legend in its own column: one swatch and name per condition.
        for (i, c, pts) in &series {
            let colour = COLOURS[i % COLOURS.len()];
            let y = 90 + 34 * *i as i32;
            let n = report
                .sessions
                .iter()
                .filter(|s| &s.condition == c && s.status == Status::Completed)
                .count();
            legend_area
                .draw(&Rectangle::new(
                    [(8, y - 8), (36, y + 8)],
                    colour.mix(0.35).filled(),
                ))
                .map_err(|e| e.to_string())?;
            legend_area
                .draw(&PathElement::new(
                    vec![(8, y), (36, y)],
                    colour.stroke_width(3),
                ))
                .map_err(|e| e.to_string())?;
            let text = if pts.is_empty() {
                format!("{} (no data)", report.label(c))
            } else {
                format!("{} (n = {n})", report.label(c))
            };
            legend_area
                .draw(&Text::new(text, (44, y - 10), ("sans-serif", 18)))
                .map_err(|e| e.to_string())?;
        }
        let below = 90 + 34 * series.len() as i32;
        for (i, line) in [
            "band: 95% CI",
            "after the place, pain back",
            "at baseline (its follow-up",
            "stops) counts at that rating",
        ]
        .iter()
        .enumerate()
        {
            legend_area
                .draw(&Text::new(
                    *line,
                    (8, below + 22 * i as i32),
                    ("sans-serif", 16),
                ))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

/// Post NRS per participant in the first contrast's two conditions, joined by a line: the
/// first condition on the left (blinded: the lower mask).
pub fn paired_lines(report: &Report, stem: &Path) -> Result<Vec<PathBuf>, String> {
    let Some(p) = report
        .contrasts
        .iter()
        .find(|c| c.method == "paired" && c.outcome == "post_nrs")
    else {
        return Err("no paired sessions to draw".into());
    };
    let (left, right) = (report.label(&p.first), report.label(&p.second));
    let e = p.estimate;
    draw(stem, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "Post-session pain, {} pairs: {} = {:.2} (95% CI {:.2} to {:.2})",
                    p.pairs.len(),
                    p.label,
                    e.estimate,
                    e.ci95.0,
                    e.ci95.1
                ),
                ("sans-serif", 24),
            )
            .margin(24)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.4f64..1.4f64, 0f64..10f64)
            .map_err(|e| e.to_string())?;
        mesh(&mut chart, &[left.clone(), right.clone()], "post NRS")?;
        for (i, (_, a, b)) in p.pairs.iter().enumerate() {
            // A little horizontal spread keeps identical pairs visible.
            let dx = (i as f64 / p.pairs.len().max(1) as f64 - 0.5) * 0.08;
            let colour = COLOURS[i % COLOURS.len()];
            let pts = vec![(dx, *a), (1.0 + dx, *b)];
            chart
                .draw_series(LineSeries::new(
                    pts.clone(),
                    colour.mix(0.7).stroke_width(2),
                ))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(pts.iter().map(|q| Circle::new(*q, 4, colour.filled())))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}
