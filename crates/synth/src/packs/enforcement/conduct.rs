//! Complaints about officers, use-of-force reports and discipline on sustained findings. The
//! background keeps every officer below three complaints a year (LE-S08).

use super::*;
use crate::truth::{AnomalyKind, Expect};

/// Case indices by lead officer.
type Led = HashMap<String, Vec<usize>>;

impl County<'_> {
    /// Case indices led by each officer, and incidents with their arrival time.
    fn led_cases(&self) -> (Led, Vec<(usize, NaiveDateTime)>) {
        let mut led: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in self.out.cases.iter().enumerate() {
            led.entry(c.lead_officer_id.clone()).or_default().push(i);
        }
        let index: HashMap<&str, usize> = self
            .out
            .cases
            .iter()
            .enumerate()
            .map(|(i, c)| (c.case_id.as_str(), i))
            .collect();
        let mut arrivals = Vec::new();
        for e in self.out.events.iter().filter(|e| e.step == Step::Arrived) {
            let i = index[e.case_id.as_str()];
            if self.out.cases[i].case_type == CaseType::Incident {
                arrivals.push((i, e.occurred_at));
            }
        }
        (led, arrivals)
    }

    pub(super) fn conduct(&mut self) {
        let (led, arrivals) = self.led_cases();
        let planted = self.complaint_plants();
        for o in 0..self.officers.len() {
            let n = match planted.get(&o) {
                Some(&n) => n,
                None => {
                    let r: f64 = self.rng.random();
                    usize::from(r > 0.6) + usize::from(r > 0.9)
                }
            };
            let mut dates: Vec<NaiveDate> = (0..n)
                .map(|_| days(ymd(2025, 1, 6), self.rng.random_range(0..340)))
                .collect();
            dates.sort();
            for d in dates {
                let d = d.max(self.officers[o].start);
                let cases = led.get(&self.officers[o].id);
                let case = cases
                    .filter(|_| self.rng.random_bool(0.6))
                    .and_then(|v| {
                        let before: Vec<usize> = v
                            .iter()
                            .copied()
                            .filter(|&c| self.out.cases[c].received_at.date() < d)
                            .collect();
                        (!before.is_empty()).then(|| before[self.rng.random_range(0..before.len())])
                    })
                    .map(|c| self.out.cases[c].case_id.clone());
                self.complaint(o, case, d);
            }
        }
        self.reviews_discipline();
        // Use of force at a few incidents, by the lead officer on arrival.
        let n = self.officers.len() / 3;
        for _ in 0..n {
            if arrivals.is_empty() {
                break;
            }
            let (c, t) = arrivals[self.rng.random_range(0..arrivals.len())];
            let r: f64 = self.rng.random();
            let level = if r < 0.8 {
                ForceLevel::Restraint
            } else if r < 0.97 {
                ForceLevel::Equipment
            } else {
                ForceLevel::Injury
            };
            let id = self.id("QZ", 4);
            let case = &self.out.cases[c];
            let occurred_at = t + Duration::seconds(self.rng.random_range(60..=240));
            self.out.force.push(UseOfForce {
                report_id: id,
                officer_id: case.lead_officer_id.clone(),
                case_id: Some(case.case_id.clone()),
                occurred_at,
                level,
            });
        }
    }

    fn complaint(&mut self, o: usize, case: Option<String>, d: NaiveDate) {
        let r: f64 = self.rng.random();
        let category = if r < 0.45 {
            Category::Attitude
        } else if r < 0.65 {
            Category::Inaction
        } else if r < 0.8 {
            Category::Abuse
        } else if r < 0.9 {
            Category::Force
        } else {
            Category::Integrity
        };
        let r: f64 = self.rng.random();
        let finding = if d > ymd(2025, 12, 1) {
            Finding::Pending
        } else if r < 0.4 {
            Finding::Unfounded
        } else if r < 0.7 {
            Finding::NotSustained
        } else {
            Finding::Sustained
        };
        let id = self.id("TS", 4);
        self.out.complaints.push(Complaint {
            complaint_id: id.clone(),
            officer_id: self.oid(o),
            case_id: case,
            received_on: d,
            category,
            finding,
        });
        if finding == Finding::Sustained {
            let r: f64 = self.rng.random();
            let recommended = if r < 0.5 {
                Sanction::Criticism
            } else if r < 0.85 {
                Sanction::Warning
            } else {
                Sanction::Demerit
            };
            let decided = days(d, self.rng.random_range(20..=60));
            let done = decided <= as_of();
            let fid = self.id("CL", 4);
            self.out.discipline.push(Discipline {
                finding_id: fid,
                officer_id: self.oid(o),
                complaint_id: Some(id),
                recommended,
                final_sanction: done.then_some(recommended),
                decided_on: done.then_some(decided),
                decided_by: done.then(|| self.head.clone()).flatten(),
            });
        }
    }

    /// Voided and re-issued penalty decisions (作废重开): a small share per officer, spread
    /// evenly so no background officer sits above LE-S05's fence; the plants' officers a
    /// quarter, the newcomer a third of too few decisions to be compared.
    pub(super) fn voids(&mut self) {
        let n = self.officers.len();
        let mut by_officer: HashMap<String, Vec<usize>> = HashMap::new();
        for p in 0..self.sp.background_penalties {
            by_officer
                .entry(self.out.penalties[p].officer_id.clone())
                .or_default()
                .push(p);
        }
        let published: HashSet<String> = self
            .out
            .publications
            .iter()
            .map(|p| p.penalty_id.clone())
            .collect();
        for o in 0..n {
            let Some(list) = by_officer.get(&self.officers[o].id).cloned() else {
                continue;
            };
            let planted = self.sp.voiders.contains(&o);
            let newcomer = self.sp.newcomer == Some(o);
            let share = if planted {
                0.25
            } else if newcomer {
                0.34
            } else {
                0.005 + 0.03 * (o * 13 % n) as f64 / n as f64
            };
            let k = ((list.len() as f64 * share).round() as usize).min(list.len());
            let mut chosen = list.clone();
            use rand::seq::SliceRandom;
            chosen.shuffle(&mut self.rng);
            chosen.truncate(k);
            chosen.sort_unstable();
            for p in chosen {
                let voided = days(
                    self.out.penalties[p].decided_on,
                    self.rng.random_range(1..=3),
                );
                let old = self.out.penalties[p].clone();
                self.out.penalties[p].voided_on = Some(voided);
                let id = self.id("CF", 6);
                if published.contains(&old.penalty_id) {
                    let wd = self.rng.random_range(1..=3);
                    self.out.publications.push(Publication {
                        penalty_id: id.clone(),
                        published_on: working_day_after(voided, wd),
                        channel: format!("{}{}", self.short, pick(&mut self.rng, CHANNELS)),
                    });
                }
                self.out.penalties.push(Penalty {
                    penalty_id: id,
                    decided_on: voided,
                    voided_on: None,
                    reissue_of: Some(old.penalty_id.clone()),
                    ..old
                });
            }
            if planted || newcomer {
                let id = self.oid(o);
                let decisions = list.len() + k;
                let keys = [("officer_id", id.as_str()), ("year", "2025")];
                if planted && decisions >= 30 {
                    self.truth.push(
                        "S05-voids",
                        "le_penalties",
                        &keys,
                        &["LE-S05"],
                        Expect::Fire,
                        AnomalyKind::Planted,
                        &format!("{decisions} 件处罚决定中 {k} 件作废重开"),
                        &format!("{k} of {decisions} penalty decisions voided and re-issued"),
                    );
                } else if newcomer && decisions < 30 {
                    self.truth.push("S05-legit", "le_penalties", &keys, &["LE-S05"], Expect::NoFire, AnomalyKind::NaturalOutlier, &format!("新入队队员 {decisions} 件决定中 {k} 件作废（不足 30 件不比较）"), &format!("newcomer: {k} of {decisions} decisions voided (fewer than 30 are not compared)"));
                }
            }
        }
    }

    /// Discipline from case-file reviews (案卷评查) decided by the bureau's leaders: findings
    /// whose final sanction is sometimes one step below the recommendation, a share spread
    /// evenly over the deciders (LE-S09), one decider downgrading most (fire) and one with
    /// too few findings to be compared.
    pub(super) fn reviews_discipline(&mut self) {
        let mut deciders: Vec<String> = Vec::new();
        deciders.extend(self.head.clone());
        let unit = self.unit_id.clone();
        for p in self
            .reg
            .posts
            .iter()
            .filter(|p| p.unit_id == unit && p.end_date.is_none())
        {
            if !deciders.contains(&p.person_id) {
                deciders.push(p.person_id.clone());
            }
        }
        deciders.truncate(8);
        if deciders.len() < 7 {
            return;
        }
        let nd = deciders.len();
        let ladder = [
            Sanction::None,
            Sanction::Criticism,
            Sanction::Warning,
            Sanction::Demerit,
        ];
        for (i, decider) in deciders.iter().enumerate() {
            let fire = i == nd - 2;
            let near = i == nd - 1;
            let count = if near {
                4
            } else {
                self.rng.random_range(10..=15)
            };
            let share = if fire {
                0.7
            } else if near {
                0.75
            } else {
                0.05 + 0.15 * i as f64 / (nd - 2) as f64
            };
            let down = (count as f64 * share).round() as usize;
            for k in 0..count {
                let o = self.rng.random_range(0..self.officers.len());
                let r = self.rng.random_range(1..ladder.len());
                let recommended = ladder[r];
                let final_sanction = if k < down { ladder[r - 1] } else { recommended };
                let decided = days(ymd(2025, 2, 1), self.rng.random_range(0..300));
                let id = self.id("CL", 4);
                self.out.discipline.push(Discipline {
                    finding_id: id,
                    officer_id: self.oid(o),
                    complaint_id: None,
                    recommended,
                    final_sanction: Some(final_sanction),
                    decided_on: Some(decided),
                    decided_by: Some(decider.clone()),
                });
            }
            if fire || near {
                let keys = [("decider", decider.as_str())];
                if fire {
                    self.truth.push(
                        "S09-downgrade",
                        "le_discipline",
                        &keys,
                        &["LE-S09"],
                        Expect::Fire,
                        AnomalyKind::Planted,
                        &format!("{count} 项处分中 {down} 项低于建议"),
                        &format!("{down} of {count} sanctions below the recommendation"),
                    );
                } else {
                    self.truth.push("S09-legit", "le_discipline", &keys, &["LE-S09"], Expect::NoFire, AnomalyKind::NaturalOutlier, &format!("{count} 项处分中 {down} 项低于建议（不足 10 项不比较）"), &format!("{down} of {count} sanctions below the recommendation (fewer than 10 are not compared)"));
                }
            }
        }
    }
}
