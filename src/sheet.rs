//! Spreadsheets in and out. In: XLSX, XLS and ODS (calamine), and CSV in UTF-8 (with or
//! without a byte-order mark), UTF-16 or the Windows code pages Excel writes (1258 for
//! Vietnamese, 1252), every cell as the text a person sees. Out: XLSX (rust_xlsxwriter) and
//! CSV in UTF-8 with a byte-order mark (so Excel shows the marks), every text cell that
//! would run as a formula neutralised.

use std::io::{Cursor, Read};

use calamine::{Data, Reader};
use unicode_normalization::UnicodeNormalization;

use crate::domain::import::neutralise;

/// One sheet: its name and its rows of cells as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<String>>,
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("not a spreadsheet ketnoi can read: {0}")]
    Unreadable(String),
    #[error("the workbook inflates to more than {} MiB", MAX_INFLATED / 1024 / 1024)]
    TooLarge,
}

/// Reads every sheet of a workbook, or the one sheet of a CSV file. A damaged file is an
/// error, never a crash, whatever the reader below does with it.
pub fn read(bytes: &[u8]) -> Result<Vec<Sheet>, SheetError> {
    std::panic::catch_unwind(|| read_any(bytes))
        .unwrap_or_else(|_| Err(SheetError::Unreadable("the file is damaged".into())))
}

fn read_any(bytes: &[u8]) -> Result<Vec<Sheet>, SheetError> {
    let zip = bytes.starts_with(b"PK\x03\x04");
    let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    if !(zip || ole) {
        return Ok(vec![read_csv(bytes)?]);
    }
    if zip {
        check_inflated_size(bytes)?;
    }
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| SheetError::Unreadable(e.to_string()))?;
    let names = book.sheet_names();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| SheetError::Unreadable(e.to_string()))?;
        // The range starts at the first used cell; put back the empty rows and columns
        // above and to its left so row numbers are the spreadsheet's.
        let (top, left) = range.start().unwrap_or((0, 0));
        let mut rows: Vec<Vec<String>> = vec![Vec::new(); top as usize];
        for row in range.rows() {
            let mut cells = vec![String::new(); left as usize];
            cells.extend(row.iter().map(cell_text));
            while cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            rows.push(cells);
        }
        sheets.push(Sheet { name, rows });
    }
    Ok(sheets)
}

/// At most this many bytes once a workbook's parts are inflated: a survey workbook of the
/// import's 200,000 rows is well under it, a zip bomb is not.
pub const MAX_INFLATED: u64 = 512 * 1024 * 1024;

/// Inflates every part of a zipped workbook (XLSX, ODS) into nothing, counting, and refuses
/// the file once the count passes [`MAX_INFLATED`] — whatever sizes the archive declares.
fn check_inflated_size(bytes: &[u8]) -> Result<(), SheetError> {
    check_inflated_under(bytes, MAX_INFLATED)
}

fn check_inflated_under(bytes: &[u8], limit: u64) -> Result<(), SheetError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| SheetError::Unreadable(e.to_string()))?;
    let mut left = limit;
    for i in 0..archive.len() {
        let entry = archive
            .by_index(i)
            .map_err(|e| SheetError::Unreadable(e.to_string()))?;
        let read = std::io::copy(&mut Read::take(entry, left + 1), &mut std::io::sink())
            .map_err(|e| SheetError::Unreadable(e.to_string()))?;
        if read > left {
            return Err(SheetError::TooLarge);
        }
        left -= read;
    }
    Ok(())
}

/// A cell as a person sees it: whole numbers without `.0`, dates as `15/03/2019`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.nfc().collect(),
        Data::Int(n) => n.to_string(),
        #[allow(clippy::cast_possible_truncation)]
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => (*f as i64).to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default(),
        Data::DateTimeIso(s) => {
            chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
                .map_or_else(|_| s.clone(), |d| d.format("%d/%m/%Y").to_string())
        }
        Data::DurationIso(s) => s.clone(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// Text of a CSV file in whichever encoding it came, composed (NFC).
pub fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest).nfc().collect();
    }
    if bytes.starts_with(b"\xFF\xFE") {
        let (text, _) = encoding_rs::UTF_16LE.decode_with_bom_removal(bytes);
        return text.nfc().collect();
    }
    if bytes.starts_with(b"\xFE\xFF") {
        let (text, _) = encoding_rs::UTF_16BE.decode_with_bom_removal(bytes);
        return text.nfc().collect();
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.nfc().collect();
    }
    // Excel's "CSV" on Windows: 1258 on a Vietnamese system, 1252 on a Western one. Text
    // with letters only Vietnamese has is 1258 (whose tone marks come separate, composed
    // here); anything else reads as 1252.
    let (vi, _, _) = encoding_rs::WINDOWS_1258.decode(bytes);
    let vietnamese = vi.chars().any(|c| {
        matches!(
            c,
            'ă' | 'Ă'
                | 'ơ'
                | 'Ơ'
                | 'ư'
                | 'Ư'
                | 'đ'
                | 'Đ'
                | '\u{300}'
                | '\u{301}'
                | '\u{303}'
                | '\u{309}'
                | '\u{323}'
        )
    });
    if vietnamese {
        vi.nfc().collect()
    } else {
        encoding_rs::WINDOWS_1252.decode(bytes).0.nfc().collect()
    }
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, SheetError> {
    let text = decode_text(bytes);
    // Excel writes `;` where the decimal mark is a comma (as in Vietnamese), tabs for
    // "Unicode text". Counted over the first lines: a title line above the headers has none.
    let head: Vec<&str> = text.lines().take(20).collect();
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .rev()
        .max_by_key(|d| {
            head.iter()
                .map(|l| l.matches(char::from(*d)).count())
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| SheetError::Unreadable(e.to_string()))?;
        rows.push(record.iter().map(str::to_string).collect());
    }
    Ok(Sheet {
        name: "CSV".into(),
        rows,
    })
}

