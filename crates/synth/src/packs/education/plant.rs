//! The planted cases, near misses and legitimate outliers of each ED indicator, recorded in the
//! ground truth as they are made.

use super::*;

impl County<'_> {
    // One line per planted case reads best with every field spelled out at the call.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn mark(
        &mut self,
        pattern: &'static str,
        dataset: &str,
        keys: &[(&str, &str)],
        indicator: &str,
        expect: Expect,
        kind: AnomalyKind,
        zh: &str,
        en: &str,
    ) {
        self.truth
            .push(pattern, dataset, keys, &[indicator], expect, kind, zh, en);
    }

    #[allow(clippy::too_many_arguments)]
    fn mark_admission(
        &mut self,
        pattern: &'static str,
        a: usize,
        indicator: &str,
        expect: Expect,
        kind: AnomalyKind,
        zh: &str,
        en: &str,
    ) {
        let id = self.out.admissions[a].admission_id.clone();
        self.mark(
            pattern,
            "admissions",
            &[("admission_id", &id)],
            indicator,
            expect,
            kind,
            zh,
            en,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn mark_plan(
        &mut self,
        pattern: &'static str,
        i: usize,
        indicator: &str,
        expect: Expect,
        kind: AnomalyKind,
        zh: &str,
        en: &str,
    ) {
        let id = self.out.plans[self.intakes[i].plan].plan_id.clone();
        self.mark(
            pattern,
            "enrolment_plans",
            &[("plan_id", &id)],
            indicator,
            expect,
            kind,
            zh,
            en,
        );
    }

    /// An intake of `year` matching `pred` and not taken by another plant, searched from a
    /// random place so plants spread over the county's schools.
    fn free_intake(&mut self, year: i32, pred: impl Fn(&Intake, &School) -> bool) -> Option<usize> {
        let n = self.intakes.len();
        let start = self.rng.random_range(0..n.max(1));
        (0..n).map(|k| (start + k) % n).find(|i| {
            let t = &self.intakes[*i];
            t.year == year && !self.busy.contains(i) && pred(t, &self.schools[t.school])
        })
    }

    /// An untouched, registered admission of an intake of `year` matching `pred`, searched
    /// from a random place.
    fn free_admission(
        &mut self,
        year: i32,
        pred: impl Fn(&Intake, &School, &Admission) -> bool,
    ) -> Option<usize> {
        let n = self.intakes.len();
        let start = self.rng.random_range(0..n.max(1));
        let skip = self.rng.random_range(0..40);
        let found = (0..n).map(|k| (start + k) % n).find_map(|i| {
            let t = &self.intakes[i];
            if t.year != year || self.busy.contains(&i) {
                return None;
            }
            let ok = |a: &usize| {
                let adm = &self.out.admissions[*a];
                !self.touched.contains(a)
                    && adm.status == Status::Registered
                    && pred(t, &self.schools[t.school], adm)
            };
            // Not always the first pupil of the list.
            let m = t.admitted.len();
            (0..m)
                .map(|k| t.admitted[(skip + k) % m.max(1)])
                .find(|a| ok(a))
        });
        if let Some(a) = found {
            self.touched.insert(a);
        }
        found
    }

    pub(super) fn plant(&mut self) {
        self.plant_early();
        self.plant_area();
        self.plant_over_plan();
        self.plant_lottery();
        self.plant_tests();
        self.plant_ghosts();
        self.plant_addresses();
        self.guardians();
        self.plant_classes();
        self.plant_transfers();
    }

    /// ED-R01: steps before the common windows.
    fn plant_early(&mut self) {
        use AnomalyKind::{NearThreshold, Planted};
        use Expect::{Fire, NoFire};
        let public = |_: &Intake, s: &School, _: &Admission| !s.private;
        if let Some(a) = self.free_admission(2025, public) {
            self.out.admissions[a].offer_date = ymd(2025, 5, 22);
            self.mark_admission(
                "early",
                a,
                "ED-R01",
                Fire,
                Planted,
                "录取日期早于录取开始日 40 天",
                "an offer 40 days before offers open",
            );
        }
        if let Some(a) = self.free_admission(2025, |_, s, _| s.private) {
            self.out.admissions[a].deposit_date = Some(ymd(2025, 6, 19));
            self.mark_admission(
                "early",
                a,
                "ED-R01",
                Fire,
                Planted,
                "民办学校在录取开始前收取费用",
                "a private school took a deposit before offers opened",
            );
        }
        if let Some(a) = self.free_admission(2025, |_, _, _| true) {
            let pupil = self.out.admissions[a].pupil_id.clone();
            if let Some(e) = self.app_of.get(&pupil).copied() {
                self.out.applications[e].apply_date = ymd(2025, 4, 30);
                self.mark_admission(
                    "early",
                    a,
                    "ED-R01",
                    Fire,
                    Planted,
                    "报名早于报名开始日 20 天",
                    "an application 20 days before registration opened",
                );
            }
        }
        if let Some(a) = self.free_admission(2025, public) {
            self.out.admissions[a].status_date = Some(ymd(2025, 6, 26));
            self.mark_admission(
                "early",
                a,
                "ED-R01",
                Fire,
                Planted,
                "录取开始前已注册学籍",
                "学籍 registered before offers opened",
            );
        }
        if let Some(a) = self.free_admission(2025, |_, s, a| s.private && a.route == Route::Lottery)
        {
            let pupil = self.out.admissions[a].pupil_id.clone();
            let adm = &mut self.out.admissions[a];
            adm.offer_date = ymd(2025, 7, 1);
            adm.deposit_date = Some(ymd(2025, 7, 1));
            if let Some(e) = self.app_of.get(&pupil).copied() {
                self.out.applications[e].apply_date = ymd(2025, 5, 20);
            }
            self.mark_admission(
                "early",
                a,
                "ED-R01",
                NoFire,
                NearThreshold,
                "报名、录取、缴费恰在开始当日",
                "application, offer and deposit exactly on the opening days",
            );
        }
    }

    /// ED-R02: household registrations outside the approved area.
    fn plant_area(&mut self) {
        use AnomalyKind::{NaturalOutlier, Planted};
        use Expect::{Fire, NoFire};
        let outside = self
            .same_city
            .clone()
            .unwrap_or_else(|| self.other_city.clone());
        let inside = self
            .places
            .first()
            .cloned()
            .unwrap_or_else(|| self.code.clone());
        let public = |_: &Intake, s: &School, _: &Admission| !s.private;
        if let Some(a) = self.free_admission(2025, public) {
            let adm = &mut self.out.admissions[a];
            adm.hukou = outside.clone();
            adm.residence = Some(outside.clone());
            self.mark_admission(
                "area",
                a,
                "ED-R02",
                Fire,
                Planted,
                "户籍在区外，无统筹或随迁记录",
                "household registered outside the area, no coordinated or migrant record",
            );
        }
        if let Some(a) = self.free_admission(2025, public) {
            let adm = &mut self.out.admissions[a];
            adm.hukou = OTHER_PROVINCE.to_owned();
            adm.residence = Some(outside.clone());
            adm.cross = Some(Cross::Migrant);
            self.mark_admission(
                "area",
                a,
                "ED-R02",
                Fire,
                Planted,
                "随迁子女，但居住地也在区外",
                "a migrant child who also lives outside the area",
            );
        }
        if let Some(a) = self.free_admission(2025, public) {
            let adm = &mut self.out.admissions[a];
            adm.hukou = outside.clone();
            adm.residence = Some(outside);
            adm.cross = Some(Cross::Coordinated);
            adm.route = Route::Allocation;
            self.mark_admission(
                "area",
                a,
                "ED-R02",
                NoFire,
                NaturalOutlier,
                "户籍在区外，经统筹批准",
                "household registered outside, placement coordinated",
            );
        }
        if let Some(a) = self.free_admission(2025, public) {
            let adm = &mut self.out.admissions[a];
            adm.hukou = OTHER_PROVINCE.to_owned();
            adm.residence = Some(inside);
            adm.cross = Some(Cross::Migrant);
            self.mark_admission(
                "area",
                a,
                "ED-R02",
                NoFire,
                NaturalOutlier,
                "外省户籍的随迁子女，居住在本区",
                "a migrant child from another province living in the area",
            );
        }
        if let Some(other) = self.same_city.clone()
            && let Some(a) = self.free_admission(2025, |_, s, _| {
                s.private && s.area.len() == 6 && s.area.ends_with("00")
            })
        {
            let adm = &mut self.out.admissions[a];
            adm.hukou = other.clone();
            adm.residence = Some(other);
            self.mark_admission(
                "area",
                a,
                "ED-R02",
                NoFire,
                NaturalOutlier,
                "市级审批的民办学校招收本市其他区学生",
                "a city-approved private school enrolling from another district of the city",
            );
        }
    }

    /// Extra admissions by allocation into an intake until `target` are active, plus
    /// `withdrawn` offers that were given up.
    fn fill(&mut self, i: usize, target: usize, withdrawn: usize) {
        let (s, year) = (self.intakes[i].school, self.intakes[i].year);
        while self.active(i) < target {
            let pupil = self.id("XS", 7);
            let a = self.admission(s, year, &pupil, Route::Allocation);
            self.intakes[i].admitted.push(a);
        }
        for _ in 0..withdrawn {
            let pupil = self.id("XS", 7);
            let a = self.admission(s, year, &pupil, Route::Allocation);
            let adm = &mut self.out.admissions[a];
            adm.status = Status::Withdrawn;
            adm.status_date = None;
            self.intakes[i].admitted.push(a);
        }
    }

    /// ED-R03: more admitted than planned.
    fn plant_over_plan(&mut self) {
        use AnomalyKind::{NearThreshold, Planted};
        use Expect::{Fire, NoFire};
        let under = |t: &Intake, s: &School| !t.over && !s.private;
        if let Some(i) = self.free_intake(2025, under) {
            self.busy.insert(i);
            let seats = self.seats(i);
            self.fill(i, seats + 3, 0);
            self.mark_plan(
                "over_plan",
                i,
                "ED-R03",
                Fire,
                Planted,
                "统筹安排后录取比计划多 3 人",
                "three admitted beyond the plan by allocation",
            );
        }
        if let Some(i) = self.free_intake(2025, under) {
            self.busy.insert(i);
            let seats = self.seats(i);
            self.fill(i, seats, 1);
            self.mark_plan(
                "over_plan",
                i,
                "ED-R03",
                NoFire,
                NearThreshold,
                "正好录满计划，另有 1 人放弃",
                "exactly the plan, one more offer withdrawn",
            );
        }
    }

    /// ED-R04: admitted around the lottery.
    fn plant_lottery(&mut self) {
        use AnomalyKind::{NaturalOutlier, NearThreshold, Planted};
        use Expect::{Fire, NoFire};
        if let Some(i) = self.free_intake(2025, |t, s| t.over && !s.private) {
            self.busy.insert(i);
            let (s, year) = (self.intakes[i].school, self.intakes[i].year);
            let unit = self.schools[s].unit_id.clone();
            let winners: Vec<String> = self.intakes[i]
                .admitted
                .iter()
                .map(|a| &self.out.admissions[*a])
                .filter(|a| a.route == Route::Lottery)
                .take(2)
                .map(|a| a.pupil_id.clone())
                .collect();
            self.out.lists.retain(|l| {
                !(l.unit_id == unit && l.year == year && winners.contains(&l.pupil_id))
            });
            self.mark_plan(
                "lottery",
                i,
                "ED-R04",
                Fire,
                Planted,
                "报名超计划，2 名录取学生不在中签或优先名单中",
                "oversubscribed, two admitted pupils on neither the winners nor the priority list",
            );
        }
        if let Some(i) = self.free_intake(2025, |t, _| t.over) {
            self.busy.insert(i);
            let (s, year) = (self.intakes[i].school, self.intakes[i].year);
            let quit: Vec<usize> = self.intakes[i]
                .admitted
                .iter()
                .copied()
                .filter(|a| self.out.admissions[*a].route == Route::Lottery)
                .take(2)
                .collect();
            for a in quit {
                let adm = &mut self.out.admissions[a];
                adm.status = Status::Withdrawn;
                adm.status_date = None;
                self.touched.insert(a);
            }
            for seq in 1..=2 {
                let pupil = self.id("XS", 7);
                self.application(s, year, &pupil);
                self.list(s, year, &pupil, ListType::Waitlist, seq);
                let a = self.admission(s, year, &pupil, Route::Waitlist);
                let adm = &mut self.out.admissions[a];
                adm.offer_date = ymd(year, 7, 15);
                if let Some(d) = adm.deposit_date.as_mut() {
                    *d = ymd(year, 7, 16);
                }
                self.intakes[i].admitted.push(a);
            }
            self.mark_plan(
                "lottery",
                i,
                "ED-R04",
                NoFire,
                NearThreshold,
                "2 名中签者放弃，依序递补 2 名",
                "two winners withdrew, two admitted from the waitlist in order",
            );
        }
        if let Some(i) = self.free_intake(2025, |t, s| !t.over && !s.private) {
            self.mark_plan(
                "lottery",
                i,
                "ED-R04",
                NoFire,
                NaturalOutlier,
                "报名未超计划，学区对口录取无需摇号",
                "not oversubscribed: catchment admissions need no lottery",
            );
        }
    }

    /// ED-R05: interviews, tests and scores.
    fn plant_tests(&mut self) {
        use AnomalyKind::{NaturalOutlier, Planted};
        use Expect::{Fire, NoFire};
        let cases = [
            (
                2025,
                true,
                Assessment::Interview,
                6,
                "民办学校面试并打分",
                "a private school interviewing and scoring applicants",
                Fire,
                Planted,
            ),
            (
                2024,
                false,
                Assessment::WrittenTest,
                4,
                "公办学校组织笔试",
                "a public school holding a written test",
                Fire,
                Planted,
            ),
            (
                2025,
                false,
                Assessment::Disability,
                1,
                "残疾儿童入学评估",
                "an admission assessment of a child with disabilities",
                NoFire,
                NaturalOutlier,
            ),
        ];
        let mut used = BTreeSet::new();
        for (year, private, kind, count, zh, en, expect, akind) in cases {
            let n = self.intakes.len();
            let start = self.rng.random_range(0..n.max(1));
            let Some(i) = (0..n).map(|k| (start + k) % n).find(|i| {
                let t = &self.intakes[*i];
                t.year == year
                    && self.schools[t.school].private == private
                    && !used.contains(&t.school)
                    && (kind != Assessment::Disability
                        || self.schools[t.school].stage == Stage::Primary)
            }) else {
                continue;
            };
            used.insert(self.intakes[i].school);
            let s = self.intakes[i].school;
            let (unit, stage) = (self.schools[s].unit_id.clone(), self.schools[s].stage);
            let apps: Vec<usize> = (0..self.out.applications.len())
                .filter(|e| {
                    let a = &self.out.applications[*e];
                    a.unit_id == unit && a.year == year
                })
                .take(count)
                .collect();
            for e in apps {
                let score =
                    (kind != Assessment::Disability).then(|| self.rng.random_range(600..=1000));
                let a = &mut self.out.applications[e];
                a.assessment = Some(kind);
                a.assessment_date = Some(ymd(year, 6, 1));
                a.score = score;
            }
            let year_text = year.to_string();
            self.mark(
                "tests",
                "enrolment_applications",
                &[
                    ("enrol_year", &year_text),
                    ("stage", stage.code()),
                    ("unit_id", &unit),
                ],
                "ED-R05",
                expect,
                akind,
                zh,
                en,
            );
        }
    }

    /// ED-S01: registered pupils who are not there.
    fn plant_ghosts(&mut self) {
        use AnomalyKind::{NaturalOutlier, NearThreshold, Planted};
        use Expect::{Fire, NoFire};
        let any = |_: &Intake, _: &School, _: &Admission| true;
        if let Some(a) = self.free_admission(2024, any) {
            self.no_records.insert(a);
            self.mark_admission(
                "ghost",
                a,
                "ED-S01",
                Fire,
                Planted,
                "在籍但没有任何出勤、用餐或考试记录",
                "registered with no attendance, meal or exam record",
            );
        }
        if let Some(a) = self.free_admission(2024, any) {
            let unit = self.out.admissions[a].unit_id.clone();
            let others: Vec<String> = self
                .schools
                .iter()
                .filter(|s| s.unit_id != unit)
                .map(|s| s.unit_id.clone())
                .collect();
            if !others.is_empty() {
                let other = others[self.rng.random_range(0..others.len())].clone();
                self.records_at.insert(a, other);
                self.mark_admission(
                    "ghost",
                    a,
                    "ED-S01",
                    Fire,
                    Planted,
                    "学籍在本校，在校记录却在另一所学校",
                    "registered here, records at another school",
                );
            }
        }
        if let Some(a) = self.free_admission(2025, any) {
            self.out.admissions[a].status_date = Some(days(as_of(), -(GRACE_DAYS - 1)));
            self.no_records.insert(a);
            self.mark_admission(
                "ghost",
                a,
                "ED-S01",
                NoFire,
                NearThreshold,
                "注册学籍 59 天，尚无记录（宽限期内）",
                "registered 59 days ago, no records yet (within the grace period)",
            );
        }
        if let Some(a) = self.free_admission(2025, any) {
            self.out.admissions[a].status = Status::HomeEducation;
            self.no_records.insert(a);
            self.mark_admission(
                "ghost",
                a,
                "ED-S01",
                NoFire,
                NaturalOutlier,
                "送教上门，没有在校记录",
                "taught at home, no in-school records",
            );
        }
        if let Some(a) = self.free_admission(2024, |_, s, _| s.stage == Stage::Primary) {
            let unit = self.out.admissions[a].unit_id.clone();
            if let Some(to) = (0..self.schools.len()).find(|s| {
                self.schools[*s].unit_id != unit && self.schools[*s].stage == Stage::Primary
            }) {
                self.transferred.push((a, to));
                self.mark_admission(
                    "ghost",
                    a,
                    "ED-S01",
                    NoFire,
                    NaturalOutlier,
                    "已办理转出，之后的记录在转入学校",
                    "transferred out, later records at the new school",
                );
            }
        }
    }

    fn registration_of(&self, a: usize) -> Option<usize> {
        self.reg_of.get(&self.out.admissions[a].pupil_id).copied()
    }

    /// Untouched registered pupils with a catchment registration at one public school, one
    /// per year in `years`.
    fn same_school(&mut self, years: &[i32]) -> Option<Vec<usize>> {
        let n = self.schools.len();
        let start = self.rng.random_range(0..n.max(1));
        for s in (0..n).map(|k| (start + k) % n) {
            if self.schools[s].private {
                continue;
            }
            let mut picked = Vec::new();
            for &year in years {
                let found = self.intakes.iter().enumerate().find_map(|(i, t)| {
                    if t.school != s || t.year != year || self.busy.contains(&i) {
                        return None;
                    }
                    t.admitted.iter().copied().find(|a| {
                        !self.touched.contains(a)
                            && !picked.contains(a)
                            && self.out.admissions[*a].status == Status::Registered
                            && self.out.admissions[*a].registration_id.is_some()
                    })
                });
                match found {
                    Some(a) => picked.push(a),
                    None => break,
                }
            }
            if picked.len() == years.len() {
                self.touched.extend(picked.iter().copied());
                return Some(picked);
            }
        }
        None
    }

    /// ED-S02: several households on one address; registrations moved in shortly before.
    fn plant_addresses(&mut self) {
        use AnomalyKind::{NaturalOutlier, NearThreshold, Planted};
        use Expect::{Fire, NoFire};
        // (years, same household, expect, kind, zh, en)
        type Shared<'a> = (&'a [i32], bool, Expect, AnomalyKind, &'a str, &'a str);
        let shared: [Shared<'_>; 3] = [
            (
                &[2023, 2024, 2025],
                false,
                Fire,
                Planted,
                "三年内 3 户不同家庭用同一地址入学",
                "three different households enrolled on one address within three years",
            ),
            (
                &[2024, 2025],
                false,
                NoFire,
                NearThreshold,
                "2 户共用一个地址",
                "two households on one address",
            ),
            (
                &[2023, 2024, 2025],
                true,
                NoFire,
                NaturalOutlier,
                "同一户的 3 个孩子",
                "three children of one household",
            ),
        ];
        for (years, one_household, expect, kind, zh, en) in shared {
            let Some(picked) = self.same_school(years) else {
                continue;
            };
            let regs: Vec<usize> = picked
                .iter()
                .filter_map(|a| self.registration_of(*a))
                .collect();
            let first = self.out.registrations[regs[0]].clone();
            for r in &regs[1..] {
                let reg = &mut self.out.registrations[*r];
                reg.address_id = first.address_id.clone();
                reg.address = first.address.clone();
                reg.division_code = first.division_code.clone();
                if one_household {
                    reg.household_id = first.household_id.clone();
                }
            }
            self.mark(
                "address",
                "household_registrations",
                &[("address_id", &first.address_id)],
                "ED-S02",
                expect,
                kind,
                zh,
                en,
            );
        }
        // Household registrations moved in before the offer: (months, basis).
        let moves = [
            (
                5,
                Basis::Hukou,
                Fire,
                Planted,
                "户籍在录取前 5 个月迁入",
                "household registration moved in five months before the offer",
            ),
            (
                12,
                Basis::Hukou,
                NoFire,
                NearThreshold,
                "户籍正好在录取前 12 个月迁入",
                "household registration moved in exactly twelve months before the offer",
            ),
            (
                4,
                Basis::Property,
                NoFire,
                NaturalOutlier,
                "购房 4 个月后凭房产入学",
                "enrolled on a home bought four months before",
            ),
        ];
        for (months, basis, expect, kind, zh, en) in moves {
            let Some(picked) = self.same_school(&[2025]) else {
                continue;
            };
            let a = picked[0];
            let offer = self.out.admissions[a].offer_date;
            let Some(r) = self.registration_of(a) else {
                continue;
            };
            let since = offer
                .checked_sub_months(chrono::Months::new(months))
                .unwrap_or(offer);
            let reg = &mut self.out.registrations[r];
            reg.basis = basis;
            reg.since = since;
            let address = reg.address_id.clone();
            self.mark(
                "address",
                "household_registrations",
                &[("address_id", &address)],
                "ED-S02",
                expect,
                kind,
                zh,
                en,
            );
        }
    }

    /// ED-S04: pupils whose parents hold key posts concentrated in one class.
    fn plant_classes(&mut self) {
        use AnomalyKind::{NaturalOutlier, NearThreshold, Planted};
        use Expect::{Fire, NoFire};
        for (expect, kind) in [
            (Fire, Planted),
            (NoFire, NearThreshold),
            (NoFire, NaturalOutlier),
        ] {
            let Some(i) = self.free_intake(2025, |_, s| s.classes >= 3) else {
                continue;
            };
            self.busy.insert(i);
            let pupils: Vec<usize> = self.intakes[i]
                .admitted
                .iter()
                .copied()
                .filter(|a| self.out.admissions[*a].status != Status::Withdrawn)
                .collect();
            let k = self.schools[self.intakes[i].school].classes;
            let sizes = class_sizes(pupils.len(), k);
            let total = if kind == NaturalOutlier {
                MIN_MARKED - 2
            } else {
                (MIN_MARKED + 2).max(2 * k)
            };
            let crit = CHI2_CRIT[k - 2];
            let mut m = total.div_ceil(k);
            let marked = loop {
                let x = concentrated(&sizes, total, m);
                let c = chi2(&sizes, &x);
                let next = (m < total && m < sizes[0]).then(|| concentrated(&sizes, total, m + 1));
                match kind {
                    NaturalOutlier => break Some(concentrated(&sizes, total, total.min(sizes[0]))),
                    NearThreshold => {
                        // The most concentrated spread still clearly below the critical value.
                        let next_c = next.as_ref().map_or(f64::INFINITY, |n| chi2(&sizes, n));
                        if c < 0.95 * crit && next_c >= 0.95 * crit {
                            break Some(x);
                        }
                        if c >= 0.95 * crit {
                            break None;
                        }
                    }
                    Planted => {
                        if c >= 1.5 * crit {
                            break Some(x);
                        }
                        if next.is_none() {
                            break None;
                        }
                    }
                }
                m += 1;
            };
            let Some(marked) = marked else {
                continue;
            };
            // Only the planted guardians are in key posts in this intake.
            let day = ymd(2025, 8, 25);
            for (n, a) in pupils.iter().enumerate() {
                let guardian = if n < total {
                    self.free_key_person(day).map(str::to_owned)
                } else {
                    None
                };
                let g = match guardian {
                    Some(g) => g,
                    None => self.id("JHR", 7),
                };
                self.out.admissions[*a].guardian = Some(g);
            }
            let got = pupils.iter().filter(|a| self.is_marked(**a)).count();
            if got != total {
                continue;
            }
            let s = self.intakes[i].school;
            let (unit, grade) = (
                self.schools[s].unit_id.clone(),
                self.schools[s].stage.entry_grade().to_string(),
            );
            let (zh, en) = match kind {
                Planted => (
                    format!("家长任关键岗位的 {total} 名学生中 {} 名分在 1班", marked[0]),
                    format!(
                        "{} of {total} pupils with a parent in a key post in class 1",
                        marked[0]
                    ),
                ),
                NearThreshold => (
                    format!(
                        "{} 名中 {} 名在 1班，仍在随机分班可解释范围内",
                        total, marked[0]
                    ),
                    format!(
                        "{} of {total} in class 1, still within what chance explains",
                        marked[0]
                    ),
                ),
                NaturalOutlier => (
                    format!("只有 {total} 名，全在 1班，人数不足以检验"),
                    format!("only {total}, all in class 1: too few to test"),
                ),
            };
            self.class_plans.push(ClassPlan { intake: i, marked });
            self.mark(
                "classes",
                "class_assignments",
                &[
                    ("enrol_year", "2025"),
                    ("grade", &grade),
                    ("unit_id", &unit),
                ],
                "ED-S04",
                expect,
                kind,
                &zh,
                &en,
            );
        }
    }

    /// ED-S03: choose the schools of 2025 whose transfers are set in `finish`.
    fn plant_transfers(&mut self) {
        let year_schools: Vec<usize> = (0..self.intakes.len())
            .filter(|i| self.intakes[*i].year == 2025)
            .collect();
        if year_schools.len() < MIN_PEERS + 3 {
            return;
        }
        let mut over: Vec<usize> = year_schools
            .iter()
            .copied()
            .filter(|i| self.intakes[*i].over)
            .collect();
        // The near miss needs room below the fence: the largest oversubscribed school.
        over.sort_by_key(|i| (std::cmp::Reverse(self.seats(*i)), *i));
        let under = year_schools
            .iter()
            .copied()
            .find(|i| !self.intakes[*i].over);
        if let (Some(near), Some(fire), Some(under)) = (over.first(), over.get(1), under) {
            self.transfer_plants = vec![
                (self.intakes[*fire].school, TransferRole::Fire),
                (self.intakes[*near].school, TransferRole::Near),
                (self.intakes[under].school, TransferRole::Undersubscribed),
            ];
        }
    }
}
