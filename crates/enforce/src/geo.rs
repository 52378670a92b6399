//! Distances on the WGS-84 ellipsoid, approximated by a sphere: at the scale of a patrol (metres
//! to tens of kilometres) the haversine formula is within 0.5 % of the ellipsoidal distance.

const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two (longitude, latitude) points in degrees.
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_distances() {
        assert_eq!(haversine_m(120.0, 30.0, 120.0, 30.0), 0.0);
        // One degree of latitude is about 111.2 km.
        let d = haversine_m(120.0, 30.0, 120.0, 31.0);
        assert!((d - 111_195.0).abs() < 50.0, "{d}");
        // One degree of longitude at 30° N is about 96.3 km.
        let d = haversine_m(120.0, 30.0, 121.0, 30.0);
        assert!((d - 96_297.0).abs() < 100.0, "{d}");
    }
}
