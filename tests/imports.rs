//! Survey spreadsheets in and the catalogue out, through the router and the command line,
//! with real files made here (XLSX by rust_xlsxwriter, CSV in each encoding Excel writes).

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use axum::http::StatusCode;
use common::TestApp;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use ketnoi::db::entities::{audit, enterprise, import_job, product};

const STAFF: &str = "canbo@khuyencong.vn";

/// A workbook as survey files come: a title, a blank row, then the headers.
fn survey_xlsx(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Xã Côn Minh").expect("name");
    sheet
        .write_string(0, 0, "DANH SÁCH CƠ SỞ SẢN XUẤT NĂM 2024")
        .expect("title");
    let headers = [
        "STT",
        "Tên cơ sở",
        "Loại hình",
        "MST",
        "Thôn",
        "Xã",
        "Huyện",
        "Tỉnh",
        "SĐT",
        "Tên sản phẩm",
        "Nhóm sản phẩm",
        "Giá bán",
        "Bao bì",
        "ĐVT",
    ];
    write_table(sheet, 2, &headers, rows);
    book.save_to_buffer().expect("xlsx")
}

/// Headers on the row `at` (from 0), the rows below them; empty cells left unwritten.
fn write_table(
    sheet: &mut rust_xlsxwriter::Worksheet,
    at: u32,
    headers: &[&str],
    rows: &[Vec<&str>],
) {
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(at, c as u16, *h).expect("header");
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                sheet
                    .write_string(at + 1 + r as u32, c as u16, *cell)
                    .expect("cell");
            }
        }
    }
}

