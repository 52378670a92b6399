//! One county: townships and villages, then its units.

use super::titles::{Role, TownKind};
use super::{
    CountyInput, DivisionRow, Gender, Person, Post, Registry, Unit, county_rng, family, staff,
};
use crate::ids::{self, UsccCategory};
use crate::names;
use chrono::NaiveDate;
use qinglian_core::UnitKind;
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

pub(super) struct Township {
    pub code: String,
    pub name: String,
    pub short: String,
    pub kind: TownKind,
    pub villages: Vec<Village>,
}

pub(super) struct Village {
    pub code: String,
    pub name: String,
    pub community: bool,
}

/// The place a person holds in a unit's staff list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    Head,
    Deputy,
    Key,
    Regular,
}

pub(super) struct UnitMeta {
    pub role: Role,
    /// Private firms: registration date; nobody works there before it.
    pub founded: Option<NaiveDate>,
    /// Current staff, head first, as (person index, slot).
    pub staff: Vec<(usize, Slot)>,
}

/// Everything generated so far for one county, plus the counters and uniqueness sets that
/// keep ids and codes unique.
pub(super) struct CountyState<'a> {
    pub input: &'a CountyInput,
    /// 西湖 for 西湖区: prefix of SOE and company names.
    pub short: String,
    /// 浙江省杭州市西湖区: prefix of addresses.
    pub address_prefix: String,
    pub towns: Vec<Township>,
    pub meta: Vec<UnitMeta>,
    /// Birth dates, parallel to `out.people`.
    pub births: Vec<NaiveDate>,
    /// Heads and key-post holders: the people whose families are registered.
    pub anchors: Vec<usize>,
    pub out: Registry,
    citizen_ids: HashSet<String>,
    usccs: HashSet<String>,
}

pub(super) fn generate(input: &CountyInput, seed: u64) -> Registry {
    let mut st = CountyState {
        input,
        short: names::short_name(&input.name).to_owned(),
        address_prefix: format!("{}{}{}", input.province_name, input.city_name, input.name),
        towns: Vec::new(),
        meta: Vec::new(),
        births: Vec::new(),
        anchors: Vec::new(),
        out: Registry::default(),
        citizen_ids: HashSet::new(),
        usccs: HashSet::new(),
    };
    st.divisions(&mut county_rng(seed, &input.code, 1));
    st.units(&mut county_rng(seed, &input.code, 2));
    staff::staff(&mut st, &mut county_rng(seed, &input.code, 3));
    family::family(&mut st, &mut county_rng(seed, &input.code, 4));
    family::org_relations(&mut st, &mut county_rng(seed, &input.code, 5));
    let mut out = st.out;
    out.person_relations.sort_by(|a, b| {
        (&a.person_id, &a.related_person_id, a.relation).cmp(&(
            &b.person_id,
            &b.related_person_id,
            b.relation,
        ))
    });
    out.org_relations.sort_by(|a, b| {
        (&a.unit_id, &a.person_id, a.role).cmp(&(&b.unit_id, &b.person_id, b.role))
    });
    out
}

/// Two-character place stem not yet used in this county.
fn fresh_stem(rng: &mut ChaCha8Rng, used: &mut HashSet<String>) -> String {
    loop {
        let stem = names::place_stem(rng);
        if used.insert(stem.clone()) {
            return stem;
        }
    }
}

fn jitter(rng: &mut ChaCha8Rng, centre: f64, spread: f64) -> f64 {
    centre + rng.random_range(-spread..spread)
}

