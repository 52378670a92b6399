//! A "map-like" tile grid of divisions: one square per division in code order (neighbouring
//! codes are mostly neighbouring places), shaded by risk band, each with its name and score
//! as text and a link to the division's page. The band is also written on the tile (a letter
//! and a pattern), so the map reads in black and white.

use super::{empty, esc, linked, open};

#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    pub code: String,
    pub name: String,
    pub score: i64,
    pub href: Option<String>,
    /// Hover text (the figures behind the score).
    pub title: String,
}

const SIZE: f64 = 96.0;
const GAP: f64 = 6.0;
const COLS: usize = 6;

/// Risk band 0–3 of a score against the highest score on the map: none, low, medium, high.
pub fn band(score: i64, max: i64) -> usize {
    if score <= 0 || max <= 0 {
        0
    } else if score * 3 <= max {
        1
    } else if score * 3 <= max * 2 {
        2
    } else {
        3
    }
}

/// The printed mark of a band (risk-free tiles print nothing extra).
pub const BAND_MARK: [&str; 4] = ["", "▪", "▪▪", "▪▪▪"];

/// The grid, `COLS` tiles a row.
pub fn tile_map(label: &str, tiles: &[Tile], empty_note: &str) -> String {
    if tiles.is_empty() {
        return empty(640, label, empty_note, "tilemap");
    }
    let cols = tiles.len().min(COLS);
    let rows = tiles.len().div_ceil(COLS);
    let w = (cols as f64 * (SIZE + GAP) + GAP) as u32;
    let h = (rows as f64 * (SIZE + GAP) + GAP) as u32;
    let max = tiles.iter().map(|t| t.score).max().unwrap_or(0);
    let mut out = open(w, h, label, "tilemap");
    for (i, t) in tiles.iter().enumerate() {
        let x = GAP + (i % COLS) as f64 * (SIZE + GAP);
        let y = GAP + (i / COLS) as f64 * (SIZE + GAP);
        let b = band(t.score, max);
        // The tile holds six characters; a parenthesised gloss is left to the hover text.
        let short = t.name.split(" (").next().unwrap_or(&t.name);
        let name: String = short.chars().take(6).collect();
        let mark = format!(
            "<g class=\"tile band{b}\"><title>{}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{SIZE}\" height=\"{SIZE}\" rx=\"4\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"name\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"score\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"mark\">{}</text></g>",
            esc(&t.title),
            x + SIZE / 2.0,
            y + 26.0,
            esc(&name),
            x + SIZE / 2.0,
            y + 56.0,
            t.score,
            x + SIZE / 2.0,
            y + 80.0,
            BAND_MARK[b],
        );
        out.push_str(&linked(t.href.as_deref(), mark));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tile(code: &str, score: i64) -> Tile {
        Tile {
            code: code.into(),
            name: format!("区{code}"),
            score,
            href: Some(format!("/divisions/{code}")),
            title: format!("{code}: {score}"),
        }
    }

    #[test]
    fn bands_are_relative_to_the_top_score() {
        assert_eq!(band(0, 9), 0);
        assert_eq!(band(3, 9), 1);
        assert_eq!(band(6, 9), 2);
        assert_eq!(band(9, 9), 3);
        assert_eq!(band(5, 0), 0);
    }

    #[test]
    fn tiles_link_and_print_scores() {
        let tiles: Vec<Tile> = (0..8).map(|i| tile(&format!("33010{i}"), i)).collect();
        let svg = tile_map("地图", &tiles, "");
        assert_eq!(svg.matches("<a href=\"/divisions/").count(), 8);
        assert!(svg.contains("<title>330107: 7</title>"));
        assert!(svg.contains("class=\"tile band3\"") && svg.contains("class=\"tile band0\""));
        assert!(svg.contains(">7</text>"), "score as text");
        let mut own = tile("330106", 1);
        own.name = "本级 (itself)".into();
        assert!(
            tile_map("m", &[own], "").contains(">本级</text>"),
            "gloss left to the title"
        );
        // Two rows of six columns.
        assert!(svg.contains(&format!(
            "viewBox=\"0 0 {} {}\"",
            (6.0 * (SIZE + GAP) + GAP) as u32,
            (2.0 * (SIZE + GAP) + GAP) as u32
        )));
    }

    #[test]
    fn empty_and_escaped() {
        assert!(tile_map("m", &[], "无下级区划").contains("无下级区划"));
        let mut t = tile("1", 1);
        t.name = "<x>".into();
        t.title = "\"q\"".into();
        let svg = tile_map("m", &[t], "");
        assert!(svg.contains("&lt;x&gt;") && svg.contains("&quot;q&quot;") && !svg.contains("<x>"));
    }
}
