//! The trajectory's map-like SVG: the lead officer's GPS track as a polyline, the steps' places
//! as numbered marks (dashed to the nearest fix), the case's place, and a scale bar in metres.
//! Longitude and latitude are projected equirectangularly around the box's centre — at a
//! case's few kilometres the distortion is far below what the marks can show.

use crate::charts::esc;
use qinglian_enforce::Trajectory;

const W: f64 = 720.0;
const H: f64 = 440.0;
const PAD: f64 = 28.0;
/// Metres per degree of latitude (mean).
const M_PER_DEG: f64 = 111_320.0;

struct Proj {
    lon0: f64,
    lat0: f64,
    /// Pixels per metre.
    scale: f64,
    cos: f64,
}

impl Proj {
    fn new(points: &[(f64, f64)]) -> Option<Proj> {
        let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(lon, lat) in points {
            x0 = x0.min(lon);
            x1 = x1.max(lon);
            y0 = y0.min(lat);
            y1 = y1.max(lat);
        }
        if points.is_empty() {
            return None;
        }
        let (lon0, lat0) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let cos = lat0.to_radians().cos();
        let (wm, hm) = (
            ((x1 - x0) * M_PER_DEG * cos).max(200.0),
            ((y1 - y0) * M_PER_DEG).max(200.0),
        );
        let scale = ((W - 2.0 * PAD) / wm).min((H - 2.0 * PAD) / hm);
        Some(Proj {
            lon0,
            lat0,
            scale,
            cos,
        })
    }

    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            W / 2.0 + (lon - self.lon0) * M_PER_DEG * self.cos * self.scale,
            H / 2.0 - (lat - self.lat0) * M_PER_DEG * self.scale,
        )
    }
}

/// The largest 1, 2 or 5 × 10ⁿ metres not wider than a quarter of the box.
fn scale_bar_m(px_per_m: f64) -> f64 {
    let max = (W / 4.0) / px_per_m;
    let mut best = 1.0;
    let mut p = 1.0;
    while p <= max {
        for k in [1.0, 2.0, 5.0] {
            if k * p <= max {
                best = k * p;
            }
        }
        p *= 10.0;
    }
    best
}

