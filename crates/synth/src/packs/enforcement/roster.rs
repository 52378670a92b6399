//! Squads (中队) named after townships, and their officers as new registry people with a post
//! at the county's 综合行政执法局.

use super::*;
use crate::ids;

/// Grid spacing and half-width of a squad's street grid, in metres.
pub(super) const BLOCK: i64 = 300;
pub(super) const HALF: i64 = 6;
/// Squads per county and officers per squad (sworn, auxiliary).
const MAX_SQUADS: usize = 6;
const SWORN: usize = 4;
const AUXILIARY: usize = 2;

impl County<'_> {
    pub(super) fn roster(&mut self) {
        let code = self.code.clone();
        let towns: Vec<(String, String, f64, f64)> = self
            .reg
            .divisions
            .iter()
            .filter(|d| d.code.len() == 9 && d.code.starts_with(&code))
            .map(|d| (d.code.clone(), d.name.clone(), d.longitude, d.latitude))
            .take(MAX_SQUADS)
            .collect();
        let prefix = format!("P{code}-");
        let mut next_person = self
            .reg
            .people
            .iter()
            .filter(|p| p.person_id.starts_with(&prefix))
            .count();
        let post_prefix = format!("PT{code}-");
        let mut next_post = self
            .reg
            .posts
            .iter()
            .filter(|p| p.post_id.starts_with(&post_prefix))
            .count();
        for (s, (town, town_name, lon, lat)) in towns.into_iter().enumerate() {
            let stem = town_name
                .trim_end_matches("街道")
                .trim_end_matches('镇')
                .trim_end_matches('乡')
                .to_owned();
            let squad_id = format!("ZD{code}-{:02}", s + 1);
            let mut used = HashSet::new();
            let mut road = |rng: &mut ChaCha8Rng, suffix: &str| loop {
                let name = format!("{}{suffix}", names::place_stem(rng));
                if used.insert(name.clone()) {
                    break name;
                }
            };
            let n = (2 * HALF + 1) as usize;
            let ew = (0..n).map(|_| road(&mut self.rng, "路")).collect();
            let ns = (0..n).map(|_| road(&mut self.rng, "街")).collect();
            self.squads.push(SquadCtx {
                id: squad_id.clone(),
                town: town.clone(),
                town_name: town_name.clone(),
                plane: Plane { lon, lat },
                ew,
                ns,
                officers: Vec::new(),
            });
            self.out.squads.push(Squad {
                squad_id: squad_id.clone(),
                unit_id: self.unit_id.clone(),
                name: format!("{stem}中队"),
                division_code: town.clone(),
                longitude: lon,
                latitude: lat,
                commander: None,
            });
            for k in 0..SWORN + AUXILIARY {
                let sworn = k < SWORN;
                let male = self.rng.random_bool(if sworn { 0.8 } else { 0.6 });
                let name = names::person_name(&mut self.rng, male);
                let birth = ymd(
                    self.rng
                        .random_range(if sworn { 1968 } else { 1980 }..=2000),
                    self.rng.random_range(1..=12),
                    self.rng.random_range(1..=28),
                );
                let citizen_id = loop {
                    let id = ids::citizen_id(&mut self.rng, &code, birth, male);
                    if self.citizen_ids.insert(id.clone()) {
                        break id;
                    }
                };
                next_person += 1;
                let person_id = format!("P{code}-{next_person:06}");
                self.new_people.push(Person {
                    person_id: person_id.clone(),
                    name,
                    citizen_id,
                    gender: if male { Gender::Male } else { Gender::Female },
                    division_code: town.clone(),
                    unit_id: Some(self.unit_id.clone()),
                });
                let start = ymd(
                    self.rng.random_range(2008..=2024),
                    self.rng.random_range(1..=12),
                    1,
                );
                let title = match (k, sworn) {
                    (0, _) => "中队长",
                    (_, true) => "执法队员",
                    _ => "执法辅助人员",
                };
                next_post += 1;
                self.new_posts.push(Post {
                    post_id: format!("PT{code}-{next_post:06}"),
                    unit_id: self.unit_id.clone(),
                    person_id: person_id.clone(),
                    title: title.to_owned(),
                    key_area: None,
                    is_head: false,
                    start_date: start,
                    end_date: None,
                });
                let o = self.officers.len();
                let officer_id = format!("ZF{code}-{:03}", o + 1);
                let badge =
                    sworn.then(|| format!("{code}{:05}", self.rng.random_range(10000..99999)));
                if k == 0 {
                    self.out.squads[s].commander = Some(person_id.clone());
                }
                self.out.officers.push(Officer {
                    officer_id: officer_id.clone(),
                    person_id,
                    squad_id: squad_id.clone(),
                    unit_id: self.unit_id.clone(),
                    badge_no: badge,
                    sworn,
                    start_date: start,
                    end_date: None,
                });
                self.squads[s].officers.push(o);
                self.officers.push(OfficerCtx {
                    id: officer_id,
                    squad: s,
                    sworn,
                    start,
                    rota: k as i64 * 3 % 7,
                    diligence: 0.0,
                    insp_acc: 0.0,
                    abnormal: 0.0,
                    abn_acc: 0.0,
                    led: 0,
                    lead_cap: None,
                    leave: None,
                    idle_months: Vec::new(),
                    at_min: 0.0,
                    min_acc: 0.0,
                    min_step: false,
                });
            }
        }
        // Even spreads (uniform, never by chance in a tail): inspections per stop, the share of
        // abnormal closures and the share of fines at the minimum (1 %–16 %: LE-S06's fence then
        // sits near 23 %, above the widest background share plus a plant's single fine).
        let n = self.officers.len();
        for (i, o) in self.officers.iter_mut().enumerate() {
            let f = (i * 7 % n) as f64 / n as f64;
            o.diligence = 0.45 + 0.35 * f;
            let g = (i * 11 % n) as f64 / n as f64;
            o.abnormal = 0.03 + 0.07 * g;
            o.insp_acc = f;
            o.abn_acc = g;
            let h = (i * 5 % n) as f64 / n as f64;
            o.at_min = 0.01 + 0.15 * h;
            o.min_acc = h;
        }
    }

    /// Whether officer `o` works on `d` (in service, not on a rest day or leave).
    pub(super) fn on_duty(&self, o: usize, d: NaiveDate) -> bool {
        let x = &self.officers[o];
        let day = i64::from(d.ordinal0());
        x.start <= d && (day + x.rota) % 7 >= 2 && x.leave.is_none_or(|(a, b)| d < a || d > b)
    }
}
