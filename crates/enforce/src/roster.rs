//! The roster (执法队伍): squads with their unit and officers, names from the registry's
//! `people` dataset in the lake. Small tables, read whole.

use crate::scan::{self, Files, Scan, opt_f64, opt_str};
use arrow_array::Array;
use chrono::{Days, NaiveDate};
use qinglian_core::Msg;
use qinglian_lake::Lake;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Serialize)]
pub struct Officer {
    pub officer_id: String,
    pub person_id: String,
    /// From the registry (`people`); personal data, shown masked unless the view is recorded.
    pub name: Option<String>,
    pub squad_id: String,
    pub unit_id: String,
    pub badge_no: Option<String>,
    /// `officer` (执法人员) or `auxiliary` (协管辅助人员).
    pub status: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
}

impl Officer {
    /// Whether the officer served on any day of `[first, last]`.
    pub fn serves(&self, first: NaiveDate, last: NaiveDate) -> bool {
        self.start_date <= last && self.end_date.is_none_or(|e| e >= first)
    }

    pub fn status_zh(&self) -> &'static str {
        if self.status == "auxiliary" {
            "协管辅助人员"
        } else {
            "执法人员"
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Squad {
    pub squad_id: String,
    pub name: String,
    pub unit_id: String,
    pub unit_name: Option<String>,
    pub division_code: String,
    pub base_longitude: Option<f64>,
    pub base_latitude: Option<f64>,
    pub commander_person_id: Option<String>,
    pub commander_name: Option<String>,
    /// Officer ids, sorted.
    pub officers: Vec<String>,
}

/// Squads and officers as the lake holds them now.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Roster {
    /// Sorted by id.
    pub squads: Vec<Squad>,
    /// Sorted by id.
    pub officers: Vec<Officer>,
    #[serde(skip)]
    by_officer: HashMap<String, usize>,
    #[serde(skip)]
    by_squad: HashMap<String, usize>,
}

fn day(d: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch") + Days::new(d as u64)
}

impl Roster {
    /// Changes exactly when what [`Roster::load`] reads changes (the four datasets' snapshots).
    pub fn snapshot_key(lake: &Lake) -> Result<String, Msg> {
        let mut key = String::new();
        for d in ["le_squads", "le_officers", "people", "units"] {
            key.push_str(&lake.snapshot(d).map_err(scan::lake_err)?.hash);
        }
        Ok(key)
    }

    pub fn load(lake: &Lake) -> Result<Roster, Msg> {
        let squads_f = Files::open(lake, "le_squads")?;
        let officers_f = Files::open(lake, "le_officers")?;
        let mut squads: Vec<Squad> = squads_f
            .scan(
                &Scan {
                    columns: vec![
                        "squad_id",
                        "unit_id",
                        "name",
                        "division_code",
                        "base_longitude",
                        "base_latitude",
                        "commander_person_id",
                    ],
                    ..Default::default()
                },
                |b| {
                    let (id, unit, name, div) = (
                        scan::strs(b, "squad_id")?,
                        scan::strs(b, "unit_id")?,
                        scan::strs(b, "name")?,
                        scan::strs(b, "division_code")?,
                    );
                    let (lon, lat) = (
                        scan::f64s(b, "base_longitude")?,
                        scan::f64s(b, "base_latitude")?,
                    );
                    let cmd = scan::strs(b, "commander_person_id")?;
                    Ok((0..b.num_rows())
                        .map(|i| Squad {
                            squad_id: id.value(i).to_owned(),
                            name: name.value(i).to_owned(),
                            unit_id: unit.value(i).to_owned(),
                            unit_name: None,
                            division_code: div.value(i).to_owned(),
                            base_longitude: opt_f64(lon, i),
                            base_latitude: opt_f64(lat, i),
                            commander_person_id: opt_str(cmd, i).map(str::to_owned),
                            commander_name: None,
                            officers: vec![],
                        })
                        .collect::<Vec<_>>())
                },
            )?
            .into_iter()
            .flatten()
            .collect();
        let mut officers: Vec<Officer> = officers_f
            .scan(
                &Scan {
                    columns: vec![
                        "officer_id",
                        "person_id",
                        "squad_id",
                        "unit_id",
                        "badge_no",
                        "status",
                        "start_date",
                        "end_date",
                    ],
                    ..Default::default()
                },
                |b| {
                    let (id, person, squad, unit, badge, status) = (
                        scan::strs(b, "officer_id")?,
                        scan::strs(b, "person_id")?,
                        scan::strs(b, "squad_id")?,
                        scan::strs(b, "unit_id")?,
                        scan::strs(b, "badge_no")?,
                        scan::strs(b, "status")?,
                    );
                    let (start, end) = (scan::dates(b, "start_date")?, scan::dates(b, "end_date")?);
                    Ok((0..b.num_rows())
                        .map(|i| Officer {
                            officer_id: id.value(i).to_owned(),
                            person_id: person.value(i).to_owned(),
                            name: None,
                            squad_id: squad.value(i).to_owned(),
                            unit_id: unit.value(i).to_owned(),
                            badge_no: opt_str(badge, i).map(str::to_owned),
                            status: status.value(i).to_owned(),
                            start_date: day(start.value(i)),
                            end_date: end.is_valid(i).then(|| day(end.value(i))),
                        })
                        .collect::<Vec<_>>())
                },
            )?
            .into_iter()
            .flatten()
            .collect();
        // Names of the officers and commanders only, and the squads' unit names.
        let wanted: std::collections::HashSet<&str> = officers
            .iter()
            .map(|o| o.person_id.as_str())
            .chain(
                squads
                    .iter()
                    .filter_map(|s| s.commander_person_id.as_deref()),
            )
            .collect();
        let names = names_of(lake, "people", "person_id", &wanted)?;
        let unit_ids: std::collections::HashSet<&str> =
            squads.iter().map(|s| s.unit_id.as_str()).collect();
        let unit_names = names_of(lake, "units", "unit_id", &unit_ids)?;
        for o in &mut officers {
            o.name = names.get(&o.person_id).cloned();
        }
        for s in &mut squads {
            s.commander_name = s
                .commander_person_id
                .as_ref()
                .and_then(|p| names.get(p).cloned());
            s.unit_name = unit_names.get(&s.unit_id).cloned();
        }
        Ok(Roster::new(squads, officers))
    }

