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
        let mut planted = self.complaint_plants();
        for &(o, fire) in &self.sp.force {
            planted.insert(o, usize::from(fire));
        }
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
        // Use of force at a few incidents, by the lead officer on arrival. The background keeps
        // every officer at two complaints and reports together at most (LE-S08's peer fence
        // sits above that), and leaves the planted officers alone.
        let mut events: HashMap<String, usize> = HashMap::new();
        for c in &self.out.complaints {
            *events.entry(c.officer_id.clone()).or_default() += 1;
        }
        let held: HashSet<String> = (self.sp.complaints.iter().map(|x| x.0))
            .chain(self.sp.force.iter().map(|x| x.0))
            .map(|o| self.oid(o))
            .collect();
        let n = self.officers.len() / 3;
        let (mut made, mut tries) = (0, 0);
        while made < n && tries < 20 * n && !arrivals.is_empty() {
            tries += 1;
            let (c, t) = arrivals[self.rng.random_range(0..arrivals.len())];
            let lead = &self.out.cases[c].lead_officer_id;
            if held.contains(lead) || events.get(lead).copied().unwrap_or(0) >= 2 {
                continue;
            }
            *events.entry(lead.clone()).or_default() += 1;
            made += 1;
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
        self.force_plants();
    }

    /// LE-S08's peer fence: one officer with a complaint and six uses of force in the year
    /// (fires), one with six the day before the 365-day window and none inside (near miss).
    fn force_plants(&mut self) {
        for (o, fire) in self.sp.force.clone() {
            for k in 0..6u32 {
                let occurred_at = if fire {
                    at(ymd(2025, 2 + k * 2, 10), 15 * 3600 + 600)
                } else {
                    at(ymd(2024, 12, 31), 20 * 3600 + i64::from(k) * 600)
                };
                let id = self.id("QZ", 4);
                self.out.force.push(UseOfForce {
                    report_id: id,
                    officer_id: self.oid(o),
                    case_id: None,
                    occurred_at,
                    level: ForceLevel::Restraint,
                });
            }
            let id = self.oid(o);
            if fire {
                self.truth.push(
                    "S08-force",
                    "le_use_of_force",
                    &[("officer_id", &id)],
                    &["LE-S08"],
                    Expect::Fire,
                    AnomalyKind::Planted,
                    "一年内被投诉 1 次、使用强制措施 6 次，远高于同事",
                    "one complaint and six uses of force within a year, far above colleagues",
                );
            } else {
                self.truth.push(
                    "S08-force-near",
                    "le_use_of_force",
                    &[("officer_id", &id)],
                    &["LE-S08"],
                    Expect::NoFire,
                    AnomalyKind::NearThreshold,
                    "6 次强制措施均在 365 天窗口开始前一日",
                    "six uses of force, all the day before the 365-day window",
                );
            }
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
    /// quarter, the newcomer a third of too few decisions to be compared. The background voids
    /// at most one decision per party, so no party reaches LE-S05's two voids within 90 days;
    /// the first planted officer's voids include two of one party 35–80 days apart (fire), the
    /// second's two of one party exactly 91 days apart (near miss).
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
        let case_of: HashMap<String, usize> = self
            .out
            .cases
            .iter()
            .enumerate()
            .map(|(i, c)| (c.case_id.clone(), i))
            .collect();
        let mut voided_parties: HashSet<String> = HashSet::new();
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
            // The party pair of a planted officer: (fire, earlier, later decision).
            let pair = self.sp.voiders.iter().position(|&v| v == o).and_then(|j| {
                self.void_pair(&list, &case_of, j == 0)
                    .map(|(a, b)| (j == 0, a, b))
            });
            let mut chosen = list.clone();
            use rand::seq::SliceRandom;
            chosen.shuffle(&mut self.rng);
            if let Some((_, a, b)) = pair {
                chosen.retain(|&p| p != a && p != b);
                chosen.splice(0..0, [a, b]);
            }
            let mut picked = Vec::with_capacity(k);
            for p in chosen {
                if picked.len() == k {
                    break;
                }
                // The pair's cases get a party of their own below.
                let paired = pair.is_some_and(|(_, a, b)| p == a || p == b);
                let c = case_of[&self.out.penalties[p].case_id];
                if let Some(party) = self.out.cases[c].party_id.as_ref().filter(|_| !paired)
                    && !voided_parties.insert(party.clone())
                {
                    continue;
                }
                picked.push(p);
            }
            picked.sort_unstable();
            let k = picked.len();
            let mut first_void = None;
            for p in picked {
                let mut voided = days(
                    self.out.penalties[p].decided_on,
                    self.rng.random_range(1..=3),
                );
                if let Some((fire, a, b)) = pair {
                    if p == a {
                        first_void = Some(voided);
                    } else if p == b && !fire {
                        voided = days(first_void.expect("the earlier one first"), 91);
                    }
                }
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
            if let Some((fire, a, b)) = pair {
                self.void_pair_truth(fire, a, b, &case_of);
            }
            if planted || newcomer {
                let id = self.oid(o);
                let decisions = list.len() + k;
                let keys = [
                    ("finding", "share"),
                    ("officer_id", id.as_str()),
                    ("year", "2025"),
                ];
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

    /// Two decisions of `list` with parties of one kind, decided 35–80 days apart (`fire`) or
    /// 84–91 days apart (then voided exactly 91 days apart, one day past LE-S05's window).
    fn void_pair(
        &self,
        list: &[usize],
        case_of: &HashMap<String, usize>,
        fire: bool,
    ) -> Option<(usize, usize)> {
        let (lo, hi) = if fire { (35, 80) } else { (84, 91) };
        let kind = |p: usize| self.out.cases[case_of[&self.out.penalties[p].case_id]].party_kind;
        for (i, &a) in list.iter().enumerate() {
            for &b in &list[i + 1..] {
                let (da, db) = (
                    self.out.penalties[a].decided_on,
                    self.out.penalties[b].decided_on,
                );
                let gap = (db - da).num_days();
                if (lo..=hi).contains(&gap) && kind(a).is_some() && kind(a) == kind(b) {
                    return Some((a, b));
                }
            }
        }
        None
    }

    /// Gives the two voided decisions' cases one new party and records the ground truth.
    fn void_pair_truth(
        &mut self,
        fire: bool,
        a: usize,
        b: usize,
        case_of: &HashMap<String, usize>,
    ) {
        let (ca, cb) = (
            case_of[&self.out.penalties[a].case_id],
            case_of[&self.out.penalties[b].case_id],
        );
        let kind = self.out.cases[ca].party_kind.expect("a penalised party");
        let (prefix, tag) = match kind {
            PartyKind::Person => ("DSP", 'P'),
            PartyKind::Organisation => ("DSE", 'E'),
        };
        let serial = self.next(prefix);
        let party = format!("DS{}-{tag}{serial:05}", self.code);
        for c in [ca, cb] {
            self.out.cases[c].party_id = Some(party.clone());
        }
        let gap = (self.out.penalties[b].voided_on.expect("voided")
            - self.out.penalties[a].voided_on.expect("voided"))
        .num_days();
        let keys = [
            ("finding", "party"),
            ("party_id", party.as_str()),
            ("year", "2025"),
        ];
        if fire {
            self.truth.push(
                "S05-party",
                "le_penalties",
                &keys,
                &["LE-S05"],
                Expect::Fire,
                AnomalyKind::Planted,
                &format!("同一当事人 {gap} 天内两次被作废处罚决定"),
                &format!("two decisions of one party voided {gap} days apart"),
            );
        } else {
            self.truth.push(
                "S05-party-near",
                "le_penalties",
                &keys,
                &["LE-S05"],
                Expect::NoFire,
                AnomalyKind::NearThreshold,
                &format!("同一当事人两次作废相隔 {gap} 天（窗口 90 天）"),
                &format!("two voids of one party {gap} days apart (window 90)"),
            );
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