impl CountyState<'_> {
    fn is_district(&self) -> bool {
        self.input.name.ends_with('区')
    }

    /// Townships (streets first, then towns, then xiang) and their villages. Urban districts
    /// have fewer, smaller townships with more communities; rural counties more villages.
    fn divisions(&mut self, rng: &mut ChaCha8Rng) {
        let district = self.is_district();
        let n: usize = if district {
            rng.random_range(10..=14)
        } else {
            rng.random_range(14..=21)
        };
        let streets = if district {
            n * 3 / 4
        } else {
            rng.random_range(2..=4)
        };
        let towns = if district {
            n - streets
        } else {
            (n - streets) * 2 / 3
        };
        let mut town_stems = HashSet::new();
        let mut village_stems = HashSet::new();
        for i in 0..n {
            let kind = if i < streets {
                TownKind::Street
            } else if i < streets + towns {
                TownKind::Town
            } else {
                TownKind::Xiang
            };
            let serial = kind.first_serial()
                + match kind {
                    TownKind::Street => i,
                    TownKind::Town => i - streets,
                    TownKind::Xiang => i - streets - towns,
                } as u32;
            let short = fresh_stem(rng, &mut town_stems);
            let code = format!("{}{serial:03}", self.input.code);
            let name = format!("{short}{}", kind.suffix());
            let (lon, lat) = (
                jitter(rng, self.input.longitude, 0.12),
                jitter(rng, self.input.latitude, 0.10),
            );
            self.out.divisions.push(DivisionRow {
                code: code.clone(),
                name: name.clone(),
                parent_code: self.input.code.clone(),
                longitude: lon,
                latitude: lat,
            });

            let nv: usize = if district {
                rng.random_range(8..=14)
            } else {
                rng.random_range(15..=27)
            };
            let share = match kind {
                TownKind::Street => 0.7,
                TownKind::Town => 0.2,
                TownKind::Xiang => 0.05,
            };
            let communities = (0..nv).filter(|_| rng.random_bool(share)).count();
            let mut villages = Vec::with_capacity(nv);
            for v in 0..nv {
                let community = v < communities;
                // Statistical codes: communities (居委会) 001–199, villages (村委会) 201–399.
                let vserial = if community {
                    v + 1
                } else {
                    201 + v - communities
                };
                let vcode = format!("{code}{vserial:03}");
                let vname = format!(
                    "{}{}",
                    fresh_stem(rng, &mut village_stems),
                    if community { "社区" } else { "村" }
                );
                self.out.divisions.push(DivisionRow {
                    code: vcode.clone(),
                    name: vname.clone(),
                    parent_code: code.clone(),
                    longitude: jitter(rng, lon, 0.03),
                    latitude: jitter(rng, lat, 0.025),
                });
                villages.push(Village {
                    code: vcode,
                    name: vname,
                    community,
                });
            }
            self.towns.push(Township {
                code,
                name,
                short,
                kind,
                villages,
            });
        }
    }

    /// Adds a unit and returns its index.
    #[allow(clippy::too_many_arguments)] // a plain record constructor; a builder adds nothing
    fn add_unit(
        &mut self,
        rng: &mut ChaCha8Rng,
        name: String,
        kind: UnitKind,
        role: Role,
        division_code: String,
        category: UsccCategory,
        parent: Option<usize>,
        address: String,
    ) -> usize {
        let uscc = loop {
            let code = ids::uscc(rng, category, &self.input.code);
            if self.usccs.insert(code.clone()) {
                break code;
            }
        };
        let idx = self.out.units.len();
        let parent_unit_id = parent.map(|p| self.out.units[p].unit_id.clone());
        self.out.units.push(Unit {
            unit_id: format!("U{}-{:04}", self.input.code, idx + 1),
            name,
            kind,
            division_code,
            uscc,
            parent_unit_id,
            address,
        });
        let founded = (kind == UnitKind::PrivateEnterprise).then(|| {
            staff::date_between(
                rng,
                NaiveDate::from_ymd_opt(1998, 1, 1).unwrap_or_default(),
                NaiveDate::from_ymd_opt(2023, 12, 31).unwrap_or_default(),
            )
        });
        self.meta.push(UnitMeta {
            role,
            founded,
            staff: Vec::new(),
        });
        idx
    }

    /// An address in township `t` (county-level units sit in some township too).
    fn address(&self, rng: &mut ChaCha8Rng, t: usize) -> String {
        format!(
            "{}{}{}",
            self.address_prefix,
            self.towns[t].name,
            names::road_address(rng)
        )
    }

    fn random_town(&self, rng: &mut ChaCha8Rng) -> usize {
        rng.random_range(0..self.towns.len())
    }

    fn units(&mut self, rng: &mut ChaCha8Rng) {
        let county = self.input.name.clone();
        let county_code = self.input.code.clone();
        let short = self.short.clone();

        // Organs: the government, its departments, then one organ per township.
        let head = match county.chars().last() {
            Some('县') => "县长",
            Some('市') => "市长",
            _ => "区长",
        };
        let t = self.random_town(rng);
        let addr = self.address(rng, t);
        let gov = self.add_unit(
            rng,
            format!("{county}人民政府"),
            UnitKind::Organ,
            Role::CountyGov(head),
            county_code.clone(),
            UsccCategory::Organ,
            None,
            addr,
        );
        let mut dept_of = std::collections::BTreeMap::new();
        for (dept, head) in DEPARTMENTS {
            let category = if dept.ends_with("中心") {
                UsccCategory::Institution
            } else {
                UsccCategory::Organ
            };
            let t = self.random_town(rng);
            let addr = self.address(rng, t);
            let u = self.add_unit(
                rng,
                format!("{county}{dept}"),
                UnitKind::Organ,
                Role::CountyDept(head),
                county_code.clone(),
                category,
                Some(gov),
                addr,
            );
            dept_of.insert(*dept, u);
        }
        let dept = |name: &str| dept_of.get(name).copied();
        let mut town_organ = Vec::with_capacity(self.towns.len());
        for t in 0..self.towns.len() {
            let (name, kind, code) = (
                self.towns[t].name.clone(),
                self.towns[t].kind,
                self.towns[t].code.clone(),
            );
            let organ = if kind == TownKind::Street {
                format!("{name}办事处")
            } else {
                format!("{name}人民政府")
            };
            let addr = self.address(rng, t);
            let u = self.add_unit(
                rng,
                organ,
                UnitKind::Organ,
                Role::Township(kind),
                code,
                UsccCategory::Organ,
                Some(gov),
                addr,
            );
            town_organ.push(u);
        }

        // State-owned groups and their subsidiaries.
        let mut groups: Vec<usize> = (0..SOE_GROUPS.len()).collect();
        groups.shuffle(rng);
        let n_groups = if self.is_district() {
            3
        } else {
            rng.random_range(3..=4)
        };
        groups.truncate(n_groups);
        groups.sort_unstable();
        for g in groups {
            let (group, subs) = SOE_GROUPS[g];
            let t = self.random_town(rng);
            let addr = self.address(rng, t);
            let gu = self.add_unit(
                rng,
                format!("{short}{group}"),
                UnitKind::Soe,
                Role::SoeGroup,
                county_code.clone(),
                UsccCategory::Enterprise,
                None,
                addr,
            );
            let n_subs = rng.random_range(2..=subs.len());
            for sub in &subs[..n_subs] {
                let t = self.random_town(rng);
                let addr = self.address(rng, t);
                self.add_unit(
                    rng,
                    format!("{short}{sub}"),
                    UnitKind::Soe,
                    Role::SoeSub,
                    county_code.clone(),
                    UsccCategory::Enterprise,
                    Some(gu),
                    addr,
                );
            }
        }

        // Schools: county high schools, then primary, middle and kindergarten per township.
        let edu = dept("教育局");
        let mut county_schools = vec![format!("{short}高级中学"), format!("{county}职业高级中学")];
        if !self.is_district() {
            county_schools.insert(1, format!("{short}第二高级中学"));
        }
        for name in county_schools {
            let t = self.random_town(rng);
            let addr = self.address(rng, t);
            let role = Role::School {
                kindergarten: false,
            };
            let cat = UsccCategory::Institution;
            self.add_unit(
                rng,
                name,
                UnitKind::School,
                role,
                county_code.clone(),
                cat,
                edu,
                addr,
            );
        }
        let middle_share = if self.is_district() { 0.5 } else { 0.9 };
        for t in 0..self.towns.len() {
            let ts = self.towns[t].short.clone();
            let mut schools = vec![(format!("{ts}小学"), false)];
            if rng.random_bool(0.4) {
                schools.push((format!("{ts}第二小学"), false));
            }
            if rng.random_bool(middle_share) {
                schools.push((format!("{ts}初级中学"), false));
            }
            schools.push((format!("{ts}幼儿园"), true));
            for (name, kindergarten) in schools {
                let addr = self.address(rng, t);
                let code = self.towns[t].code.clone();
                let role = Role::School { kindergarten };
                self.add_unit(
                    rng,
                    name,
                    UnitKind::School,
                    role,
                    code,
                    UsccCategory::Institution,
                    edu,
                    addr,
                );
            }
        }

        // Hospitals: three county hospitals and a health centre per township.
        let health = dept("卫生健康局");
        for name in ["人民医院", "中医院", "妇幼保健院"] {
            let t = self.random_town(rng);
            let addr = self.address(rng, t);
            let role = Role::Hospital {
                small: false,
                head: "院长",
            };
            let name = format!("{county}{name}");
            let cat = UsccCategory::Institution;
            self.add_unit(
                rng,
                name,
                UnitKind::Hospital,
                role,
                county_code.clone(),
                cat,
                health,
                addr,
            );
        }
        for t in 0..self.towns.len() {
            let town = &self.towns[t];
            let (name, head) = if town.kind == TownKind::Street {
                (format!("{}社区卫生服务中心", town.name), "主任")
            } else {
                (format!("{}卫生院", town.name), "院长")
            };
            let code = town.code.clone();
            let addr = self.address(rng, t);
            let role = Role::Hospital { small: true, head };
            self.add_unit(
                rng,
                name,
                UnitKind::Hospital,
                role,
                code,
                UsccCategory::Institution,
                health,
                addr,
            );
        }

        // Transport: county-level centres and companies.
        let transport = dept("交通运输局");
        for (name, company) in [
            (format!("{county}公路与运输管理中心"), false),
            (format!("{short}公共交通有限公司"), true),
            (format!("{county}交通工程建设中心"), false),
            (format!("{short}客运中心有限公司"), true),
        ] {
            let t = self.random_town(rng);
            let addr = self.address(rng, t);
            let cat = if company {
                UsccCategory::Enterprise
            } else {
                UsccCategory::Institution
            };
            let role = Role::Transport { company };
            self.add_unit(
                rng,
                name,
                UnitKind::Transport,
                role,
                county_code.clone(),
                cat,
                transport,
                addr,
            );
        }

        // Culture: county venues and a cultural station per township.
        let culture = dept("文化和广电旅游体育局");
        for name in ["文化馆", "图书馆", "博物馆"] {
            let t = self.random_town(rng);
            let addr = self.address(rng, t);
            let role = Role::Culture { station: false };
            let name = format!("{county}{name}");
            let cat = UsccCategory::Institution;
            self.add_unit(
                rng,
                name,
                UnitKind::Culture,
                role,
                county_code.clone(),
                cat,
                culture,
                addr,
            );
        }
        for (t, &organ) in town_organ.iter().enumerate() {
            let name = format!("{}综合文化站", self.towns[t].name);
            let code = self.towns[t].code.clone();
            let addr = self.address(rng, t);
            let role = Role::Culture { station: true };
            let cat = UsccCategory::Institution;
            self.add_unit(
                rng,
                name,
                UnitKind::Culture,
                role,
                code,
                cat,
                Some(organ),
                addr,
            );
        }

        // Private enterprises, a few per township.
        let mut company_names = HashSet::new();
        let per_town = if self.is_district() { 3..=7 } else { 2..=5 };
        for t in 0..self.towns.len() {
            for _ in 0..rng.random_range(per_town.clone()) {
                let name = loop {
                    let n = names::company_name(rng, &short);
                    if company_names.insert(n.clone()) {
                        break n;
                    }
                };
                let code = self.towns[t].code.clone();
                let addr = self.address(rng, t);
                let cat = UsccCategory::Enterprise;
                self.add_unit(
                    rng,
                    name,
                    UnitKind::PrivateEnterprise,
                    Role::Private,
                    code,
                    cat,
                    None,
                    addr,
                );
            }
        }

        // One unit per village or community; its USCC is that of the collective cooperative.
        for (t, &organ) in town_organ.iter().enumerate() {
            for v in 0..self.towns[t].villages.len() {
                let town = &self.towns[t];
                let village = &town.villages[v];
                let name = format!("{}{}", town.name, village.name);
                let code = village.code.clone();
                let community = village.community;
                let addr = format!(
                    "{}{}{}{}号",
                    self.address_prefix,
                    town.name,
                    village.name,
                    rng.random_range(1..=300u32)
                );
                let role = Role::Village { community };
                let cat = UsccCategory::VillageCollective;
                self.add_unit(
                    rng,
                    name,
                    UnitKind::Village,
                    role,
                    code,
                    cat,
                    Some(organ),
                    addr,
                );
            }
        }
    }

    /// A new person with a unique citizen ID; returns the index.
    pub fn add_person(
        &mut self,
        rng: &mut ChaCha8Rng,
        name: String,
        birth: NaiveDate,
        gender: Gender,
        division_code: String,
        unit: Option<usize>,
    ) -> usize {
        let citizen_id = loop {
            let id = ids::citizen_id(rng, &self.input.code, birth, gender == Gender::Male);
            if self.citizen_ids.insert(id.clone()) {
                break id;
            }
        };
        let idx = self.out.people.len();
        self.out.people.push(Person {
            person_id: format!("P{}-{:06}", self.input.code, idx + 1),
            name,
            citizen_id,
            gender,
            division_code,
            unit_id: unit.map(|u| self.out.units[u].unit_id.clone()),
        });
        self.births.push(birth);
        idx
    }

    /// A new post; returns the index.
    #[allow(clippy::too_many_arguments)] // mirrors the posts columns one to one
    pub fn add_post(
        &mut self,
        unit: usize,
        person: usize,
        title: &str,
        key_area: Option<super::KeyArea>,
        is_head: bool,
        start_date: NaiveDate,
        end_date: Option<NaiveDate>,
    ) -> usize {
        let idx = self.out.posts.len();
        self.out.posts.push(Post {
            post_id: format!("PT{}-{:06}", self.input.code, idx + 1),
            unit_id: self.out.units[unit].unit_id.clone(),
            person_id: self.out.people[person].person_id.clone(),
            title: title.to_owned(),
            key_area,
            is_head,
            start_date,
            end_date,
        });
        idx
    }
}