/// A cell to write.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.to_string())
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }
}

impl From<Option<i64>> for Cell {
    fn from(n: Option<i64>) -> Self {
        n.map_or(Cell::Empty, Cell::Int)
    }
}

/// A table to write: a sheet with one header row. Rows listed in `marked` are shaded (the
/// bad rows of an import report).
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub marked: Vec<bool>,
}

impl Cell {
    fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Cell::Text(s) => neutralise(s),
            Cell::Int(n) => n.to_string().into(),
            Cell::Empty => "".into(),
        }
    }
}

/// The tables as one workbook, a sheet each.
pub fn write_xlsx(tables: &[Table]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Color, Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0x00E8_EEF4));
    let marked = Format::new().set_background_color(Color::RGB(0x00FF_C7CE));
    let marked_number = marked.clone().set_num_format("#,##0");
    let number = Format::new().set_num_format("#,##0");
    for table in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(&table.name))?;
        for (c, header) in table.headers.iter().enumerate() {
            let col = column(c);
            sheet.write_string_with_format(0, col, header.as_str(), &bold)?;
            let width = header.chars().count().clamp(10, 40);
            #[allow(clippy::cast_precision_loss)]
            sheet.set_column_width(col, width as f64 + 2.0)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        for (r, row) in table.rows.iter().enumerate() {
            let at = u32::try_from(r + 1).unwrap_or(u32::MAX);
            let is_marked = table.marked.get(r).copied().unwrap_or(false);
            for (c, cell) in row.iter().enumerate() {
                let col = column(c);
                match (cell, is_marked) {
                    (Cell::Text(_), false) => {
                        sheet.write_string(at, col, cell.text())?;
                    }
                    (Cell::Text(_) | Cell::Empty, true) => {
                        sheet.write_string_with_format(at, col, cell.text(), &marked)?;
                    }
                    #[allow(clippy::cast_precision_loss)]
                    (Cell::Int(n), false) => {
                        sheet.write_number_with_format(at, col, *n as f64, &number)?;
                    }
                    #[allow(clippy::cast_precision_loss)]
                    (Cell::Int(n), true) => {
                        sheet.write_number_with_format(at, col, *n as f64, &marked_number)?;
                    }
                    (Cell::Empty, false) => {}
                }
            }
        }
    }
    book.save_to_buffer()
}

fn column(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// A sheet name Excel takes: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .take(31)
        .collect();
    if clean.trim().is_empty() {
        "Sheet1".into()
    } else {
        clean
    }
}

