//! The report's plots, drawn with plotters into PNG files. Text uses a font compiled into
//! the binary (Ubuntu Light from `epaint_default_fonts`), so no system font is needed.

use anyhow::{Result, anyhow};
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

const SIZE: (u32, u32) = (900, 500);
const COLOURS: [RGBColor; 5] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
];

fn font() -> Result<()> {
    static REGISTER: Once = Once::new();
    let mut result = Ok(());
    REGISTER.call_once(|| {
        result = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            epaint_default_fonts::UBUNTU_LIGHT,
        )
        .map_err(|_| anyhow!("the embedded font is unreadable"));
    });
    result
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("plot: {e}")
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

/// Cumulative distributions of latency series, one line each; the x axis stops past the
/// largest p99.5 so one outlier does not flatten the rest.
pub fn cdf(path: &Path, title: &str, unit: &str, series: &[(String, Vec<f64>)]) -> Result<()> {
    font()?;
    let series: Vec<(String, Vec<f64>)> = series
        .iter()
        .filter(|(_, s)| !s.is_empty())
        .map(|(label, s)| {
            let mut s: Vec<f64> = s.iter().copied().filter(|v| v.is_finite()).collect();
            s.sort_by(f64::total_cmp);
            (label.clone(), s)
        })
        .filter(|(_, s)| !s.is_empty())
        .collect();
    if series.is_empty() {
        return Err(anyhow!("no samples to plot"));
    }
    let xmax = series
        .iter()
        .map(|(_, s)| quantile(s, 0.995))
        .fold(0.0, f64::max)
        * 1.1;
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(0f64..xmax.max(1e-9), 0f64..1f64)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(unit)
        .y_desc("fraction of requests")
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(err)?;
    for (i, (label, s)) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let n = s.len() as f64;
        let points = s
            .iter()
            .enumerate()
            .map(|(k, v)| (v.min(xmax), (k + 1) as f64 / n));
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))
            .map_err(err)?
            .label(format!(
                "{label} (p50 {:.2}, p99 {:.2} {unit})",
                quantile(s, 0.5),
                quantile(s, 0.99)
            ))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// A histogram of one latency series.
pub fn histogram(path: &Path, title: &str, unit: &str, samples: &[f64]) -> Result<()> {
    font()?;
    let mut s: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    if s.is_empty() {
        return Err(anyhow!("no samples to plot"));
    }
    s.sort_by(f64::total_cmp);
    let xmax = (quantile(&s, 0.995) * 1.1).max(1e-9);
    let bins = 40;
    let width = xmax / bins as f64;
    let mut counts = vec![0usize; bins];
    for v in &s {
        counts[((v / width) as usize).min(bins - 1)] += 1;
    }
    let ymax = counts.iter().copied().max().unwrap_or(1) as f64 * 1.1;
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(0f64..xmax, 0f64..ymax)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(unit)
        .y_desc("deliveries")
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(counts.iter().enumerate().map(|(i, c)| {
            let x = i as f64 * width;
            Rectangle::new(
                [(x, 0.0), (x + width * 0.9, *c as f64)],
                COLOURS[0].filled(),
            )
        }))
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// Grouped bars: per group (a workload), one bar per series (Medicloud, automerge).
pub fn bars(
    path: &Path,
    title: &str,
    unit: &str,
    names: &[&str],
    groups: &[(String, Vec<f64>)],
) -> Result<()> {
    font()?;
    if groups.is_empty() {
        return Err(anyhow!("nothing to plot"));
    }
    let ymax = groups
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        * 1.2;
    let labels: Vec<String> = groups.iter().map(|(g, _)| g.clone()).collect();
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(-0.5f64..(groups.len() as f64 - 0.5), 0f64..ymax.max(1e-9))
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(groups.len())
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 0.01 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc(unit)
        .label_style(("sans-serif", 15))
        .draw()
        .map_err(err)?;
    let per = names.len().max(1) as f64;
    let width = 0.8 / per;
    for (k, name) in names.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        chart
            .draw_series(groups.iter().enumerate().filter_map(|(g, (_, values))| {
                let v = *values.get(k)?;
                v.is_finite().then(|| {
                    let x = g as f64 - 0.4 + k as f64 * width;
                    Rectangle::new([(x, 0.0), (x + width * 0.95, v)], colour.filled())
                })
            }))
            .map_err(err)?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_png(path: &Path) -> bool {
        std::fs::read(path).is_ok_and(|b| b.starts_with(b"\x89PNG\r\n\x1a\n") && b.len() > 5_000)
    }

    #[test]
    fn draws_each_kind_of_plot_as_png() {
        let dir = tempfile::tempdir().unwrap();
        let samples: Vec<f64> = (0..500).map(|i| 2.0 + (i % 37) as f64 * 0.3).collect();
        let (a, b, c) = (
            dir.path().join("cdf.png"),
            dir.path().join("hist.png"),
            dir.path().join("bars.png"),
        );
        cdf(&a, "latency", "ms", &[("one".into(), samples.clone())]).unwrap();
        histogram(&b, "latency", "ms", &samples).unwrap();
        let groups = [
            ("W1".to_string(), vec![85.0, 91.0]),
            ("W2".into(), vec![67.0, f64::NAN]),
        ];
        bars(&c, "bytes", "B/event", &["Medicloud", "automerge"], &groups).unwrap();
        for p in [a, b, c] {
            assert!(is_png(&p), "{}", p.display());
        }
        assert!(cdf(&dir.path().join("none.png"), "x", "ms", &[]).is_err());
    }
}
