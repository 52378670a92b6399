//! Generated names for people, places and organisations.
//!
//! Person names are a common surname plus one or two characters drawn from a character list;
//! no list of real people is used. Names on [`REFUSED_NAMES`] are never produced.

use rand::Rng;
use rand::seq::IndexedRandom;

/// Names that must never appear in generated data, whatever the seed.
pub const REFUSED_NAMES: &[&str] = &["徐佩宁"];

pub fn is_refused(name: &str) -> bool {
    REFUSED_NAMES.contains(&name)
}

/// Common surnames, weighted roughly as in Zhejiang (陈、王、张 … first).
const SURNAMES: &[(&str, u32)] = &[
    ("陈", 90),
    ("王", 85),
    ("张", 60),
    ("李", 55),
    ("吴", 50),
    ("徐", 45),
    ("周", 42),
    ("林", 40),
    ("金", 35),
    ("黄", 34),
    ("杨", 32),
    ("朱", 30),
    ("胡", 30),
    ("叶", 28),
    ("方", 26),
    ("郑", 25),
    ("何", 24),
    ("沈", 24),
    ("赵", 22),
    ("俞", 20),
    ("潘", 20),
    ("钱", 18),
    ("蒋", 18),
    ("孙", 18),
    ("刘", 18),
    ("楼", 14),
    ("应", 14),
    ("章", 14),
    ("汪", 14),
    ("马", 12),
    ("许", 12),
    ("吕", 12),
    ("傅", 12),
    ("邵", 12),
    ("董", 11),
    ("丁", 10),
    ("毛", 10),
    ("姚", 10),
    ("袁", 10),
    ("陆", 10),
    ("余", 10),
    ("郭", 9),
    ("高", 9),
    ("罗", 8),
    ("谢", 8),
    ("宋", 8),
    ("唐", 8),
    ("韩", 7),
    ("曹", 7),
    ("冯", 7),
    ("邱", 7),
    ("范", 7),
    ("严", 6),
    ("戴", 6),
    ("施", 6),
    ("程", 6),
    ("葛", 6),
    ("夏", 6),
    ("卢", 6),
    ("蔡", 6),
    ("洪", 5),
    ("虞", 5),
    ("童", 5),
    ("屠", 4),
    ("翁", 4),
    ("鲍", 4),
    ("柳", 4),
    ("项", 4),
    ("尹", 3),
    ("史", 3),
    ("石", 3),
    ("欧阳", 2),
];

const MALE_CHARS: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "斌", "鹏", "辉", "刚", "健", "峰", "浩", "俊",
    "宇", "凯", "超", "亮", "波", "华", "林", "东", "龙", "平", "建", "国", "武", "海", "江", "坤",
    "晨", "阳", "锋", "毅", "诚", "昊", "哲", "博", "睿", "泽", "航", "翔", "宁", "斐", "骏", "彬",
];
const FEMALE_CHARS: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "慧", "莉", "萍", "红",
    "梅", "琳", "倩", "颖", "洁", "佳", "怡", "欣", "悦", "雯", "蕾", "璐", "瑶", "琪", "萱", "妍",
    "露", "晶", "彤", "佩", "宁", "菁", "岚", "蓉",
];
const NEUTRAL_CHARS: &[&str] = &[
    "晓", "文", "嘉", "思", "子", "雨", "一", "宏", "春", "秋", "永", "志", "新", "立", "家", "玉",
    "德", "安", "天", "云", "清", "正", "益", "若", "亦", "可", "书", "振", "建", "伊",
];

fn pick<'a>(rng: &mut impl Rng, list: &[&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or_default()
}

/// A surname drawn by weight.
pub fn surname(rng: &mut impl Rng) -> &'static str {
    let total: u32 = SURNAMES.iter().map(|s| s.1).sum();
    let mut r = rng.random_range(0..total);
    for (s, w) in SURNAMES {
        if r < *w {
            return s;
        }
        r -= w;
    }
    SURNAMES[0].0
}

/// The surname part of a generated name (two-character surnames included).
pub fn surname_of(name: &str) -> &str {
    SURNAMES
        .iter()
        .map(|s| s.0)
        .filter(|s| s.chars().count() > 1)
        .find(|s| name.starts_with(s))
        .unwrap_or_else(|| name.char_indices().nth(1).map_or(name, |(i, _)| &name[..i]))
}

/// A person name: a weighted surname and a one- or two-character given name.
pub fn person_name(rng: &mut impl Rng, male: bool) -> String {
    let s = surname(rng);
    person_name_with_surname(rng, s, male)
}

/// A name in a given family (children and siblings share the surname).
pub fn person_name_with_surname(rng: &mut impl Rng, surname: &str, male: bool) -> String {
    loop {
        let gendered = if male { MALE_CHARS } else { FEMALE_CHARS };
        let mut name = String::from(surname);
        if rng.random_bool(0.2) {
            name.push_str(pick(rng, gendered));
        } else {
            let first = if rng.random_bool(0.5) {
                pick(rng, NEUTRAL_CHARS)
            } else {
                pick(rng, gendered)
            };
            name.push_str(first);
            name.push_str(pick(rng, gendered));
        }
        if !is_refused(&name) {
            return name;
        }
    }
}

