//! Charts (SVG and PNG) drawn with plotters. The PNG backend renders text
//! with a bundled font (DejaVu Sans, see DejaVuSans.LICENSE), so charts look
//! the same on any machine, with no system font library.

use super::page::fmt_number;
use anyhow::{anyhow, Result};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("DejaVuSans.ttf");
static REGISTER: Once = Once::new();

fn register_font() {
    REGISTER.call_once(|| {
        // The bundled font is valid; if registration failed, charts would
        // only lose their text, so there is nothing better to do than go on.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

const SIZE: (u32, u32) = (800, 450);

/// A line per series over x.
pub struct LineChart<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub series: Vec<(String, Vec<(f64, f64)>)>,
}

/// Bars with 95% interval whiskers.
pub struct BarChart<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    pub bars: Vec<(String, f64, f64)>,
}

/// Labelled points with 95% interval whiskers on both axes: one policy
/// setting each, placed by the harm it lets through and the legitimate
/// activity it costs.
pub struct TradeOffChart<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    /// (label, x, x half-width, y, y half-width)
    pub points: Vec<(String, f64, f64, f64, f64)>,
}

fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("chart drawing failed: {e:?}")
}

/// Writes `NAME.svg` and `NAME.png` into `dir`.
fn both(
    dir: &Path,
    name: &str,
    draw: impl Fn(DrawingArea<SVGBackend, Shift>) -> Result<()>,
    draw_png: impl Fn(DrawingArea<BitMapBackend, Shift>) -> Result<()>,
) -> Result<()> {
    register_font();
    let svg = dir.join(format!("{name}.svg"));
    draw(SVGBackend::new(&svg, SIZE).into_drawing_area())?;
    let png = dir.join(format!("{name}.png"));
    draw_png(BitMapBackend::new(&png, SIZE).into_drawing_area())?;
    Ok(())
}

/// The smallest and the largest finite value, if there is one.
fn bounds(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    lo.is_finite().then_some((lo, hi))
}

/// A value axis: from zero (or the lowest value, if negative) to 8% above
/// the highest, room for the legend.
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let Some((lo, hi)) = bounds(values) else {
        return (0.0, 1.0);
    };
    let lo = lo.min(0.0);
    let hi = if hi <= lo { lo + 1.0 } else { hi * 1.08 };
    (lo, hi)
}

/// The values' extent, for an axis that needs no headroom (days run from
/// the first to the last); one unit either side of a single value.
fn extent(values: impl Iterator<Item = f64>) -> (f64, f64) {
    match bounds(values) {
        None => (0.0, 1.0),
        Some((lo, hi)) if hi > lo => (lo, hi),
        Some((lo, hi)) => (lo - 1.0, hi + 1.0),
    }
}

/// A chart with numeric x and y axes, titled, its mesh and axis labels drawn.
fn numeric_axes<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    (x_label, (x0, x1)): (&str, (f64, f64)),
    (y_label, (y0, y1)): (&str, (f64, f64)),
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>> {
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_label_formatter(&|v| fmt_number(*v))
        .y_label_formatter(&|v| fmt_number(*v))
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

impl LineChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(err)?;
        let points = || self.series.iter().flat_map(|(_, p)| p.iter());
        let x = extent(points().map(|(x, _)| *x));
        let y = range(points().map(|(_, y)| *y));
        let mut chart = numeric_axes(&root, self.title, (self.x_label, x), (self.y_label, y))?;
        for (i, (name, points)) in self.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        // The legend's box as plotters lays it out: its labels, the line
        // sample before them, a margin all round.
        let font: TextStyle = ("sans-serif", 13).into();
        let mut size = (0, 0);
        for (name, _) in &self.series {
            let (w, h) = root.estimate_text_size(name, &font).map_err(err)?;
            // plotters spaces a legend's lines 1.25 text heights apart.
            size = (
                size.0.max(w as i32),
                size.1 + (h as f64 * 1.25).ceil() as i32,
            );
        }
        let size = (
            size.0 + LEGEND_SAMPLE + 2 * LEGEND_MARGIN,
            size.1 + 2 * LEGEND_MARGIN,
        );
        let (xs, ys) = chart.plotting_area().get_pixel_range();
        let lines: Vec<Vec<(i32, i32)>> = (self.series.iter())
            .map(|(_, points)| {
                (points.iter())
                    .map(|p| {
                        let (x, y) = chart.backend_coord(p);
                        (x - xs.start, y - ys.start)
                    })
                    .collect()
            })
            .collect();
        let area = (xs.end - xs.start, ys.end - ys.start);
        chart
            .configure_series_labels()
            .position(legend_corner(&lines, size, area))
            .margin(LEGEND_MARGIN)
            .legend_area_size(LEGEND_SAMPLE)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(font)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)
    }

    pub fn write(&self, dir: &Path, name: &str) -> Result<()> {
        both(dir, name, |a| self.draw(a), |a| self.draw(a))
    }
}

