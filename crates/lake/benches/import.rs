//! Import throughput on a 10-column dataset, side by side with the tools an analyst would
//! otherwise use: pandas (`read_csv`, `read_excel` with openpyxl) and DuckDB (`read_csv`),
//! each writing the same rows to Parquet. Run:
//!
//! ```sh
//! pip install pandas pyarrow openpyxl duckdb
//! cargo bench -p qinglian-lake --bench import            # CSV_ROWS / XLSX_ROWS to change sizes
//! ```
//!
//! Reports rows/s and the time ratio (peer ÷ Qinglian; above 1 means Qinglian is faster).
//! Machines here are noisy: read the ratios, not the absolute times.

use qinglian_lake::{DatasetSchema, Lake, ReadOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Ten columns covering every validated type an import meets: codes, enums, division codes,
/// money, dates, timestamps, integers, booleans and free text.
const SCHEMA: &str = r#"
name = "bench_contracts"
name_zh = "基准合同"
domain = "bench"
order = 1
key = ["contract_id"]
description_zh = "导入基准用的十列数据集"
description_en = "ten-column dataset for the import benchmark"
columns = [
  { name = "contract_id", aliases = ["合同编号"], type = "text", required = true },
  { name = "unit_id", aliases = ["单位编号"], type = "text", required = true },
  { name = "counterparty", aliases = ["相对方"], type = "text" },
  { name = "kind", aliases = ["单位类型"], type = "enum", values = [ { code = "organ", zh = "机关" }, { code = "soe", zh = "国企" }, { code = "school", zh = "学校" }, { code = "hospital", zh = "医院" } ] },
  { name = "division_code", aliases = ["行政区划代码"], type = "division", required = true },
  { name = "amount", aliases = ["金额"], type = "money" },
  { name = "signed_date", aliases = ["签订日期"], type = "date" },
  { name = "updated_at", aliases = ["更新时间"], type = "date_time" },
  { name = "quantity", aliases = ["数量"], type = "int" },
  { name = "is_public", aliases = ["是否公开"], type = "bool" },
]
"#;

const HEADERS: [&str; 10] = [
    "合同编号",
    "单位编号",
    "相对方",
    "单位类型",
    "行政区划代码",
    "金额",
    "签订日期",
    "更新时间",
    "数量",
    "是否公开",
];
const KINDS: [&str; 4] = ["机关", "国企", "学校", "医院"];

struct Row {
    id: String,
    unit: String,
    party: String,
    kind: &'static str,
    division: String,
    amount: String,
    date: String,
    ts: String,
    qty: u64,
    public: &'static str,
}

fn row(i: u64) -> Row {
    // A cheap deterministic mix (no rand: the files must be the same for every run).
    let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17);
    let day = 1 + h % 28;
    let month = 1 + (h >> 8) % 12;
    Row {
        id: format!("HT{i:09}"),
        unit: format!("U330106-{:04}", h % 5000),
        party: format!("杭州市第{}建设有限公司", h % 997),
        kind: KINDS[(h % 4) as usize],
        division: format!("330106{:03}", 1 + h % 14),
        amount: format!("{}.{:02}", h % 10_000_000, (h >> 20) % 100),
        date: format!("2025-{month:02}-{day:02}"),
        ts: format!(
            "2025-{month:02}-{day:02} {:02}:{:02}:{:02}",
            h % 24,
            (h >> 5) % 60,
            (h >> 11) % 60
        ),
        qty: h % 1000,
        public: if h.is_multiple_of(3) { "否" } else { "是" },
    }
}

fn write_csv(path: &Path, n: u64) {
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    writeln!(f, "{}", HEADERS.join(",")).unwrap();
    for i in 0..n {
        let r = row(i);
        writeln!(
            f,
            "{},{},{},{},{},{},{},{},{},{}",
            r.id, r.unit, r.party, r.kind, r.division, r.amount, r.date, r.ts, r.qty, r.public
        )
        .unwrap();
    }
}

