//! Generated avatars: a coloured disc with the first character of the (masked) name, or the
//! initials of the officer id when the name is unknown. No photos; the colour comes from a
//! hash of the officer id, so an officer keeps the same colour on every page.

use crate::charts::esc;
use sha2::{Digest, Sha256};

/// Hue 0–359 from the officer id.
pub(super) fn hue(officer_id: &str) -> u16 {
    let d = Sha256::digest(officer_id.as_bytes());
    u16::from_be_bytes([d[0], d[1]]) % 360
}

/// The character(s) drawn on the disc: the name's first character (a masked name keeps its
/// first one), else the id's first two letters or digits.
pub(super) fn glyph(name: Option<&str>, officer_id: &str) -> String {
    if let Some(c) = name.and_then(|n| n.trim().chars().find(|c| *c != '*')) {
        return c.to_string();
    }
    officer_id
        .chars()
        .filter(|c| c.is_alphanumeric())
        .take(2)
        .collect::<String>()
        .to_uppercase()
}

/// One avatar at (`x`, `y`) (centre), radius `r`, with its hover title and link.
pub(super) fn avatar_svg(
    x: f64,
    y: f64,
    r: f64,
    officer_id: &str,
    name: Option<&str>,
    title: &str,
    href: &str,
) -> String {
    let g = glyph(name, officer_id);
    // Lightness 38% keeps white text readable on every hue.
    format!(
        r##"<a href="{href}" class="avatar"><title>{title}</title><circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="hsl({h},55%,38%)"/><text x="{x:.1}" y="{ty:.1}" text-anchor="middle" font-size="{fs:.0}" fill="#fff">{g}</text></a>"##,
        href = esc(href),
        title = esc(title),
        h = hue(officer_id),
        ty = y + r * 0.36,
        fs = if g.chars().count() > 1 { r * 0.8 } else { r },
        g = esc(&g),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyph_and_colour_come_from_the_officer() {
        assert_eq!(glyph(Some("张*丰"), "ZF1"), "张");
        assert_eq!(glyph(Some("*"), "zf-330106"), "ZF");
        assert_eq!(glyph(None, "ZF330106-028"), "ZF");
        assert_eq!(hue("ZF330106-028"), hue("ZF330106-028"));
        assert!(hue("a") < 360);
        let s = avatar_svg(10.0, 10.0, 8.0, "O1", Some("<王>"), "t&", "/x?a=1&b=2");
        assert!(s.contains("&lt;") && s.contains("t&amp;") && s.contains("a=1&amp;b=2"));
        assert!(!s.contains("style="), "no inline styles (CSP)");
    }
}