/// Pixels around a legend's labels, and left of them for the line sample.
const LEGEND_MARGIN: i32 = 10;
const LEGEND_SAMPLE: i32 = 30;

/// Where a line chart's legend goes: of the corners and sides of the
/// plotting area (upper right first, the lower ones last: lines often run
/// along zero), the first whose box covers the least of the lines. `lines`
/// are in pixels from the plotting area's top-left corner; `size` is the
/// legend box's and `area` the plotting area's.
fn legend_corner(
    lines: &[Vec<(i32, i32)>],
    size: (i32, i32),
    area: (i32, i32),
) -> SeriesLabelPosition {
    use SeriesLabelPosition::*;
    // Placed as plotters places a legend: 5 pixels in from the edges.
    let (left, middle, right) = (5, (area.0 - size.0) / 2, area.0 - size.0 - 5);
    let (top, centre, bottom) = (5, (area.1 - size.1) / 2, area.1 - size.1 - 5);
    let candidates = [
        (UpperRight, (right, top)),
        (UpperLeft, (left, top)),
        (UpperMiddle, (middle, top)),
        (MiddleRight, (right, centre)),
        (MiddleLeft, (left, centre)),
        (LowerRight, (right, bottom)),
        (LowerLeft, (left, bottom)),
    ];
    let covered = |(x, y): (i32, i32)| {
        let inside =
            |(px, py): (i32, i32)| (x..=x + size.0).contains(&px) && (y..=y + size.1).contains(&py);
        // Every pixel or so along each segment.
        let mut n = 0;
        for line in lines {
            for pair in line.windows(2) {
                let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
                let steps = (x1 - x0).abs().max((y1 - y0).abs()).max(1);
                n += (0..=steps)
                    .filter(|k| inside((x0 + (x1 - x0) * k / steps, y0 + (y1 - y0) * k / steps)))
                    .count();
            }
            if let [only] = line.as_slice() {
                n += usize::from(inside(*only));
            }
        }
        n
    };
    let mut best = (usize::MAX, UpperRight);
    for (position, corner) in candidates {
        let n = covered(corner);
        if n < best.0 {
            best = (n, position);
        }
    }
    best.1
}

impl TradeOffChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(err)?;
        let finite = |h: f64| if h.is_finite() { h } else { 0.0 };
        // A little room left of and below zero, so points on an axis show.
        let pad = |(lo, hi): (f64, f64)| (lo - (hi - lo) * 0.04, hi);
        let x = pad(range(self.points.iter().map(|p| p.1 + finite(p.2))));
        let y = pad(range(self.points.iter().map(|p| p.3 + finite(p.4))));
        let mut chart = numeric_axes(&root, self.title, (self.x_label, x), (self.y_label, y))?;
        let whisker = BLACK.mix(0.5).stroke_width(1);
        let font: TextStyle = ("sans-serif", 12).into();
        let at: Vec<(i32, i32)> = (self.points.iter())
            .map(|p| chart.backend_coord(&(p.1, p.3)))
            .collect();
        let sizes = (self.points.iter())
            .map(|p| root.estimate_text_size(&p.0, &font).map_err(err))
            .collect::<Result<Vec<_>>>()?;
        let (xs, ys) = chart.plotting_area().get_pixel_range();
        let offsets = place_labels(&at, &sizes, (xs.start, ys.start, xs.end, ys.end));
        for (i, (label, x, dx, y, dy)) in self.points.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let (x, y, dx, dy) = (*x, *y, finite(*dx), finite(*dy));
            chart
                .draw_series([
                    PathElement::new(vec![(x - dx, y), (x + dx, y)], whisker),
                    PathElement::new(vec![(x, y - dy), (x, y + dy)], whisker),
                ])
                .map_err(err)?;
            let leader = leader_end(offsets[i], sizes[i]).map_or(vec![], |end| vec![(0, 0), end]);
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((x, y))
                        + PathElement::new(leader, whisker)
                        + Circle::new((0, 0), MARKER, color.filled())
                        + Text::new(label.clone(), offsets[i], font.clone()),
                ))
                .map_err(err)?;
        }
        root.present().map_err(err)
    }

    pub fn write(&self, dir: &Path, name: &str) -> Result<()> {
        both(dir, name, |a| self.draw(a), |a| self.draw(a))
    }
}