/// Characters for place names (townships, villages, roads).
const PLACE_FIRST: &[&str] = &[
    "东", "西", "南", "北", "新", "青", "白", "石", "龙", "凤", "金", "银", "桃", "梅", "竹", "松",
    "云", "柳", "花", "杨", "枫", "清", "长", "上", "下", "大", "小", "黄", "翠", "碧", "双", "三",
    "五", "高", "古", "紫", "红", "安", "永", "和", "平", "兴", "乐", "泰", "福", "丰", "康", "宁",
    "华", "明", "庆", "瑞", "仁", "文", "湖", "溪", "山", "蒋", "沈", "章",
];
const PLACE_SECOND: &[&str] = &[
    "溪", "湖", "山", "江", "河", "桥", "塘", "港", "湾", "岭", "源", "田", "庄", "坞", "浦", "岙",
    "坑", "坪", "岩", "洋", "林", "园", "堰", "峰", "口", "头", "埠", "墩", "畈", "门", "亭", "井",
    "岗", "洲", "滩", "渡", "阳", "安", "宁", "华", "兴", "丰", "和", "家", "泉", "里",
];

/// A two-character place stem such as 青溪, 柳塘.
pub fn place_stem(rng: &mut impl Rng) -> String {
    loop {
        let a = pick(rng, PLACE_FIRST);
        let b = pick(rng, PLACE_SECOND);
        if a != b {
            return format!("{a}{b}");
        }
    }
}

const ROAD_SUFFIX: &[&str] = &["路", "路", "路", "街", "大道"];

/// A street address tail such as 柳塘路 88 号.
pub fn road_address(rng: &mut impl Rng) -> String {
    let stem = place_stem(rng);
    let suffix = pick(rng, ROAD_SUFFIX);
    let number = rng.random_range(1..=999u32);
    format!("{stem}{suffix}{number}号")
}

const BRAND_CHARS: &[&str] = &[
    "恒", "泰", "鑫", "盛", "华", "宏", "达", "信", "诚", "瑞", "博", "创", "远", "航", "凯", "隆",
    "德", "源", "新", "锐", "科", "通", "联", "汇", "丰", "润", "佳", "正", "中", "天", "宇", "星",
    "海", "晨", "阳", "景", "明", "安", "捷", "顺", "鸿", "飞", "腾", "嘉", "和",
];
const INDUSTRIES: &[&str] = &[
    "科技",
    "建设工程",
    "贸易",
    "建材",
    "机械制造",
    "纺织",
    "食品",
    "物流",
    "环保科技",
    "信息技术",
    "电子",
    "园林绿化",
    "装饰工程",
    "医疗器械",
    "文化传媒",
    "劳务服务",
    "物业服务",
    "餐饮管理",
    "办公设备",
    "印务",
    "电气",
    "市政工程",
    "农业开发",
    "药业",
];

/// A private company name: place stem, two brand characters, industry, 有限公司.
pub fn company_name(rng: &mut impl Rng, place: &str) -> String {
    loop {
        let a = pick(rng, BRAND_CHARS);
        let b = pick(rng, BRAND_CHARS);
        if a == b {
            continue;
        }
        let industry = pick(rng, INDUSTRIES);
        return format!("{place}{a}{b}{industry}有限公司");
    }
}

/// Strips a trailing administrative suffix: 西湖区 → 西湖, 杭州市 → 杭州, 青溪街道 → 青溪.
pub fn short_name(name: &str) -> &str {
    // 景宁畲族自治县 is called 景宁.
    if name.ends_with("自治县") {
        let end = name.char_indices().nth(2).map_or(name.len(), |(i, _)| i);
        return &name[..end];
    }
    for suffix in ["街道", "区", "县", "市", "镇", "乡", "省"] {
        if let Some(stem) = name.strip_suffix(suffix)
            && stem.chars().count() >= 2
        {
            return stem;
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn refused_name_is_refused() {
        assert!(is_refused("徐佩宁"));
        assert!(!is_refused("徐佩"));
        // The pieces of the refused name are all in the lists, so the explicit check matters.
        assert!(SURNAMES.iter().any(|s| s.0 == "徐"));
        assert!(FEMALE_CHARS.contains(&"佩") && FEMALE_CHARS.contains(&"宁"));
        // Without the check about 1 in 4,000 female 徐 names would be it.
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..200_000 {
            assert!(!is_refused(&person_name_with_surname(
                &mut rng, "徐", false
            )));
        }
    }

    #[test]
    fn names_look_chinese() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        for _ in 0..1000 {
            let n = person_name(&mut rng, true);
            let len = n.chars().count();
            assert!((2..=4).contains(&len), "{n}");
            assert!(!n.is_ascii());
            assert!(company_name(&mut rng, "西湖").ends_with("有限公司"));
        }
    }

    #[test]
    fn surnames() {
        assert_eq!(surname_of("欧阳明月"), "欧阳");
        assert_eq!(surname_of("陈明"), "陈");
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        assert!(person_name_with_surname(&mut rng, "欧阳", true).starts_with("欧阳"));
    }

    #[test]
    fn short_names() {
        assert_eq!(short_name("西湖区"), "西湖");
        assert_eq!(short_name("杭州市"), "杭州");
        assert_eq!(short_name("青溪街道"), "青溪");
        assert_eq!(short_name("柳塘镇"), "柳塘");
        assert_eq!(short_name("景宁畲族自治县"), "景宁");
        assert_eq!(short_name("余姚市"), "余姚");
    }
}