/// The SVG, or `None` when nothing has coordinates.
pub(super) fn trajectory_svg(t: &Trajectory) -> Option<String> {
    let mut pts: Vec<(f64, f64)> = t.track.iter().map(|p| (p.longitude, p.latitude)).collect();
    for e in &t.events {
        if let (Some(lon), Some(lat)) = (e.longitude, e.latitude) {
            pts.push((lon, lat));
        }
        if let Some(f) = &e.nearest_fix {
            pts.push((f.longitude, f.latitude));
        }
    }
    if let (Some(lon), Some(lat)) = (t.case.longitude, t.case.latitude) {
        pts.push((lon, lat));
    }
    let pr = Proj::new(&pts)?;
    let mut s = format!(
        r##"<svg class="chart map" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img"><title>办案轨迹 / trajectory</title><rect x="0" y="0" width="{W}" height="{H}" fill="#f6f7f9" stroke="#ccd"/>"##
    );
    if !t.track.is_empty() {
        let line: Vec<String> = t
            .track
            .iter()
            .map(|p| {
                let (x, y) = pr.xy(p.longitude, p.latitude);
                format!("{x:.1},{y:.1}")
            })
            .collect();
        s.push_str(&format!(
            r##"<polyline class="track" points="{}" fill="none" stroke="#3b6fb6" stroke-width="2"><title>{}</title></polyline>"##,
            line.join(" "),
            esc(&format!(
                "GPS 轨迹 / track: {} 点 points, {} – {}",
                t.track.len(),
                t.from.text(),
                t.to.text()
            ))
        ));
        for (p, label) in [(t.track.first(), "起 start"), (t.track.last(), "止 end")] {
            if let Some(p) = p {
                let (x, y) = pr.xy(p.longitude, p.latitude);
                s.push_str(&format!(
                    r##"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="#3b6fb6"><title>{}</title></circle>"##,
                    esc(&format!("{label} {}", p.at.text()))
                ));
            }
        }
    }
    if let (Some(lon), Some(lat)) = (t.case.longitude, t.case.latitude) {
        let (x, y) = pr.xy(lon, lat);
        s.push_str(&format!(
            r##"<rect x="{:.1}" y="{:.1}" width="10" height="10" fill="none" stroke="#333" stroke-width="2"><title>{}</title></rect>"##,
            x - 5.0,
            y - 5.0,
            esc(&format!(
                "案发地 / case place: {}",
                t.case.place.as_deref().unwrap_or("-")
            ))
        ));
    }
    for (i, e) in t.events.iter().enumerate() {
        let (Some(lon), Some(lat)) = (e.longitude, e.latitude) else {
            continue;
        };
        let (x, y) = pr.xy(lon, lat);
        let n = i + 1;
        let mut title = format!(
            "{n}. {} / {} · {} · {}",
            e.step_zh,
            e.step,
            e.at.text(),
            e.place.as_deref().unwrap_or("-")
        );
        if let Some(f) = &e.nearest_fix {
            let (fx, fy) = pr.xy(f.longitude, f.latitude);
            title.push_str(&format!(
                " · 距最近定位 / to nearest fix {} ({} s)",
                super::metres(f.distance_m),
                f.seconds_apart
            ));
            s.push_str(&format!(
                r##"<line x1="{x:.1}" y1="{y:.1}" x2="{fx:.1}" y2="{fy:.1}" stroke="#b23" stroke-dasharray="4 3"><title>{}</title></line>"##,
                esc(&super::metres(f.distance_m))
            ));
        }
        s.push_str(&format!(
            r##"<g class="event"><title>{}</title><circle cx="{x:.1}" cy="{y:.1}" r="9" fill="#b23"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="10" fill="#fff">{n}</text></g>"##,
            esc(&title),
            y + 3.5
        ));
    }
    let bar = scale_bar_m(pr.scale);
    let px = bar * pr.scale;
    let (bx, by) = (PAD, H - 12.0);
    s.push_str(&format!(
        r##"<g class="scale"><line x1="{bx}" y1="{by}" x2="{:.1}" y2="{by}" stroke="#333" stroke-width="2"/><line x1="{bx}" y1="{:.0}" x2="{bx}" y2="{by}" stroke="#333"/><line x1="{:.1}" y1="{:.0}" x2="{:.1}" y2="{by}" stroke="#333"/><text x="{:.1}" y="{:.0}" font-size="11">{}</text></g>"##,
        bx + px,
        by - 5.0,
        bx + px,
        by - 5.0,
        bx + px,
        bx + px + 6.0,
        by + 4.0,
        esc(&super::metres(bar))
    ));
    s.push_str("</svg>");
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_bar_is_a_round_number_inside_a_quarter() {
        // 0.1 px per metre: a quarter of 720 px is 1800 m, so 1 km.
        assert_eq!(scale_bar_m(0.1), 1000.0);
        assert_eq!(scale_bar_m(1.0), 100.0);
        assert_eq!(scale_bar_m(0.05), 2000.0);
    }

    #[test]
    fn projection_keeps_metres_square() {
        let pr = Proj::new(&[(120.0, 30.0), (120.01, 30.01)]).unwrap();
        let (x0, y0) = pr.xy(120.0, 30.0);
        let (x1, _) = pr.xy(120.01, 30.0);
        let (_, y1) = pr.xy(120.0, 30.01);
        let east = (x1 - x0) / pr.scale;
        let north = (y0 - y1) / pr.scale;
        let want = qinglian_enforce::haversine_m(120.0, 30.0, 120.01, 30.0);
        assert!((east - want).abs() / want < 0.01, "{east} vs {want}");
        assert!((north - 1113.2).abs() < 1.0, "{north}");
        assert!(x0 >= PAD && x1 <= W - PAD + 0.1);
    }
}