/// A rectangle in pixels: left, top, right, bottom.
type Rect = (i32, i32, i32, i32);

/// Pixels between a point and its label.
const LABEL_GAP: i32 = 8;

/// Radius in pixels of a trade-off chart's point marker.
const MARKER: i32 = 5;

/// Where each point's label goes, as the offset of its top-left corner from
/// the point: of a few places around the point (right, left, above, below),
/// the first that overlaps no label placed before it, no point and nothing
/// outside `area`; failing that, the same places a row farther out (points
/// close together, such as sweep points of similar effect, then keep
/// readable labels, drawn with a line to their point: see [`leader_end`]);
/// failing that, the place that overlaps least.
fn place_labels(points: &[(i32, i32)], sizes: &[(u32, u32)], area: Rect) -> Vec<(i32, i32)> {
    let overlap = |a: Rect, b: Rect| {
        let w = (a.2.min(b.2) - a.0.max(b.0)).max(0);
        let h = (a.3.min(b.3) - a.1.max(b.1)).max(0);
        i64::from(w) * i64::from(h)
    };
    let markers: Vec<Rect> = (points.iter())
        .map(|&(x, y)| (x - MARKER, y - MARKER, x + MARKER, y + MARKER))
        .collect();
    let mut placed: Vec<Rect> = Vec::with_capacity(points.len());
    let mut offsets = Vec::with_capacity(points.len());
    for (&(x, y), &(w, h)) in points.iter().zip(sizes) {
        let (w, h) = (w as i32, h as i32);
        let (g, left) = (LABEL_GAP, -LABEL_GAP - w);
        let candidates = [
            // Next to the point: right, left (above, then below), above, below.
            (g, -h - 2),
            (g, 2),
            (left, -h - 2),
            (left, 2),
            (-w / 2, -h - g),
            (-w / 2, g),
            // One row farther out: above and below those.
            (g, -2 * h - 4),
            (g, h + 4),
            (left, -2 * h - 4),
            (left, h + 4),
            (-w / 2, -3 * h - 6),
            (-w / 2, 2 * h + 6),
        ];
        let cost = |&(dx, dy): &(i32, i32)| {
            let r = (x + dx, y + dy, x + dx + w, y + dy + h);
            let inside = overlap(r, area);
            let outside = i64::from(w) * i64::from(h) - inside;
            let crowded: i64 = (placed.iter().chain(&markers))
                .map(|&o| overlap(r, o))
                .sum();
            // Leaving the plot hides a label: worse than any overlap.
            outside * 1_000 + crowded
        };
        // `min_by_key` keeps the first of equal costs: the preferred place.
        let best = *candidates
            .iter()
            .min_by_key(|c| cost(c))
            .expect("candidates");
        placed.push((x + best.0, y + best.1, x + best.0 + w, y + best.1 + h));
        offsets.push(best);
    }
    offsets
}

/// Where the line from a point to its label ends (relative to the point),
/// for a label placed a row out: the label's nearest corner or edge.
fn leader_end((dx, dy): (i32, i32), (w, h): (u32, u32)) -> Option<(i32, i32)> {
    let end = (0.clamp(dx, dx + w as i32), 0.clamp(dy, dy + h as i32));
    (end.0.abs().max(end.1.abs()) > LABEL_GAP).then_some(end)
}

