//! Print-ready HTML: one self-contained page (inline CSS, no scripts, no external assets),
//! A4 with the margins of GB/T 9704 official documents.

use crate::canonical::content_hash;
use crate::layout::{Part, layout};
use crate::model::Letter;
use std::fmt::Write;

const FONTS: &str = r#""Noto Serif CJK SC", "Noto Sans CJK SC", serif"#;

const CSS: &str = r#"
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
html { background: #f0f0f0; }
body { margin: 0; font-family: FONTS; font-size: 16pt; line-height: 1.75; color: #000; }
.letter { box-sizing: border-box; width: 210mm; min-height: 297mm; margin: 10mm auto;
  padding: 37mm 26mm 35mm 28mm; background: #fff; box-shadow: 0 0 4mm rgba(0,0,0,.2); }
h1 { font-size: 22pt; text-align: center; margin: 0 0 6mm; letter-spacing: .1em; }
.number { text-align: center; margin: 0 0 8mm; }
.recipient { margin: 0; font-size: 12pt; color: #333; }
.salutation { margin: 4mm 0 0; }
h2 { font-size: 16pt; margin: 4mm 0 0; }
.body { text-indent: 2em; margin: 0; }
.item { text-indent: 2em; margin: 0; }
table { width: 100%; border-collapse: collapse; margin: 3mm 0; font-size: 11pt; line-height: 1.5; }
th, td { border: 1px solid #000; padding: 1.5mm 2mm; vertical-align: top; text-align: left; }
th { font-weight: bold; background: #f2f2f2; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
.sign { text-align: right; margin: 0; }
.sign.first { margin-top: 12mm; }
.ack { margin-top: 12mm; padding-top: 4mm; border-top: 1px dashed #000;
  break-inside: avoid; page-break-inside: avoid; }
.ack h2 { text-align: center; }
.ack .field { margin: 4mm 0 0; }
.blank { display: inline-block; min-width: 50mm; border-bottom: 1px solid #000; }
.hash { margin-top: 8mm; font-size: 9pt; color: #555; word-break: break-all; }
@media print {
  html { background: none; }
  .letter { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
}
"#;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn render_html(l: &Letter) -> String {
    let e = escape_html;
    let hash = content_hash(l);
    let mut h = String::new();
    // `write!` into a String cannot fail; the results are ignored on purpose.
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"qinglian-letter-number\" content=\"{}\">\n\
         <meta name=\"qinglian-letter-sha256\" content=\"{hash}\">\n\
         <title>{} {}</title>\n<style>{}</style>\n</head>\n<body>\n<article class=\"letter\">\n",
        e(&l.number),
        e(l.title_zh()),
        e(&l.number),
        CSS.replace("FONTS", FONTS),
    );
    let mut first_sign = true;
    for p in layout(l) {
        let _ = match p {
            Part::Title(t) => writeln!(h, "<h1>{}</h1>", e(&t)),
            Part::Number(t) => writeln!(h, "<p class=\"number\">{}</p>", e(&t)),
            Part::Recipient(t) => writeln!(h, "<p class=\"recipient\">{}</p>", e(&t)),
            Part::Salutation(t) => writeln!(h, "<p class=\"salutation\">{}</p>", e(&t)),
            Part::Heading(t) => writeln!(h, "<h2>{}</h2>", e(&t)),
            Part::Paragraph(t) => writeln!(h, "<p class=\"body\">{}</p>", e(&t)),
            Part::Item(t) => writeln!(h, "<p class=\"item\">{}</p>", e(&t)),
            Part::Table { columns, rows } => {
                h.push_str("<table>\n<thead><tr>");
                for c in &columns {
                    let _ = write!(h, "<th>{}</th>", e(c));
                }
                h.push_str("</tr></thead>\n<tbody>\n");
                for r in &rows {
                    h.push_str("<tr>");
                    for c in r {
                        let _ = write!(h, "<td>{}</td>", e(c));
                    }
                    h.push_str("</tr>\n");
                }
                writeln!(h, "</tbody>\n</table>")
            }
            Part::SignIssuer(t) | Part::SignDate(t) => {
                let class = if first_sign { "sign first" } else { "sign" };
                first_sign = false;
                writeln!(h, "<p class=\"{class}\">{}</p>", e(&t))
            }
            // The acknowledgement comes last; its section is closed after the loop.
            Part::AckHeading(t) => writeln!(h, "<section class=\"ack\">\n<h2>{}</h2>", e(&t)),
            Part::AckStatement(t) => writeln!(h, "<p class=\"body\">{}</p>", e(&t)),
            Part::AckField(t) => writeln!(
                h,
                "<p class=\"field\">{}：<span class=\"blank\"></span></p>",
                e(&t)
            ),
        };
    }
    let _ = write!(
        h,
        "</section>\n<p class=\"hash\">文书指纹（SHA-256）：{hash}</p>\n</article>\n</body>\n</html>\n"
    );
    h
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape_html(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(escape_html("廉政"), "廉政");
    }
}