    pub fn new(mut squads: Vec<Squad>, mut officers: Vec<Officer>) -> Roster {
        squads.sort_by(|a, b| a.squad_id.cmp(&b.squad_id));
        officers.sort_by(|a, b| a.officer_id.cmp(&b.officer_id));
        let by_squad: HashMap<String, usize> = squads
            .iter()
            .enumerate()
            .map(|(i, s)| (s.squad_id.clone(), i))
            .collect();
        let mut members: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for o in &officers {
            if let Some(&si) = by_squad.get(&o.squad_id) {
                members.entry(si).or_default().push(o.officer_id.clone());
            }
        }
        for (si, ids) in members {
            squads[si].officers = ids;
        }
        let by_officer = officers
            .iter()
            .enumerate()
            .map(|(i, o)| (o.officer_id.clone(), i))
            .collect();
        Roster {
            squads,
            officers,
            by_officer,
            by_squad,
        }
    }

    pub fn officer(&self, id: &str) -> Option<&Officer> {
        self.by_officer.get(id).map(|&i| &self.officers[i])
    }

    pub fn squad(&self, id: &str) -> Option<&Squad> {
        self.by_squad.get(id).map(|&i| &self.squads[i])
    }

    /// The board: squads that `visible` admits (by division code and unit id), optionally of
    /// one unit or inside one division (prefix of the squad's division code, level-aware codes
    /// being prefixes of their children's).
    pub fn board(
        &self,
        visible: &dyn Fn(&Squad) -> bool,
        unit: Option<&str>,
        division_prefix: Option<&str>,
    ) -> Vec<&Squad> {
        self.squads
            .iter()
            .filter(|s| visible(s))
            .filter(|s| unit.is_none_or(|u| s.unit_id == u))
            .filter(|s| division_prefix.is_none_or(|d| s.division_code.starts_with(d)))
            .collect()
    }
}

/// `key → name` of the rows of `dataset` (columns `key_col`, `name`) whose key is wanted.
fn names_of(
    lake: &Lake,
    dataset: &'static str,
    key_col: &'static str,
    wanted: &std::collections::HashSet<&str>,
) -> Result<HashMap<String, String>, Msg> {
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let files = Files::open(lake, dataset)?;
    let parts = files.scan(
        &Scan {
            columns: vec![key_col, "name"],
            ..Default::default()
        },
        |b| {
            let (k, n) = (scan::strs(b, key_col)?, scan::strs(b, "name")?);
            Ok((0..b.num_rows())
                .filter(|&i| wanted.contains(k.value(i)))
                .map(|i| (k.value(i).to_owned(), n.value(i).to_owned()))
                .collect::<Vec<_>>())
        },
    )?;
    Ok(parts.into_iter().flatten().collect())
}
