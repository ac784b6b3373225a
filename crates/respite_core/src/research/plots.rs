//! The report's pictures. plotters draws each chart as SVG; resvg rasterises it to PNG with
//! a font carried in the binary (egui's Ubuntu Light), so no system fonts are needed.

use super::report::{Report, Status};
use plotters::prelude::*;
use std::path::Path;

const W: u32 = 1000;
const H: u32 = 640;
const COLOURS: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
];

fn to_png(svg: &str, out: &Path) -> Result<(), String> {
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
    let mut pixmap = tiny_skia::Pixmap::new(W, H).ok_or("no pixmap")?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    let png = pixmap.encode_png().map_err(|e| e.to_string())?;
    super::data::write_atomic_bytes(out, &png).map_err(|e| format!("{}: {e}", out.display()))
}

fn draw(
    out: &Path,
    f: impl FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<(), String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        f(&root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    to_png(&svg, out)
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

/// Timepoints along the x axis: baseline, each scheduled minute, post.
fn timepoints(report: &Report) -> Vec<(String, Option<f64>)> {
    let mut minutes: Vec<i64> = report
        .sessions
        .iter()
        .flat_map(|s| s.during.iter().map(|d| d.0 as i64))
        .collect();
    minutes.sort_unstable();
    minutes.dedup();
    let mut out = vec![("baseline".to_string(), None)];
    out.extend(
        minutes
            .into_iter()
            .map(|m| (format!("min {m}"), Some(m as f64))),
    );
    out.push(("post".to_string(), None));
    out
}

/// Mean NRS at each timepoint, one line per condition (completed sessions).
pub fn nrs_over_time(report: &Report, out: &Path) -> Result<(), String> {
    let tps = timepoints(report);
    let n = tps.len();
    draw(out, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Pain (NRS 0–10) over the session, mean per condition",
                ("sans-serif", 28),
            )
            .margin(24)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.3f64..(n as f64 - 0.7), 0f64..10f64)
            .map_err(|e| e.to_string())?;
        let names: Vec<String> = tps.iter().map(|t| t.0.clone()).collect();
        mesh(&mut chart, &names, "NRS")?;
        for (ci, c) in report.conditions().iter().enumerate() {
            let done: Vec<_> = report
                .sessions
                .iter()
                .filter(|s| &s.condition == c && s.status == Status::Completed)
                .collect();
            let mut points = Vec::new();
            for (i, (_, minute)) in tps.iter().enumerate() {
                let vals: Vec<f64> = done
                    .iter()
                    .filter_map(|s| match (i, minute) {
                        (0, _) => s.baseline,
                        (_, Some(m)) => s.during.iter().find(|d| d.0 == *m).map(|d| d.1),
                        _ => s.post,
                    })
                    .collect();
                if let Some(m) = super::stats::mean(&vals) {
                    points.push((i as f64, m));
                }
            }
            let colour = COLOURS[ci % COLOURS.len()];
            let label = format!("{} (n = {})", report.label(c), done.len());
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(3)))
                .map_err(|e| e.to_string())?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(3))
                });
            chart
                .draw_series(points.iter().map(|p| Circle::new(*p, 5, colour.filled())))
                .map_err(|e| e.to_string())?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font(("sans-serif", 18))
            .draw()
            .map_err(|e| e.to_string())
    })
}

/// Post NRS per participant on the screen and in the headset, joined by a line.
pub fn paired_lines(report: &Report, out: &Path) -> Result<(), String> {
    let Some(p) = report.paired.iter().find(|p| p.outcome == "post_nrs") else {
        return Err("no paired headset and screen sessions to draw".into());
    };
    let (left, right) = match &report.blinding {
        None => ("screen".to_string(), "headset".to_string()),
        Some(_) => {
            let mut parts = p.contrast.split(" − ");
            let h = parts.next().unwrap_or("X?").to_string();
            (parts.next().unwrap_or("X?").to_string(), h)
        }
    };
    draw(out, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "Post-session pain, {} pairs: {} = {:.2}{}",
                    p.pairs.len(),
                    p.contrast,
                    p.summary.mean,
                    p.summary.ci95.map_or(String::new(), |(lo, hi)| format!(
                        " (95% CI {lo:.2} to {hi:.2})"
                    ))
                ),
                ("sans-serif", 26),
            )
            .margin(24)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.4f64..1.4f64, 0f64..10f64)
            .map_err(|e| e.to_string())?;
        mesh(&mut chart, &[left.clone(), right.clone()], "post NRS")?;
        for (i, (_, h, s)) in p.pairs.iter().enumerate() {
            // A little horizontal spread keeps identical pairs visible.
            let dx = (i as f64 / p.pairs.len().max(1) as f64 - 0.5) * 0.08;
            let colour = COLOURS[i % COLOURS.len()];
            let pts = vec![(dx, *s), (1.0 + dx, *h)];
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
