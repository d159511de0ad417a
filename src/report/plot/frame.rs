//! What every plot shares: the title band naming the adapter, the software warning, colours.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

use crate::model::BenchReport;
use crate::model::SOFTWARE_WARNING;

/// Okabe–Ito colours (told apart by colour-blind readers too), then a few more for the
/// families beyond them. No black: axes are black, and a series must not look like one.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(117, 112, 179),
    RGBColor(166, 86, 40),
    RGBColor(27, 94, 32),
    RGBColor(150, 150, 0),
];

pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The legend every plot shares: lower right, over a translucent white box.
pub fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
}

/// Draws `title` and the adapter (and the software warning when it applies) across the top of
/// `root`, and returns the area left for the chart.
pub fn titled<'a>(
    root: &DrawingArea<SVGBackend<'a>, Shift>,
    title: &str,
    report: &BenchReport,
) -> anyhow::Result<DrawingArea<SVGBackend<'a>, Shift>> {
    let a = &report.adapter;
    let subtitle = format!("{} ({}, {})", a.name, a.backend, a.device_type);
    banner(root, title, &subtitle, report.software_adapter)
}

/// Characters of a subtitle line: within the 900-pixel width at 15 pixels, sans-serif, unless
/// the line is mostly wide letters.
const SUBTITLE_CHARS: usize = 140;

/// Draws `title`, a grey `subtitle` (what the figures are: adapter, precision, timing; wrapped
/// onto more lines where it is long, never cut) and, for a software adapter, the warning in red,
/// across the top of `root`; returns the area left for the chart.
pub fn banner<'a>(
    root: &DrawingArea<SVGBackend<'a>, Shift>,
    title: &str,
    subtitle: &str,
    software_adapter: bool,
) -> anyhow::Result<DrawingArea<SVGBackend<'a>, Shift>> {
    let lines = wrap(subtitle, SUBTITLE_CHARS);
    let below = 36 + 20 * lines.len() as u32;
    let band = if software_adapter { below + 22 } else { below };
    let (top, rest) = root.split_vertically(band);
    top.draw(&Text::new(
        title.to_string(),
        (16, 8),
        ("sans-serif", 22).into_font().color(&BLACK),
    ))?;
    for (i, line) in lines.into_iter().enumerate() {
        top.draw(&Text::new(
            line,
            (16, 36 + 20 * i as i32),
            ("sans-serif", 15).into_font().color(&RGBColor(60, 60, 60)),
        ))?;
    }
    if software_adapter {
        top.draw(&Text::new(
            format!("Warning: {SOFTWARE_WARNING}"),
            (16, below as i32),
            ("sans-serif", 15).into_font().color(&RGBColor(180, 0, 0)),
        ))?;
    }
    Ok(rest)
}

/// `text` in lines of at most `width` characters, broken at spaces (a longer word gets a line
/// of its own); always at least one line.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("at least one line");
        if line.is_empty() {
            line.push_str(word);
        } else if line.chars().count() + 1 + word.chars().count() <= width {
            line.push(' ');
            line.push_str(word);
        } else {
            lines.push(word.to_string());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_at_spaces_and_keeps_every_word() {
        assert_eq!(wrap("short", 10), ["short"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("aaa bbb ccc dddd", 7), ["aaa bbb", "ccc", "dddd"]);
        assert_eq!(wrap("a verylongword b", 4), ["a", "verylongword", "b"]);
    }
}
