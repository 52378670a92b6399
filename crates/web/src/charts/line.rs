//! Trend chart: a few series over the same periods, each with its own dash pattern and marker
//! shape (so they tell apart without colour), every point's value printed above it.

use super::{empty, esc, nice_max, num, open};

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

const W: u32 = 640;
const H: u32 = 240;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 36.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 48.0;
const DASHES: [&str; 3] = ["", "6 4", "2 3"];

/// Series over `periods` (x labels). Series shorter than the periods stop early.
pub fn line_chart(label: &str, periods: &[String], series: &[Series], empty_note: &str) -> String {
    if periods.is_empty() || series.iter().all(|s| s.values.is_empty()) {
        return empty(W, label, empty_note, "trend");
    }
    let max = nice_max(
        series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .fold(0.0, f64::max),
    );
    let plot_w = f64::from(W) - LEFT - RIGHT;
    let plot_h = f64::from(H) - TOP - BOTTOM;
    let step = if periods.len() > 1 {
        plot_w / (periods.len() - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| {
        if periods.len() > 1 {
            LEFT + i as f64 * step
        } else {
            LEFT + plot_w / 2.0
        }
    };
    let y = |v: f64| TOP + plot_h - (v.max(0.0) / max) * plot_h;
    let mut out = open(W, H, label, "trend");
    // Axis and its two labels (zero and the maximum).
    out.push_str(&format!(
        "<g class=\"axis\"><line x1=\"{LEFT}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\"/><line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{0:.1}\"/><text x=\"{2:.1}\" y=\"{0:.1}\" text-anchor=\"end\">0</text><text x=\"{2:.1}\" y=\"{3:.1}\" text-anchor=\"end\">{4}</text></g>",
        TOP + plot_h,
        LEFT + plot_w,
        LEFT - 4.0,
        TOP + 4.0,
        num(max)
    ));
    for (i, p) in periods.iter().enumerate() {
        out.push_str(&format!(
            "<text class=\"period\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x(i),
            TOP + plot_h + 16.0,
            esc(p)
        ));
    }
    for (k, s) in series.iter().enumerate() {
        let pts: Vec<String> = s
            .values
            .iter()
            .take(periods.len())
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        let dash = DASHES[k % DASHES.len()];
        let dash_attr = if dash.is_empty() {
            String::new()
        } else {
            format!(" stroke-dasharray=\"{dash}\"")
        };
        out.push_str(&format!(
            "<g class=\"series s{k}\"><title>{}</title><polyline points=\"{}\"{dash_attr}/>",
            esc(&s.name),
            pts.join(" ")
        ));
        for (i, v) in s.values.iter().take(periods.len()).enumerate() {
            let (px, py) = (x(i), y(*v));
            let marker = match k % 3 {
                0 => format!("<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"3.5\"/>"),
                1 => format!(
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"7\" height=\"7\"/>",
                    px - 3.5,
                    py - 3.5
                ),
                _ => format!(
                    "<path d=\"M{px:.1} {:.1} L{:.1} {:.1} L{:.1} {:.1} Z\"/>",
                    py - 4.5,
                    px + 4.5,
                    py + 3.5,
                    px - 4.5,
                    py + 3.5
                ),
            };
            // Zeros sit on the axis, which says so; printing them would stack up unreadably.
            let label = if *v == 0.0 {
                String::new()
            } else {
                format!(
                    "<text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                    py - 7.0 - 10.0 * k as f64,
                    num(*v)
                )
            };
            out.push_str(&format!(
                "<g class=\"point\"><title>{}</title>{marker}{label}</g>",
                esc(&format!("{} {}: {}", s.name, periods[i], num(*v))),
            ));
        }
        out.push_str("</g>");
    }
    // Legend: name with its line pattern, printed at the bottom.
    let mut lx = LEFT;
    for (k, s) in series.iter().enumerate() {
        let dash = DASHES[k % DASHES.len()];
        let dash_attr = if dash.is_empty() {
            String::new()
        } else {
            format!(" stroke-dasharray=\"{dash}\"")
        };
        let ly = f64::from(H) - 10.0;
        out.push_str(&format!(
            "<g class=\"legend s{k}\"><line x1=\"{lx:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"{dash_attr}/><text x=\"{:.1}\" y=\"{ly:.1}\">{}</text></g>",
            ly - 4.0,
            lx + 24.0,
            ly - 4.0,
            lx + 28.0,
            esc(&s.name)
        ));
        lx += 40.0 + 8.0 * s.name.chars().count() as f64;
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn periods(n: usize) -> Vec<String> {
        (1..=n).map(|m| format!("2026-{m:02}")).collect()
    }

    #[test]
    fn points_scale_and_print_their_values() {
        let svg = line_chart(
            "趋势",
            &periods(3),
            &[Series {
                name: "发现".into(),
                values: vec![0.0, 5.0, 10.0],
            }],
            "",
        );
        let pts = svg
            .split("points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let plot_h = f64::from(H) - TOP - BOTTOM;
        let ys: Vec<f64> = pts
            .split(' ')
            .map(|p| p.split(',').nth(1).unwrap().parse().unwrap())
            .collect();
        assert_eq!(ys, [TOP + plot_h, TOP + plot_h / 2.0, TOP]);
        assert!(svg.contains("<title>发现 2026-02: 5</title>"));
        assert!(svg.contains(">10</text>"), "max printed");
        assert!(
            svg.contains("<title>发现 2026-01: 0</title>"),
            "zero in the hover text"
        );
        assert_eq!(svg.matches("<circle").count(), 3);
    }

    #[test]
    fn series_differ_without_colour() {
        let s = |n: &str| Series {
            name: n.into(),
            values: vec![1.0, 2.0],
        };
        let svg = line_chart("t", &periods(2), &[s("a"), s("b"), s("c")], "");
        assert!(
            svg.contains("stroke-dasharray=\"6 4\"") && svg.contains("stroke-dasharray=\"2 3\"")
        );
        assert!(
            svg.contains("<rect") && svg.contains("<path"),
            "three marker shapes"
        );
    }

    #[test]
    fn empty_and_escaped() {
        assert!(line_chart("t", &[], &[], "暂无").contains("暂无"));
        let svg = line_chart(
            "t",
            &["<m>".into()],
            &[Series {
                name: "x&y".into(),
                values: vec![1.0],
            }],
            "",
        );
        assert!(svg.contains("&lt;m&gt;") && svg.contains("x&amp;y") && !svg.contains("<m>"));
    }
}