/// County departments and their heads' titles.
const DEPARTMENTS: &[(&str, &str)] = &[
    ("人民政府办公室", "主任"),
    ("纪委监委", "书记"),
    ("发展和改革局", "局长"),
    ("财政局", "局长"),
    ("教育局", "局长"),
    ("卫生健康局", "局长"),
    ("交通运输局", "局长"),
    ("文化和广电旅游体育局", "局长"),
    ("住房和城乡建设局", "局长"),
    ("农业农村局", "局长"),
    ("人力资源和社会保障局", "局长"),
    ("市场监督管理局", "局长"),
    ("审计局", "局长"),
    ("民政局", "局长"),
    ("司法局", "局长"),
    ("应急管理局", "局长"),
    ("综合行政执法局", "局长"),
    ("商务局", "局长"),
    ("公共资源交易中心", "主任"),
    ("机关事务管理中心", "主任"),
];

/// County SOE groups and the subsidiaries they may have.
const SOE_GROUPS: &[(&str, &[&str])] = &[
    (
        "城市建设投资集团有限公司",
        &["置业有限公司", "建设工程有限公司", "物业管理有限公司"],
    ),
    (
        "国有资产经营集团有限公司",
        &["资产管理有限公司", "商贸有限公司", "融资担保有限公司"],
    ),
    (
        "交通投资集团有限公司",
        &["公路养护有限公司", "交通建设有限公司", "停车管理有限公司"],
    ),
    (
        "水务集团有限公司",
        &["供水有限公司", "排水有限公司", "水务工程有限公司"],
    ),
    (
        "文化旅游发展集团有限公司",
        &["旅游开发有限公司", "酒店管理有限公司", "文化传播有限公司"],
    ),
    (
        "农业发展集团有限公司",
        &["粮食收储有限公司", "农产品市场有限公司", "农业开发有限公司"],
    ),
    (
        "产业投资集团有限公司",
        &["创业投资有限公司", "园区开发有限公司", "供应链管理有限公司"],
    ),
];