fn write_xlsx(path: &Path, n: u64) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write(0, c as u16, *h).unwrap();
    }
    for i in 0..n {
        let r = row(i);
        let x = i as u32 + 1;
        ws.write(x, 0, &r.id).unwrap();
        ws.write(x, 1, &r.unit).unwrap();
        ws.write(x, 2, &r.party).unwrap();
        ws.write(x, 3, r.kind).unwrap();
        ws.write(x, 4, &r.division).unwrap();
        ws.write(x, 5, r.amount.parse::<f64>().unwrap()).unwrap();
        ws.write(x, 6, &r.date).unwrap();
        ws.write(x, 7, &r.ts).unwrap();
        ws.write(x, 8, r.qty as f64).unwrap();
        ws.write(x, 9, r.public).unwrap();
    }
    wb.save(path).unwrap();
}

/// Best of `runs` full imports (validate + write Parquet + publish) into a fresh lake.
fn time_qinglian(schema: &DatasetSchema, file: &Path, work: &Path, runs: usize) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..runs {
        let lake_dir = work.join("lake");
        let _ = std::fs::remove_dir_all(&lake_dir);
        let lake = Lake::new(&lake_dir);
        let t = Instant::now();
        let p = lake
            .prepare_with_schema(
                schema,
                &[file.to_path_buf()],
                &ReadOptions::default(),
                false,
                &|_, _| {},
            )
            .unwrap();
        let r = lake.commit(p).unwrap();
        best = best.min(t.elapsed().as_secs_f64());
        assert!(r.rows_written > 0);
    }
    best
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo bench` passes --bench; nothing else to parse.
    let csv_rows = env_u64("CSV_ROWS", 2_000_000);
    let xlsx_rows = env_u64("XLSX_ROWS", 200_000);
    let work: PathBuf = std::env::var("BENCH_DIR").map_or_else(
        |_| std::env::temp_dir().join("qinglian-bench-import"),
        PathBuf::from,
    );
    std::fs::create_dir_all(&work).unwrap();
    let schema: DatasetSchema = toml::from_str(SCHEMA).unwrap();
    let csv = work.join(format!("contracts-{csv_rows}.csv"));
    let xlsx = work.join(format!("contracts-{xlsx_rows}.xlsx"));
    if !csv.exists() {
        write_csv(&csv, csv_rows);
    }
    if !xlsx.exists() {
        write_xlsx(&xlsx, xlsx_rows);
    }
    let csv_mb = std::fs::metadata(&csv).unwrap().len() as f64 / 1e6;
    println!(
        "machine: {} cores; CSV {csv_rows} rows ({csv_mb:.0} MB), XLSX {xlsx_rows} rows",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let q_csv = time_qinglian(&schema, &csv, &work, 3);
    let q_xlsx = time_qinglian(&schema, &xlsx, &work, 2);

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/import_peers.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(&csv)
        .arg(&xlsx)
        .arg(work.join("peers"))
        .output();
    let peers: serde_json::Value = match out {
        Ok(o) if o.status.success() => serde_json::from_slice(&o.stdout).unwrap(),
        Ok(o) => {
            eprintln!(
                "peers unavailable (pip install pandas pyarrow openpyxl duckdb): {}",
                String::from_utf8_lossy(&o.stderr)
            );
            serde_json::json!({})
        }
        Err(e) => {
            eprintln!("python3 unavailable: {e}");
            serde_json::json!({})
        }
    };

    println!("\n| format | tool | rows | seconds | rows/s | peer time ÷ Qinglian time |");
    println!("|---|---|---:|---:|---:|---:|");
    let line = |fmt: &str, tool: &str, rows: u64, secs: f64, base: f64| {
        println!(
            "| {fmt} | {tool} | {rows} | {secs:.2} | {:.0} | {:.2} |",
            rows as f64 / secs,
            secs / base
        );
    };
    line("CSV", "qinglian import", csv_rows, q_csv, q_csv);
    for (k, label) in [
        ("pandas_csv", "pandas read_csv → to_parquet"),
        (
            "pandas_csv_pyarrow",
            "pandas read_csv(engine=pyarrow) → to_parquet",
        ),
        ("duckdb_csv", "DuckDB read_csv → COPY parquet"),
    ] {
        if let Some(s) = peers[k].as_f64() {
            line("CSV", label, csv_rows, s, q_csv);
        }
    }
    line("XLSX", "qinglian import", xlsx_rows, q_xlsx, q_xlsx);
    if let Some(s) = peers["pandas_xlsx"].as_f64() {
        line(
            "XLSX",
            "pandas read_excel(openpyxl) → to_parquet",
            xlsx_rows,
            s,
            q_xlsx,
        );
    }
}