fn survey_rows(price: &'static str) -> Vec<Vec<&'static str>> {
    vec![
        // Row 4: a former address (old commune, district, province); a tax code typed with spaces.
        vec![
            "1",
            "HTX Miến dong Côn Minh",
            "HTX",
            "0100 047 516",
            "Thôn Nà Pài",
            "Xã Côn Minh",
            "Huyện Na Rì",
            "Tỉnh Bắc Kạn",
            "0912.345.678",
            "Miến dong Côn Minh",
            "Miến dong",
            price,
            "Đã thiết kế",
            "kg",
        ],
        // Row 5: a second product under the merged enterprise cells.
        vec![
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "Bún dong",
            "Miến dong",
            "65.000",
            "Đơn giản",
            "kg",
        ],
        // Row 6: the tax code's check digit is wrong.
        vec![
            "2",
            "Hộ Nông Văn Bình",
            "Hộ kinh doanh",
            "0100047517",
            "",
            "Xã Na Rì",
            "",
            "Thái Nguyên",
            "+84 912 345 679",
            "Mật ong",
            "Miến dong",
            "250000",
            "",
            "lít",
        ],
        // Row 7: a commune that is not on any list.
        vec![
            "3",
            "Cơ sở Lạng San",
            "HKD",
            "",
            "",
            "Xã Lạng Sann",
            "Huyện Na Rì",
            "Tỉnh Bắc Kạn",
            "0912345680",
            "Măng khô",
            "Miến dong",
            "",
            "",
            "kg",
        ],
        // Row 8: not a phone number.
        vec![
            "4",
            "Cơ sở Kim Lư",
            "HKD",
            "",
            "",
            "Xã Kim Lư",
            "Huyện Na Rì",
            "Bắc Kạn",
            "12345",
            "",
            "",
            "",
            "",
        ],
        // Row 9: a price that is not a number.
        vec![
            "5",
            "Cơ sở Măng Na Rì",
            "HKD",
            "",
            "",
            "Xã Na Rì",
            "",
            "Thái Nguyên",
            "0987654321",
            "Măng khô",
            "Miến dong",
            "liên hệ",
            "",
            "kg",
        ],
        // Row 10: a former ward split between several new ones.
        vec![
            "6",
            "Công ty Phở khô Kim Mã",
            "Công ty",
            "",
            "",
            "Phường Kim Mã",
            "Quận Ba Đình",
            "Thành phố Hà Nội",
            "024 3812 3456",
            "Phở khô",
            "Miến dong",
            "50.000",
            "",
            "gói",
        ],
    ]
}

async fn staff_app() -> TestApp {
    let mut app = TestApp::builder().staff(STAFF).build().await.app;
    app.sign_in(STAFF).await;
    app
}

async fn check(app: &mut TestApp, name: &str, bytes: &[u8]) -> Value {
    let r = app
        .multipart("POST", "/api/v1/imports", &[], &[("file", name, bytes)])
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()
}

async fn run_to_end(app: &mut TestApp, id: i64, publish: bool) -> Value {
    let r = app
        .post_json(
            &format!("/api/v1/imports/{id}/start"),
            json!({"publish": publish}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    for _ in 0..600 {
        let job = app.get(&format!("/api/v1/imports/{id}")).await.json();
        if job["status"] == "done" || job["status"] == "failed" {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("import {id} did not finish");
}

fn issue<'a>(job: &'a Value, row: u64, list: &str) -> &'a Value {
    job["report"][list]
        .as_array()
        .expect("list")
        .iter()
        .find(|i| i["row"] == row)
        .unwrap_or_else(|| panic!("no {list} entry for row {row}: {}", job["report"]))
}

#[tokio::test]
async fn the_dry_run_names_each_bad_row_and_writes_nothing() {
    let mut app = staff_app().await;
    let job = check(
        &mut app,
        "khao-sat.xlsx",
        &survey_xlsx(&survey_rows("1.290.000")),
    )
    .await;
    assert_eq!(job["status"], "checked");
    let planned = &job["report"]["planned"];
    assert_eq!(planned["rows"], 7, "{job}");
    assert_eq!(planned["create"], 3, "{job}");
    assert_eq!(planned["invalid"], 4, "{job}");
    assert_eq!(planned["new_enterprises"], 2);
    assert_eq!(planned["new_products"], 3);

    let tax = issue(&job, 6, "issues");
    assert_eq!(tax["code"], "tax_code.check_digit");
    assert_eq!(tax["header"], "MST");
    assert_eq!(tax["value"], "0100047517");
    let place = issue(&job, 7, "issues");
    assert_eq!(place["code"], "import.commune_unknown");
    assert_eq!(place["header"], "Xã");
    assert_eq!(place["value"], "Xã Lạng Sann");
    // The former district Na Rì is a commune now: offered first.
    assert_eq!(place["suggestions"][0], "Xã Na Rì, Thái Nguyên", "{place}");
    let phone = issue(&job, 8, "issues");
    assert_eq!(
        (phone["code"].as_str(), phone["value"].as_str()),
        (Some("phone.invalid"), Some("12345"))
    );
    let price = issue(&job, 9, "issues");
    assert_eq!(price["code"], "number.invalid");
    assert_eq!(price["header"], "Giá bán");
    assert_eq!(price["value"], "liên hệ");
    let split = issue(&job, 10, "notes");
    assert_eq!(split["code"], "import.former_split");
    assert!(
        split["suggestions"].as_array().expect("places").len() >= 2,
        "{split}"
    );
    assert!(
        split["suggestions"][0]
            .as_str()
            .unwrap_or_default()
            .contains("Hà Nội"),
        "{split}"
    );

    // The report reads as a producer would need it, in Vietnamese.
    let page = app.get(&format!("/staff/imports/{}", job["id"])).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Mã số thuế không đúng"), "{}", page.body);
    assert!(page.body.contains("Xã Na Rì, Thái Nguyên"));

    // Nothing was written.
    assert_eq!(enterprise::Entity::find().count(&app.db).await.unwrap(), 0);
    assert_eq!(product::Entity::find().count(&app.db).await.unwrap(), 0);
}

#[tokio::test]
async fn an_import_twice_creates_nothing_more_and_a_changed_row_updates() {
    let mut app = staff_app().await;
    let file = survey_xlsx(&survey_rows("1.290.000"));
    let job = check(&mut app, "khao-sat.xlsx", &file).await;
    let id = job["id"].as_i64().unwrap();
    let done = run_to_end(&mut app, id, false).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["done"]["create"], 3);
    assert_eq!(done["done"]["invalid"], 4);
    assert_eq!(done["percent"], 100);

    let htx = enterprise::Entity::find()
        .filter(enterprise::Column::TaxCode.eq("0100047516"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the cooperative");
    assert_eq!(htx.name, "HTX Miến dong Côn Minh");
    assert_eq!(htx.legal_form, "cooperative");
    assert_eq!(htx.phone.as_deref(), Some("0912345678"));
    // Xã Côn Minh of the former Na Rì district is part of today's Xã Côn Minh (2185)… or
    // wherever the 2025 list put it: the mapping file decides.
    assert_eq!(htx.commune_code, 2185);
    let products = product::Entity::find()
        .filter(product::Column::EnterpriseId.eq(htx.id))
        .order_by_asc(product::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let names: Vec<&str> = products.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Miến dong Côn Minh", "Bún dong"]);
    assert_eq!(products[0].price_min_vnd, Some(1_290_000));
    assert!(products.iter().all(|p| p.status.as_str() == "draft"));
    let created = audit::Entity::find()
        .filter(audit::Column::Action.eq("import.create"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(created, 5, "two enterprises and three products");

    // The same file again: nothing to create or change.
    let again = check(&mut app, "khao-sat.xlsx", &file).await;
    let planned = &again["report"]["planned"];
    assert_eq!(
        (planned["create"].as_u64(), planned["update"].as_u64()),
        (Some(0), Some(0)),
        "{planned}"
    );
    assert_eq!(planned["unchanged"], 3);
    let again = run_to_end(&mut app, again["id"].as_i64().unwrap(), false).await;
    assert_eq!(again["done"]["create"], 0);
    assert_eq!(enterprise::Entity::find().count(&app.db).await.unwrap(), 2);
    assert_eq!(product::Entity::find().count(&app.db).await.unwrap(), 3);

    // A changed price updates that product only, and the audit trail says the import did it.
    let changed = check(
        &mut app,
        "khao-sat-2.xlsx",
        &survey_xlsx(&survey_rows("1.350.000")),
    )
    .await;
    assert_eq!(
        changed["report"]["planned"]["update"], 1,
        "{}",
        changed["report"]
    );
    let changed_id = changed["id"].as_i64().unwrap();
    run_to_end(&mut app, changed_id, false).await;
    let p = product::Entity::find_by_id(products[0].id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.price_min_vnd, Some(1_350_000));
    assert_eq!(p.version, products[0].version + 1);
    let entry = audit::Entity::find()
        .filter(audit::Column::Action.eq("import.update"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("an audit entry");
    assert_eq!(entry.entity_id, p.id);
    let details: Value = serde_json::from_str(&entry.details).unwrap();
    assert_eq!(details["import"], changed_id);
    assert_eq!(details["changed"], json!(["price"]));
}

#[tokio::test]
async fn imports_are_for_staff_only() {
    let mut world = TestApp::builder()
        .staff(STAFF)
        .producer_with_enterprise("sx@example.vn", "HTX Côn Minh")
        .build()
        .await;
    let app = &mut world.app;
    let file = survey_xlsx(&survey_rows("1.290.000"));
    let r = app
        .multipart("POST", "/api/v1/imports", &[], &[("file", "a.xlsx", &file)])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    app.sign_in("sx@example.vn").await;
    let r = app
        .multipart("POST", "/api/v1/imports", &[], &[("file", "a.xlsx", &file)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/v1/exports/catalogue").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(import_job::Entity::find().count(&app.db).await.unwrap(), 0);
    // A file that is not a spreadsheet.
    app.sign_in(STAFF).await;
    let r = app
        .multipart(
            "POST",
            "/api/v1/imports",
            &[],
            &[("file", "a.xlsx", b"PK\x03\x04 not really")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_code(), "import.unreadable");
    assert_eq!(import_job::Entity::find().count(&app.db).await.unwrap(), 0);
}

fn ketnoi_import(
    app: &TestApp,
    dir: &std::path::Path,
    file: &std::path::Path,
    extra: &[&str],
) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ketnoi"));
    cmd.arg("--data-dir")
        .arg(dir)
        .arg("import")
        .arg(file)
        .args(["--as", STAFF])
        .args(extra)
        .env("DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn output(cmd: &mut Command) -> String {
    let out = cmd.output().expect("ketnoi runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    text
}

/// Windows' own bytes: the letter precomposed where the code page has it, the tone mark
/// after it.
fn windows_1258(text: &str) -> Vec<u8> {
    use unicode_normalization::UnicodeNormalization;
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
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258.encode(&split);
    assert!(!unmappable);
    bytes.into_owned()
}

#[tokio::test]
async fn the_command_line_reads_csv_in_each_encoding_excel_writes() {
    let app = staff_app().await;
    let dir = tempfile::tempdir().unwrap();
    let csv = |name: &str| {
        format!(
            "Tên cơ sở;Xã/phường;Tỉnh;Điện thoại;Tên sản phẩm;Nhóm sản phẩm;Giá từ;Đơn vị tính\n{name};Xã Na Rì;Thái Nguyên;0912 345 678;Đũa tre Cường Lợi;Miến dong;1.290.000;đôi\n"
        )
    };
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("utf8.csv", csv("Cơ sở Đũa tre Ứng Hòa").into_bytes()),
        (
            "bom.csv",
            [
                b"\xEF\xBB\xBF".as_slice(),
                csv("Cơ sở Mây tre Lũng Đẩy").as_bytes(),
            ]
            .concat(),
        ),
        ("cp1258.csv", windows_1258(&csv("Cơ sở Nón lá Phượng Vĩ"))),
    ];
    for (name, bytes) in &files {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = output(&mut ketnoi_import(&app, dir.path(), &path, &["--publish"]));
        assert!(
            out.contains("Đã nhập 1 dòng: 1 dòng tạo mới"),
            "{name}: {out}"
        );
    }
    let mut names: Vec<String> = enterprise::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Cơ sở Mây tre Lũng Đẩy",
            "Cơ sở Nón lá Phượng Vĩ",
            "Cơ sở Đũa tre Ứng Hòa"
        ]
    );
    let published = product::Entity::find()
        .filter(product::Column::Status.eq("published"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(published, 3);
    // Buyers find them once the search worker has run.
    assert!(app.index().await >= 3);

    // A dry run from the command line prints the report and writes nothing.
    let path = dir.path().join("check.xlsx");
    std::fs::write(&path, survey_xlsx(&survey_rows("1.290.000"))).unwrap();
    let out = output(&mut ketnoi_import(&app, dir.path(), &path, &["--check"]));
    assert!(
        out.contains("Trang Xã Côn Minh, dòng 6, cột MST: «0100047517» — Mã số thuế không đúng"),
        "{out}"
    );
    assert!(out.contains("3 dòng sẽ tạo mới"), "{out}");
    assert_eq!(enterprise::Entity::find().count(&app.db).await.unwrap(), 3);
}

#[tokio::test]
async fn an_import_killed_halfway_finishes_on_the_next_run_with_nothing_doubled() {
    let app = staff_app().await;
    let dir = tempfile::tempdir().unwrap();
    let rows = 20_000;
    let mut csv =
        String::from("Tên cơ sở,Xã/phường,Tỉnh,Điện thoại,Tên sản phẩm,Nhóm sản phẩm,Giá từ,ĐVT\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "Cơ sở số {i},Xã Na Rì,Thái Nguyên,09{:08},Miến dong loại {i},Miến dong,{},kg\n",
            i,
            50_000 + i
        ));
    }
    let path = dir.path().join("lon.csv");
    std::fs::write(&path, csv).unwrap();
    let mut child = ketnoi_import(&app, dir.path(), &path, &[])
        .spawn()
        .expect("start");
    let mut done_at_kill = 0;
    for _ in 0..6000 {
        let job = import_job::Entity::find().one(&app.db).await.unwrap();
        if let Some(job) = job
            && job.done_rows >= 1000
        {
            done_at_kill = job.done_rows;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().expect("kill -9");
    child.wait().expect("reaped");
    assert!(done_at_kill >= 1000, "the import never got going");
    let job = import_job::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        job.done_rows < rows,
        "the import finished before it was killed ({} rows)",
        job.done_rows
    );
    let written = enterprise::Entity::find().count(&app.db).await.unwrap();
    // Whole batches only: what was written is exactly what the job counted.
    assert_eq!(written, u64::try_from(job.done_rows).unwrap());

    let out = output(&mut ketnoi_import(&app, dir.path(), &path, &[]));
    assert!(out.contains("Tiếp tục lần nhập dở"), "{out}");
    assert_eq!(
        enterprise::Entity::find().count(&app.db).await.unwrap(),
        rows as u64
    );
    assert_eq!(
        product::Entity::find().count(&app.db).await.unwrap(),
        rows as u64
    );
    let job = import_job::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (job.status.as_str(), job.done_rows, job.created_rows),
        ("done", rows, rows)
    );
    assert_eq!(import_job::Entity::find().count(&app.db).await.unwrap(), 1);
}

#[tokio::test]
async fn the_export_reads_back_unchanged_with_formulas_neutralised() {
    let mut world = TestApp::builder()
        .staff(STAFF)
        .producer_with_enterprise("sx@example.vn", "HTX Côn Minh")
        .build()
        .await;
    let eid = world.enterprise("HTX Côn Minh");
    let app = &mut world.app;
    app.sign_in("sx@example.vn").await;
    let r = app
        .patch_json(
            &format!("/api/v1/enterprises/{eid}"),
            json!({"address": "=HYPERLINK(\"http://x.example\",\"bấm\")"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.create_product(eid, "Miến dong Côn Minh").await;
    app.create_product(eid, "+84 Bún dong").await;
    app.sign_in(STAFF).await;

    for format in ["xlsx", "csv"] {
        let r = app
            .get(&format!("/api/v1/exports/catalogue?format={format}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let bytes = r.bytes.clone();
        let sheets = ketnoi::sheet::read(&bytes).expect("readable");
        let rows = &sheets[0].rows;
        assert_eq!(rows[0][1], "Loại hình");
        assert_eq!(rows.len(), 3, "{rows:?}");
        let address = rows[0].iter().position(|h| h == "Địa chỉ").unwrap();
        assert_eq!(
            rows[1][address], "'=HYPERLINK(\"http://x.example\",\"bấm\")",
            "{format}"
        );
        let product = rows[0].iter().position(|h| h == "Tên sản phẩm").unwrap();
        assert!(
            rows.iter().any(|r| r[product] == "'+84 Bún dong"),
            "{format}: {rows:?}"
        );

        let job = check(app, &format!("danh-muc.{format}"), &bytes).await;
        let planned = &job["report"]["planned"];
        assert_eq!(planned["rows"], 2, "{format}: {}", job["report"]);
        assert_eq!(planned["unchanged"], 2, "{format}: {}", job["report"]);
        assert_eq!(planned["invalid"], 0, "{format}: {}", job["report"]);
    }
}

#[tokio::test]
async fn staff_correct_a_column_once_and_later_files_are_read_that_way() {
    let mut app = staff_app().await;
    // A commune office's own header for the enterprise: "Chủ hộ" (the household's head).
    let csv = "Chủ hộ,Xã/phường,Tỉnh,SĐT,Tên sản phẩm,Nhóm sản phẩm,ĐVT\n\
               Nông Văn Bình,Xã Na Rì,Thái Nguyên,0912345678,Miến dong,Miến dong,kg\n";
    let job = check(&mut app, "chu-ho.csv", csv.as_bytes()).await;
    let id = job["id"].as_i64().unwrap();
    assert_eq!(job["report"]["planned"]["invalid"], 1, "{}", job["report"]);
    assert_eq!(job["report"]["issues"][0]["code"], "import.name_required");
    let columns = &job["report"]["sheets"][0]["columns"];
    assert_eq!(columns[0]["header"], "Chủ hộ");
    assert_eq!(columns[0]["column"], Value::Null);
    assert_eq!(columns[3]["column"], "phone");

    // A field that does not exist is refused and changes nothing.
    let r = app
        .json(
            "PUT",
            &format!("/api/v1/imports/{id}/columns"),
            json!({"columns": [{"header": "Chủ hộ", "column": "owner"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_code(), "import.column_unknown");

    // Through the page's form: the header now fills the enterprise's name.
    let r = app
        .post_form(
            &format!("/staff/imports/{id}/columns"),
            &[
                ("header", "Chủ hộ"),
                ("column", "enterprise_name"),
                ("header", "SĐT"),
                ("column", "phone"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let job = app.get(&format!("/api/v1/imports/{id}")).await.json();
    assert_eq!(job["report"]["planned"]["create"], 1, "{}", job["report"]);
    assert_eq!(job["report"]["planned"]["invalid"], 0);

    // Remembered: the next file with that header is read the same way at once.
    let job = check(&mut app, "chu-ho-2.csv", csv.as_bytes()).await;
    assert_eq!(job["report"]["planned"]["create"], 1, "{}", job["report"]);
    // Started, the column choice cannot change any more.
    let started = run_to_end(&mut app, job["id"].as_i64().unwrap(), false).await;
    assert_eq!(started["done"]["create"], 1);
    let r = app
        .json(
            "PUT",
            &format!("/api/v1/imports/{}/columns", job["id"]),
            json!({"columns": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "import.not_checked");
}

#[tokio::test]
async fn the_report_downloads_with_each_row_and_what_is_wrong_with_it() {
    let mut app = staff_app().await;
    let job = check(
        &mut app,
        "khao-sat.xlsx",
        &survey_xlsx(&survey_rows("1.290.000")),
    )
    .await;
    let r = app
        .get(&format!("/staff/imports/{}/report.xlsx", job["id"]))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let sheets = ketnoi::sheet::read(&r.bytes).expect("a workbook");
    let rows = &sheets[0].rows;
    assert_eq!(rows[0][0], "Dòng");
    assert_eq!(rows[0].last().map(String::as_str), Some("Kết quả kiểm tra"));
    let row6 = rows.iter().find(|r| r[0] == "6").expect("row 6");
    assert!(
        row6.last().unwrap().contains("Mã số thuế không đúng"),
        "{row6:?}"
    );
    let row4 = rows.iter().find(|r| r[0] == "4").expect("row 4");
    assert_eq!(row4[2], "HTX Miến dong Côn Minh");
    assert!(
        !row4.iter().any(|c| c.contains(" — ")),
        "nothing wrong with row 4: {row4:?}"
    );
}

/// A programme's beneficiary list as a commune sends it: the programme's code, the
/// enterprise, what it gets and what it puts in.
fn beneficiary_xlsx(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let headers = [
        "STT",
        "Mã đề án",
        "Tên cơ sở",
        "Xã",
        "Tỉnh",
        "Tên sản phẩm",
        "Nhóm sản phẩm",
        "ĐVT",
        "Nội dung hỗ trợ",
        "Kinh phí hỗ trợ (đồng)",
        "Vốn đối ứng",
        "SĐT",
    ];
    write_table(sheet, 0, &headers, rows);
    book.save_to_buffer().expect("xlsx")
}

#[tokio::test]
async fn a_beneficiary_list_adds_each_enterprise_to_its_programme_once() {
    use common::programmes::{COOPERATIVE, STAFF as PSTAFF, must_step, propose, world};
    let mut world = world().await;
    world.app.sign_in(PSTAFF).await;
    let app = &mut world.app;
    let pid = propose(app, "KC-2026-11").await;
    let closed = propose(app, "KC-2026-12").await;
    must_step(
        app,
        closed,
        json!({"to": "cancelled", "reason": "investment_plans_changed"}),
    )
    .await;
    let before = app.get(&format!("/api/v1/programmes/{pid}")).await.json();
    let version = before["version"].as_i64().unwrap();

    let rows = vec![
        // Row 2: an enterprise of the catalogue, the code typed in lower case.
        vec![
            "1",
            "kc-2026-11",
            COOPERATIVE,
            "Xã Na Rì",
            "Thái Nguyên",
            "",
            "",
            "",
            "Máy sấy miến 200 kg/mẻ",
            "90.000.000",
            "110.000.000",
        ],
        // Row 3: a household not in the catalogue yet, with the product the support is for.
        vec![
            "2",
            "KC-2026-11",
            "Hộ Hoàng Văn Sáng",
            "Xã Na Rì",
            "Thái Nguyên",
            "Miến dong Na Rì",
            "Miến dong",
            "kg",
            "Máy hút chân không",
            "30.000.000",
            "30.000.000",
            "0912000101",
        ],
        // Row 4: no programme has this code.
        vec![
            "3",
            "KC-2099-01",
            "Hộ Lý Văn Tài",
            "Xã Na Rì",
            "Thái Nguyên",
            "",
            "",
            "",
            "Máy sấy",
            "10.000.000",
            "",
            "0912000102",
        ],
        // Row 5: money, but no programme.
        vec![
            "4",
            "",
            "Hộ Lý Thị Hoa",
            "Xã Na Rì",
            "Thái Nguyên",
            "",
            "",
            "",
            "",
            "5.000.000",
            "",
            "0912000103",
        ],
        // Row 6: an amount that is not a number.
        vec![
            "5",
            "KC-2026-11",
            "Hộ Đàm Văn Tư",
            "Xã Na Rì",
            "Thái Nguyên",
            "",
            "",
            "",
            "Máy đóng gói",
            "khoảng 20 triệu",
            "",
            "0912000104",
        ],
        // Row 7: a cancelled programme.
        vec![
            "6",
            "KC-2026-12",
            "Hộ Hà Văn Mạnh",
            "Xã Na Rì",
            "Thái Nguyên",
            "",
            "",
            "",
            "Máy sấy",
            "10.000.000",
            "",
            "0912000105",
        ],
        // Row 8: the cooperative again: it is in the programme once.
        vec![
            "7",
            "KC-2026-11",
            COOPERATIVE,
            "Xã Na Rì",
            "Thái Nguyên",
            "",
            "",
            "",
            "Máy sấy miến 300 kg/mẻ",
            "120.000.000",
            "",
        ],
    ];
    let file = beneficiary_xlsx(&rows);
    let job = check(app, "thu-huong.xlsx", &file).await;
    let id = job["id"].as_i64().unwrap();
    let planned = &job["report"]["planned"];
    assert_eq!(planned["rows"], 7, "{}", job["report"]);
    assert_eq!(planned["create"], 2, "{}", job["report"]);
    assert_eq!(planned["new_beneficiaries"], 2, "{}", job["report"]);
    assert_eq!(planned["invalid"], 4, "{}", job["report"]);
    assert_eq!(planned["unchanged"], 1, "{}", job["report"]);
    for (row, code, header) in [
        (4, "import.programme_unknown", "Mã đề án"),
        (5, "import.programme_required", "Mã đề án"),
        (6, "number.invalid", "Kinh phí hỗ trợ (đồng)"),
        (7, "programme.closed", "Mã đề án"),
    ] {
        let i = issue(&job, row, "issues");
        assert_eq!(i["code"], code, "row {row}: {i}");
        assert_eq!(i["header"], header, "row {row}: {i}");
    }
    assert_eq!(issue(&job, 8, "notes")["code"], "import.beneficiary_repeat");
    // The dry run wrote nothing.
    let shown = app.get(&format!("/api/v1/programmes/{pid}")).await.json();
    assert_eq!(shown["beneficiaries"], json!([]));
    assert_eq!(shown["version"], version);

    let done = run_to_end(app, id, false).await;
    assert_eq!(done["status"], "done", "{done}");
    let shown = app.get(&format!("/api/v1/programmes/{pid}")).await.json();
    let list = shown["beneficiaries"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{shown}");
    let coop = list
        .iter()
        .find(|b| b["enterprise"] == COOPERATIVE)
        .unwrap();
    assert_eq!(coop["support"], "Máy sấy miến 200 kg/mẻ");
    assert_eq!(coop["support_vnd"], 90_000_000);
    assert_eq!(coop["contribution_vnd"], 110_000_000);
    assert_eq!(coop["status"], "committed");
    let household = list
        .iter()
        .find(|b| b["enterprise"] == "Hộ Hoàng Văn Sáng")
        .unwrap();
    let product_id = household["product_id"].as_i64().expect("its product");
    let p = product::Entity::find_by_id(product_id as i32)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.name, "Miến dong Na Rì");
    assert_eq!(
        i64::from(p.enterprise_id),
        household["enterprise_id"].as_i64().unwrap()
    );
    assert_eq!(shown["version"], version + 1, "one new version per batch");
    assert!(
        shown["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "beneficiaries_imported" && e["body"] == "thu-huong.xlsx"),
        "{}",
        shown["events"]
    );
    let audited = audit::Entity::find()
        .filter(audit::Column::Entity.eq("programme_beneficiary"))
        .filter(audit::Column::Action.eq("import.create"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(audited, 2);
    // Nothing was written for the cancelled programme.
    let other = app
        .get(&format!("/api/v1/programmes/{closed}"))
        .await
        .json();
    assert_eq!(other["beneficiaries"], json!([]));

    // The same file again: nothing new.
    let again = check(app, "thu-huong.xlsx", &file).await;
    assert_eq!(
        again["report"]["planned"]["create"], 0,
        "{}",
        again["report"]
    );
    assert_eq!(
        again["report"]["planned"]["update"], 0,
        "{}",
        again["report"]
    );
    assert_eq!(again["report"]["planned"]["new_beneficiaries"], 0);
    run_to_end(app, again["id"].as_i64().unwrap(), false).await;
    let shown = app.get(&format!("/api/v1/programmes/{pid}")).await.json();
    assert_eq!(shown["beneficiaries"].as_array().unwrap().len(), 2);

    // The list downloads under the same headers and reads back unchanged.
    for format in ["xlsx", "csv"] {
        let r = app
            .get(&format!(
                "/api/v1/exports/programmes/{pid}/beneficiaries?format={format}"
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let sheets = ketnoi::sheet::read(&r.bytes).expect("readable");
        let table = &sheets[0].rows;
        assert_eq!(table.len(), 3, "{table:?}");
        assert_eq!(table[0][0], "Mã đề án");
        assert!(
            table
                .iter()
                .any(|r| r[0] == "KC-2026-11" && r.contains(&"Miến dong Na Rì".to_string()))
        );
        let back = check(app, &format!("thu-huong.{format}"), &r.bytes).await;
        let planned = &back["report"]["planned"];
        assert_eq!(planned["unchanged"], 2, "{format}: {}", back["report"]);
        assert_eq!(planned["invalid"], 0, "{format}: {}", back["report"]);
    }
    let page = app
        .get(&format!("/staff/programmes/{pid}/beneficiaries.xlsx"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    // The list names enterprises' tax codes and money: staff only.
    app.sign_in(common::programmes::PRODUCER).await;
    let refused = app
        .get(&format!(
            "/api/v1/exports/programmes/{pid}/beneficiaries?format=csv"
        ))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    app.clear_cookies();
    let refused = app
        .get(&format!("/api/v1/exports/programmes/{pid}/beneficiaries"))
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    app.sign_in(PSTAFF).await;

    // A changed amount updates that beneficiary alone, and the audit trail says so.
    let csv = format!(
        "Mã đề án,Tên cơ sở,Xã,Tỉnh,Nội dung hỗ trợ,Kinh phí hỗ trợ,Vốn đối ứng\n\
         KC-2026-11,{COOPERATIVE},Xã Na Rì,Thái Nguyên,Máy sấy miến 200 kg/mẻ,95.000.000,110.000.000\n"
    );
    // This time from the command line: a dry run first, then the import.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sua.csv");
    std::fs::write(&path, csv).unwrap();
    let cli = |extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ketnoi"));
        cmd.arg("--data-dir")
            .arg(dir.path())
            .arg("import")
            .arg(&path)
            .args(["--as", PSTAFF])
            .args(extra)
            .env("DATABASE_URL", &app.database_url)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    };
    let out = output(&mut cli(&["--check"]));
    assert!(out.contains("1 dòng sẽ cập nhật"), "{out}");
    let out = output(&mut cli(&[]));
    assert!(out.contains("1 dòng cập nhật"), "{out}");
    let shown = app.get(&format!("/api/v1/programmes/{pid}")).await.json();
    let coop = shown["beneficiaries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["enterprise"] == COOPERATIVE)
        .unwrap()
        .clone();
    assert_eq!(coop["support_vnd"], 95_000_000);
    let update = audit::Entity::find()
        .filter(audit::Column::Entity.eq("programme_beneficiary"))
        .filter(audit::Column::Action.eq("import.update"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("an audit entry");
    let details: Value = serde_json::from_str(&update.details).unwrap();
    assert_eq!(details["changed"], json!(["support_vnd"]));
}