/// The table as CSV: UTF-8 with a byte-order mark, comma-separated.
pub fn write_csv(table: &Table) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::WriterBuilder::new().from_writer(&mut out);
        let _ = writer.write_record(table.headers.iter().map(|h| neutralise(h).into_owned()));
        for row in &table.rows {
            let _ = writer.write_record(row.iter().map(|c| c.text().into_owned()));
        }
        let _ = writer.flush();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            name: "Cơ sở".into(),
            headers: vec!["Tên cơ sở".into(), "Giá".into()],
            rows: vec![
                vec![Cell::Text("Miến dong Na Rì".into()), Cell::Int(1_290_000)],
                vec![Cell::Text("=HYPERLINK(\"http://x\")".into()), Cell::Empty],
            ],
            marked: vec![false, true],
        }
    }

    #[test]
    fn xlsx_reads_back_with_formulas_neutralised() {
        let bytes = write_xlsx(&[table()]).unwrap();
        let sheets = read(&bytes).unwrap();
        assert_eq!(sheets[0].name, "Cơ sở");
        assert_eq!(
            sheets[0].rows,
            vec![
                vec!["Tên cơ sở".to_string(), "Giá".into()],
                vec!["Miến dong Na Rì".into(), "1290000".into()],
                vec!["'=HYPERLINK(\"http://x\")".into()],
            ]
        );
    }

    /// An OpenDocument spreadsheet as LibreOffice saves it, cut to what a reader needs.
    fn ods(rows: &[&[&str]]) -> Vec<u8> {
        use std::io::Write;
        let mut body = String::new();
        for row in rows {
            body.push_str("<table:table-row>");
            for c in *row {
                body.push_str(r#"<table:table-cell office:value-type="string"><text:p>"#);
                body.push_str(c);
                body.push_str("</text:p></table:table-cell>");
            }
            body.push_str("</table:table-row>");
        }
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:spreadsheet><table:table table:name="Xã Na Rì">{body}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        out.start_file("mimetype", stored).unwrap();
        out.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        out.start_file("META-INF/manifest.xml", deflated).unwrap();
        out.write_all(manifest.as_bytes()).unwrap();
        out.start_file("content.xml", deflated).unwrap();
        out.write_all(content.as_bytes()).unwrap();
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn ods_reads_as_its_cells() {
        let bytes = ods(&[
            &["Tên cơ sở", "Xã/phường", "Điện thoại"],
            &["HTX Miến dong Côn Minh", "Xã Na Rì", "0912.345.678"],
        ]);
        let sheets = read(&bytes).unwrap();
        assert_eq!(sheets[0].name, "Xã Na Rì");
        assert_eq!(
            sheets[0].rows[1],
            vec![
                "HTX Miến dong Côn Minh".to_string(),
                "Xã Na Rì".into(),
                "0912.345.678".into()
            ]
        );
    }

    #[test]
    fn a_workbook_that_inflates_past_the_limit_is_refused_before_it_is_read() {
        use std::io::Write;
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        out.start_file("xl/worksheets/sheet1.xml", deflated)
            .unwrap();
        out.write_all(&vec![b' '; 3 * 1024 * 1024]).unwrap();
        let bytes = out.finish().unwrap().into_inner();
        assert!(bytes.len() < 64 * 1024, "{} bytes", bytes.len());
        assert!(matches!(
            check_inflated_under(&bytes, 2 * 1024 * 1024),
            Err(SheetError::TooLarge)
        ));
        assert!(check_inflated_under(&bytes, 4 * 1024 * 1024).is_ok());
        // A real workbook is far under the limit.
        assert!(check_inflated_size(&write_xlsx(&[table()]).unwrap()).is_ok());
    }

    #[test]
    fn csv_in_each_encoding() {
        let text = "Tên cơ sở;Điện thoại\nHTX Miến dong Côn Minh;0912.345.678\n";
        let expect = vec![
            vec!["Tên cơ sở".to_string(), "Điện thoại".into()],
            vec!["HTX Miến dong Côn Minh".into(), "0912.345.678".into()],
        ];
        let utf8 = text.as_bytes().to_vec();
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        // As Windows writes it: the letter precomposed, the tone mark after it.
        let tones = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
        let split: String = text
            .chars()
            .flat_map(|c| {
                let nfd: String = c.to_string().nfd().collect();
                let base: String = nfd
                    .chars()
                    .filter(|m| !tones.contains(m))
                    .collect::<String>()
                    .nfc()
                    .collect();
                let tone: String = nfd.chars().filter(|m| tones.contains(m)).collect();
                (base + &tone).chars().collect::<Vec<_>>()
            })
            .collect();
        let (cp1258, _, unmappable) = encoding_rs::WINDOWS_1258.encode(&split);
        assert!(!unmappable);
        for bytes in [utf8, bom, cp1258.into_owned()] {
            assert_eq!(read(&bytes).unwrap()[0].rows, expect);
        }
        let western = encoding_rs::WINDOWS_1252
            .encode("Name,City\nCafé,Crème\n")
            .0;
        assert_eq!(
            read(&western).unwrap()[0].rows[1],
            vec!["Café".to_string(), "Crème".into()]
        );
    }

    #[test]
    fn a_title_above_the_headers_does_not_hide_the_separator() {
        let text = "DANH SÁCH CƠ SỞ\nTên cơ sở;Điện thoại\nHTX A;0912 345 678\n";
        let rows = &read(text.as_bytes()).unwrap()[0].rows;
        assert_eq!(rows[1], vec!["Tên cơ sở".to_string(), "Điện thoại".into()]);
        let text = "Tên cơ sở,Điện thoại\nHTX A,0912 345 678\n";
        assert_eq!(read(text.as_bytes()).unwrap()[0].rows[1][1], "0912 345 678");
    }

    #[test]
    fn csv_out_neutralises_and_marks_its_encoding() {
        let bytes = write_csv(&table());
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let sheets = read(&bytes).unwrap();
        assert_eq!(sheets[0].rows[2][0], "'=HYPERLINK(\"http://x\")");
    }
}
