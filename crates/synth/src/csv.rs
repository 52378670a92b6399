//! Hand-written CSV output: RFC 4180 quoting, UTF-8 without BOM, `\n` line ends.

use crate::SynthError;
use crate::write::Cell;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Quotes a field only when it must: it holds a comma, quote or line break.
fn push_field(line: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&field.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(field);
    }
}

/// Writes a header and one line per row; returns the number of rows.
pub(crate) fn write_csv<T, const N: usize>(
    path: &Path,
    header: [&str; N],
    rows: &[T],
    cells: impl Fn(&T) -> [Cell<'_>; N],
    progress: &dyn Fn(u64, u64),
) -> Result<usize, SynthError> {
    let file = File::create(path).map_err(SynthError::io(path))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut line = String::with_capacity(256);
    let emit = |w: &mut BufWriter<File>, line: &mut String| {
        line.push('\n');
        let r = w.write_all(line.as_bytes());
        line.clear();
        r
    };
    for (i, h) in header.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        push_field(&mut line, h);
    }
    emit(&mut w, &mut line).map_err(SynthError::io(path))?;
    let total = rows.len() as u64;
    for (n, row) in rows.iter().enumerate() {
        for (i, cell) in cells(row).iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            cell.push_csv(&mut line, push_field);
        }
        emit(&mut w, &mut line).map_err(SynthError::io(path))?;
        if n % crate::write::PROGRESS_EVERY == 0 {
            progress(n as u64, total);
        }
    }
    w.flush().map_err(SynthError::io(path))?;
    progress(total, total);
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let mut s = String::new();
        push_field(&mut s, "plain");
        push_field(&mut s, "a,b");
        push_field(&mut s, "say \"hi\"");
        push_field(&mut s, "two\nlines");
        assert_eq!(s, "plain\"a,b\"\"say \"\"hi\"\"\"\"two\nlines\"");
    }
}