impl BarChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(err)?;
        let n = self.bars.len().max(1);
        let (y0, y1) = range(
            self.bars
                .iter()
                .map(|(_, v, ci)| v + if ci.is_finite() { *ci } else { 0.0 }),
        );
        let labels: Vec<String> = self.bars.iter().map(|(l, _, _)| l.clone()).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(self.title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..n as f64, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n * 2 + 1)
            .x_label_formatter(&|x| {
                let i = x.floor() as usize;
                if (x - i as f64 - 0.5).abs() < 0.01 {
                    labels.get(i).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .y_label_formatter(&|v| fmt_number(*v))
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(err)?;
        for (i, (_, v, _)) in self.bars.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(i as f64 + 0.15, 0.0), (i as f64 + 0.85, *v)],
                    color.filled(),
                )))
                .map_err(err)?;
        }
        chart
            .draw_series(
                self.bars
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, _, ci))| ci.is_finite())
                    .map(|(i, (_, v, ci))| {
                        ErrorBar::new_vertical(
                            i as f64 + 0.5,
                            v - ci,
                            *v,
                            v + ci,
                            BLACK.stroke_width(2),
                            12,
                        )
                    }),
            )
            .map_err(err)?;
        root.present().map_err(err)
    }

    pub fn write(&self, dir: &Path, name: &str) -> Result<()> {
        both(dir, name, |a| self.draw(a), |a| self.draw(a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plotting area of 700 x 350 pixels and a legend of 120 x 80.
    fn corner(lines: &[Vec<(i32, i32)>]) -> SeriesLabelPosition {
        legend_corner(lines, (120, 80), (700, 350))
    }

    #[test]
    fn the_legend_goes_where_it_covers_no_line() {
        use SeriesLabelPosition::*;
        let flat = |y: i32| vec![(0, y), (350, y), (700, y)];
        // Lines low in the chart: the upper right is free.
        assert!(matches!(corner(&[flat(300), flat(340)]), UpperRight));
        // A line falling from the upper left: still the upper right.
        assert!(matches!(corner(&[vec![(0, 0), (700, 340)]]), UpperRight));
        // A line rising to the upper right: the upper left.
        assert!(matches!(corner(&[vec![(0, 340), (700, 0)]]), UpperLeft));
        // A line along the top: the middle, right side first.
        assert!(matches!(corner(&[flat(40), flat(345)]), MiddleRight));
        // Nothing to cover: the usual place.
        assert!(matches!(corner(&[]), UpperRight));
    }

    #[test]
    fn a_day_axis_spans_the_days_and_a_value_axis_has_headroom() {
        let days = || (0..30).map(f64::from);
        assert_eq!(extent(days()), (0.0, 29.0));
        assert_eq!(extent([3.0].into_iter()), (2.0, 4.0));
        assert_eq!(extent([f64::NAN].into_iter()), (0.0, 1.0));
        let (lo, hi) = range([5.0, 50.0].into_iter());
        assert_eq!(lo, 0.0);
        assert!((hi - 54.0).abs() < 1e-9, "{hi}");
        assert_eq!(range([-2.0, 10.0].into_iter()).0, -2.0);
    }

    const AREA: Rect = (0, 0, 800, 450);

    fn rects(points: &[(i32, i32)], sizes: &[(u32, u32)]) -> Vec<Rect> {
        let offsets = place_labels(points, sizes, AREA);
        (points.iter().zip(sizes).zip(offsets))
            .map(|((&(x, y), &(w, h)), (dx, dy))| {
                (x + dx, y + dy, x + dx + w as i32, y + dy + h as i32)
            })
            .collect()
    }

    fn disjoint(a: Rect, b: Rect) -> bool {
        a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1
    }

    #[test]
    fn a_lone_label_sits_right_of_and_above_its_point() {
        assert_eq!(
            place_labels(&[(400, 200)], &[(60, 12)], AREA),
            vec![(LABEL_GAP, -14)]
        );
    }

    #[test]
    fn labels_of_points_on_top_of_each_other_do_not_overlap() {
        let points = [(300, 200); 4];
        let sizes = [(90, 12), (70, 12), (80, 12), (60, 12)];
        let r = rects(&points, &sizes);
        for i in 0..r.len() {
            for j in i + 1..r.len() {
                assert!(
                    disjoint(r[i], r[j]),
                    "labels {i} and {j}: {:?} {:?}",
                    r[i],
                    r[j]
                );
            }
        }
    }

    #[test]
    fn a_crowded_label_moves_out_with_a_line_to_its_point() {
        // Eight points on top of each other: four labels fill the places
        // right and left of the point (those above and below overlap them),
        // the other four go a row farther out, each with a leader line.
        let points = [(300, 200); 8];
        let sizes = [(50, 12); 8];
        let r = rects(&points, &sizes);
        for i in 0..r.len() {
            for j in i + 1..r.len() {
                assert!(disjoint(r[i], r[j]), "labels {i} and {j}: {r:?}");
            }
        }
        let offsets = place_labels(&points, &sizes, AREA);
        let leaders: Vec<bool> = (offsets.iter().zip(&sizes))
            .map(|(&o, &s)| leader_end(o, s).is_some())
            .collect();
        assert_eq!(
            leaders,
            [false, false, false, false, true, true, true, true],
            "{offsets:?}"
        );
        // A line ends on its label's edge.
        let (dx, dy) = offsets[7];
        let end = leader_end(offsets[7], sizes[7]).unwrap();
        assert!((dx..=dx + 50).contains(&end.0) && (dy..=dy + 12).contains(&end.1));
    }

    #[test]
    fn a_label_at_the_right_edge_goes_left_of_its_point() {
        let r = rects(&[(795, 200)], &[(80, 12)]);
        assert!(r[0].2 <= 800 && r[0].0 >= 0, "{:?}", r[0]);
    }
}
