//! Horizontal bar chart: one labelled bar per row, its value printed at its end.

use super::{empty, esc, linked, nice_max, num, open};

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// How the value is printed (e.g. `12.50 元`); defaults to the number.
    pub value_text: Option<String>,
    /// Drill-down link of the bar.
    pub href: Option<String>,
    /// Hover text; defaults to "label: value".
    pub title: Option<String>,
}

const W: u32 = 640;
const LABEL_W: f64 = 170.0;
const VALUE_W: f64 = 110.0;
const ROW: f64 = 26.0;
const BAR: f64 = 16.0;

/// Bars scaled to a nice maximum of the values (negative values draw as zero length).
pub fn bar_chart(label: &str, bars: &[Bar], empty_note: &str) -> String {
    if bars.is_empty() {
        return empty(W, label, empty_note, "bars");
    }
    let max = nice_max(bars.iter().map(|b| b.value).fold(0.0, f64::max));
    let span = f64::from(W) - LABEL_W - VALUE_W;
    let h = (bars.len() as f64 * ROW + 8.0).ceil() as u32;
    let mut out = open(W, h, label, "bars");
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + i as f64 * ROW;
        let len = (b.value.max(0.0) / max * span).max(0.0);
        let text = b.value_text.clone().unwrap_or_else(|| num(b.value));
        let title = b
            .title
            .clone()
            .unwrap_or_else(|| format!("{}: {text}", b.label));
        let mark = format!(
            "<g class=\"bar\"><title>{}</title><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" class=\"label\">{}</text><rect x=\"{LABEL_W}\" y=\"{y:.1}\" width=\"{len:.1}\" height=\"{BAR}\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"value\">{}</text></g>",
            esc(&title),
            LABEL_W - 6.0,
            y + BAR - 3.0,
            esc(&b.label),
            LABEL_W + len + 6.0,
            y + BAR - 3.0,
            esc(&text),
        );
        out.push_str(&linked(b.href.as_deref(), mark));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: f64, href: Option<&str>) -> Bar {
        Bar {
            label: label.into(),
            value,
            value_text: None,
            href: href.map(Into::into),
            title: None,
        }
    }

    /// The `width` attributes of the bars, in order.
    fn widths(svg: &str) -> Vec<f64> {
        svg.split("<rect ")
            .skip(1)
            .map(|r| {
                r.split("width=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn scales_to_a_nice_maximum() {
        let svg = bar_chart(
            "图",
            &[
                bar("甲", 5.0, None),
                bar("乙", 10.0, None),
                bar("丙", 0.0, None),
            ],
            "无",
        );
        let w = widths(&svg);
        let span = f64::from(W) - LABEL_W - VALUE_W;
        assert_eq!(w, [span / 2.0, span, 0.0]);
        assert!(
            svg.contains(">5</text>") && svg.contains(">10</text>"),
            "values as text"
        );
        assert!(svg.contains("<title>甲: 5</title>"));
    }

    #[test]
    fn escapes_and_links() {
        let svg = bar_chart(
            "a<b",
            &[Bar {
                value_text: Some("1 元".into()),
                ..bar("<script>", 1.0, Some("/divisions/330106?x=1&y=2"))
            }],
            "",
        );
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains("aria-label=\"a&lt;b\""));
        assert!(svg.contains("<a href=\"/divisions/330106?x=1&amp;y=2\">"));
        assert!(svg.contains(">1 元</text>"));
    }

    #[test]
    fn empty_data_says_so() {
        let svg = bar_chart("图", &[], "暂无数据 / no data");
        assert!(svg.contains("暂无数据 / no data"));
        assert!(!svg.contains("<rect"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }
}
