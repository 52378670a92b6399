//! Charts drawn on the server as inline SVG: no script, no network, nothing to load.
//!
//! Every mark carries a `<title>` (hover text) and, when it has one, a link for drill-down;
//! every value is also printed as text beside its mark, so a chart reads the same on paper in
//! black and white (colour never carries meaning alone). Texts are XML-escaped here; callers
//! pass plain strings.

mod bar;
mod line;
mod tiles;

pub use bar::{Bar, bar_chart};
pub use line::{Series, line_chart};
pub use tiles::{Tile, tile_map};

/// Escapes text for SVG/XML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A "nice" upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten, at least `max`.
pub fn nice_max(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(max.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * mag >= max {
            return m * mag;
        }
    }
    10.0 * mag
}

/// A number as it is printed on a chart: integers without decimals, others with up to two.
pub fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// Wraps a mark in a link when it has one.
fn linked(href: Option<&str>, inner: String) -> String {
    match href {
        Some(h) => format!("<a href=\"{}\">{inner}</a>", esc(h)),
        None => inner,
    }
}

/// The opening tag of a chart: sized by its view box, scaling to its container, labelled.
fn open(w: u32, h: u32, label: &str, class: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart {class}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{0}\"><title>{0}</title>",
        esc(label)
    )
}

/// What an empty chart shows instead of marks.
fn empty(w: u32, label: &str, note: &str, class: &str) -> String {
    format!(
        "{}<text x=\"{}\" y=\"28\" text-anchor=\"middle\" class=\"empty\">{}</text></svg>",
        open(w, 48, label, class),
        w / 2,
        esc(note)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn nice_bounds() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(10.0), 10.0);
        assert_eq!(nice_max(11.0), 20.0);
        assert_eq!(nice_max(230.0), 250.0);
        assert_eq!(nice_max(0.3), 0.5);
        assert_eq!(nice_max(f64::NAN), 1.0);
    }

    #[test]
    fn numbers() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(0.126), "0.13");
        assert_eq!(num(2.5), "2.5");
    }
}
