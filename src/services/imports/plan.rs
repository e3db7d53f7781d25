//! What each row of a survey file would do: read the file into rows, find each row's
//! enterprise (by tax code, else by name within its commune) and product (by name within
//! its enterprise), and decide create, update, unchanged or refused — the same for the dry
//! run and for the import, so the dry run's counts are the import's.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::entities::{enterprise, product, programme, programme_beneficiary};
use crate::db::reference::Reference;
use crate::domain::import::{Column, RowCells, column_of_field, header_row, mapping};
use crate::domain::place::Placed;
use crate::domain::programme::BeneficiaryFields;
use crate::domain::text::{fold, name_key};
use crate::domain::{
    BeneficiaryStatus, Code, EnterpriseFields, EnterpriseInput, Invalid, Num, ProductFields,
    ProductInput, TaxCode,
};
use crate::error::{AppError, AppResult};
use crate::services::catalogue::{enterprise_input, fields_of};

/// At most this many rows in one file.
pub const MAX_ROWS: usize = 200_000;

/// A sheet of the file as the import reads it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SheetInfo {
    pub name: String,
    /// The header row's number in the spreadsheet (from 1); none when the sheet has none.
    pub header_row: Option<u32>,
    pub columns: Vec<ColumnInfo>,
}

/// A column of a sheet: its header and the field it fills, if any.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ColumnInfo {
    pub header: String,
    pub column: Option<Column>,
}

/// A row of a sheet, as read.
#[derive(Clone, Debug)]
pub struct SourceRow {
    pub sheet: usize,
    /// The spreadsheet's row number (from 1).
    pub row: u32,
    pub cells: RowCells,
}

/// The file's rows, with what each sheet's columns mean.
#[derive(Debug, Default)]
pub struct FileRows {
    pub sheets: Vec<SheetInfo>,
    pub rows: Vec<SourceRow>,
    /// Rows that repeat a product already on an earlier row of the same enterprise.
    pub duplicates: HashSet<usize>,
    /// Rows of an enterprise already named on an earlier row.
    pub repeats: HashSet<usize>,
}

/// Reads every sheet with a header row. `remembered` holds staff's choices by header key.
pub fn read_file(
    bytes: &[u8],
    remembered: &HashMap<String, Option<Column>>,
) -> AppResult<FileRows> {
    let sheets = crate::sheet::read(bytes).map_err(|e| {
        let code = match e {
            crate::sheet::SheetError::TooLarge => Code::ImportTooLarge,
            crate::sheet::SheetError::Unreadable(_) => Code::ImportUnreadable,
        };
        AppError::Invalid(Invalid::one("file", code))
    })?;
    let mut out = FileRows::default();
    for sheet in sheets {
        let at = header_row(&sheet.rows, remembered);
        let headers = at.map(|i| sheet.rows[i].clone()).unwrap_or_default();
        let map = mapping(&headers, remembered);
        let index = out.sheets.len();
        out.sheets.push(SheetInfo {
            name: sheet.name.clone(),
            header_row: at.map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)),
            columns: headers
                .iter()
                .zip(&map)
                .map(|(h, c)| ColumnInfo {
                    header: h.clone(),
                    column: *c,
                })
                .collect(),
        });
        let Some(at) = at else { continue };
        let mut above: Option<RowCells> = None;
        for (i, cells) in sheet.rows.iter().enumerate().skip(at + 1) {
            let mut row = RowCells::read(cells, &map);
            if row.is_empty() {
                continue;
            }
            if let Some(above) = &above {
                row.continue_from(above);
            }
            if row.get(Column::EnterpriseName).is_some() {
                above = Some(row.clone());
            }
            out.rows.push(SourceRow {
                sheet: index,
                row: u32::try_from(i + 1).unwrap_or(u32::MAX),
                cells: row,
            });
            if out.rows.len() > MAX_ROWS {
                return Err(AppError::Invalid(Invalid::one(
                    "file",
                    Code::ImportTooManyRows,
                )));
            }
        }
    }
    if out.sheets.iter().all(|s| s.header_row.is_none()) {
        return Err(AppError::Invalid(Invalid::one(
            "file",
            Code::ImportNoHeaders,
        )));
    }
    // The same product of the same enterprise twice: the first row counts.
    let mut seen = HashSet::new();
    let mut enterprises = HashSet::new();
    for (i, r) in out.rows.iter().enumerate() {
        let enterprise = match r
            .cells
            .get(Column::TaxCode)
            .map(|t| TaxCode::parse(&crate::domain::import::tax_code_text(t)))
        {
            Some(Ok(tax)) => tax.as_str().to_string(),
            _ => format!(
                "{}|{}|{}",
                name_key(r.cells.get(Column::EnterpriseName).unwrap_or_default()),
                crate::domain::place::place_key(r.cells.get(Column::Commune).unwrap_or_default()),
                crate::domain::place::place_key(r.cells.get(Column::Province).unwrap_or_default()),
            ),
        };
        if !enterprises.insert(enterprise.clone()) {
            out.repeats.insert(i);
        }
        let Some(product) = r.cells.get(Column::ProductName) else {
            continue;
        };
        if !seen.insert((enterprise, fold(product))) {
            out.duplicates.insert(i);
        }
    }
    Ok(out)
}

/// What is wrong with a row (or, for a note, what the import did that staff should know).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Issue {
    pub sheet: String,
    pub row: u32,
    pub column: Option<Column>,
    /// The column's header in the file.
    pub header: Option<String>,
    pub value: String,
    /// An error code (`tax_code.check_digit`); its message is `error.<code>`.
    pub code: String,
    /// Places to offer instead (`Xã Na Rì, Tỉnh Thái Nguyên`).
    pub suggestions: Vec<String>,
}

/// Rows by what they do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct Counts {
    pub rows: u32,
    pub create: u32,
    pub update: u32,
    pub unchanged: u32,
    pub invalid: u32,
    pub duplicate: u32,
    pub new_enterprises: u32,
    pub new_products: u32,
    /// Enterprises the file adds to a programme's beneficiaries.
    pub new_beneficiaries: u32,
}

impl Counts {
    pub fn skip(&self) -> u32 {
        self.unchanged + self.invalid + self.duplicate
    }

    pub(super) fn add(&mut self, other: &Counts) {
        self.rows += other.rows;
        self.create += other.create;
        self.update += other.update;
        self.unchanged += other.unchanged;
        self.invalid += other.invalid;
        self.duplicate += other.duplicate;
        self.new_enterprises += other.new_enterprises;
        self.new_products += other.new_products;
        self.new_beneficiaries += other.new_beneficiaries;
    }
}

/// An enterprise as the run knows it: found in the database, or new in this run.
#[derive(Clone, Debug)]
pub(super) struct Known {
    /// None while only planned (a dry run, or not yet written in this batch).
    pub id: Option<i32>,
    /// Its index among the batch's new enterprises, until written.
    pub slot: Option<usize>,
    pub fields: EnterpriseFields,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum EntKey {
    Tax(String),
    Name(String, i32),
}

/// What a batch writes.
#[derive(Debug, Default)]
pub(super) struct BatchPlan {
    pub new_enterprises: Vec<(EnterpriseFields, u32)>,
    /// (id, new fields, stored model, changed fields, row)
    pub enterprise_updates: Vec<(
        i32,
        EnterpriseFields,
        enterprise::Model,
        Vec<&'static str>,
        u32,
    )>,
    /// (enterprise id or its new slot, fields, row)
    pub new_products: Vec<(EntRef, ProductFields, u32)>,
    /// (stored model, new fields, changed fields, row)
    pub product_updates: Vec<(product::Model, ProductFields, Vec<&'static str>, u32)>,
    pub new_beneficiaries: Vec<NewBeneficiary>,
    pub beneficiary_updates: Vec<BeneficiaryUpdate>,
    pub counts: Counts,
    pub issues: Vec<Issue>,
    pub notes: Vec<Issue>,
}

/// A product of the row: stored, or the batch's new product at this index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ProdRef {
    Id(i32),
    New(usize),
}

/// An enterprise the file adds to a programme.
#[derive(Debug)]
pub(super) struct NewBeneficiary {
    pub programme_id: i32,
    pub enterprise: EntRef,
    pub product: Option<ProdRef>,
    pub fields: BeneficiaryFields,
    pub row: u32,
}

/// A beneficiary whose support the file changes; `product` none keeps the one it has.
#[derive(Debug)]
pub(super) struct BeneficiaryUpdate {
    pub stored: programme_beneficiary::Model,
    pub product: Option<ProdRef>,
    pub fields: BeneficiaryFields,
    pub changed: Vec<&'static str>,
    pub row: u32,
}

#[derive(Clone, Copy, Debug)]
pub(super) enum EntRef {
    Id(i32),
    Slot(usize),
}

/// State that lasts the whole run: enterprises met so far, categories by name.
pub(super) struct Planner<'a> {
    pub reference: &'a Reference,
    pub today: chrono::NaiveDate,
    pub known: HashMap<EntKey, Known>,
    /// Keys of the enterprises new in the batch being planned, until it is written.
    pending: Vec<EntKey>,
    categories: HashMap<String, String>,
    /// Programmes by their folded code, read when a row first names one.
    programmes: Option<HashMap<String, programme::Model>>,
    /// (programme, enterprise) pairs a row has already given.
    beneficiaries: HashSet<(i32, EntKey)>,
}

/// A programme's code as rows may type it: any case, spaces ignored.
fn programme_key(code: &str) -> String {
    fold(code).split_whitespace().collect()
}

impl<'a> Planner<'a> {
    pub fn new(reference: &'a Reference, today: chrono::NaiveDate) -> Self {
        let mut categories = HashMap::new();
        for top in &reference.tree {
            for c in std::iter::once(top).chain(&top.children) {
                for name in [&c.slug, &c.name_vi, &c.name_en] {
                    categories
                        .entry(crate::domain::import::header_key(name))
                        .or_insert_with(|| c.slug.clone());
                }
            }
        }
        Planner {
            reference,
            today,
            known: HashMap::new(),
            pending: Vec::new(),
            categories,
            programmes: None,
            beneficiaries: HashSet::new(),
        }
    }

    /// The batch's programmes by folded code (all programmes, read once per run).
    async fn programmes(
        &mut self,
        db: &impl ConnectionTrait,
        rows: &[SourceRow],
    ) -> AppResult<HashMap<String, programme::Model>> {
        if !rows
            .iter()
            .any(|r| r.cells.get(Column::ProgrammeCode).is_some())
        {
            return Ok(HashMap::new());
        }
        if self.programmes.is_none() {
            let all = programme::Entity::find().all(db).await?;
            self.programmes = Some(
                all.into_iter()
                    .map(|p| (programme_key(&p.code), p))
                    .collect(),
            );
        }
        Ok(self.programmes.clone().unwrap_or_default())
    }

    /// Plans the rows `range` of the file against the database as it is now.
    pub async fn plan(
        &mut self,
        db: &impl ConnectionTrait,
        file: &FileRows,
        range: std::ops::Range<usize>,
    ) -> AppResult<BatchPlan> {
        let rows = &file.rows[range.clone()];
        // Places and tax codes first, to look up every enterprise of the batch at once.
        let placed: Vec<Option<Result<Placed, crate::domain::place::Unplaced>>> = rows
            .iter()
            .map(|r| {
                r.cells.get(Column::Commune).map(|commune| {
                    self.reference.places.resolve(
                        commune,
                        r.cells.get(Column::District),
                        r.cells.get(Column::Province),
                    )
                })
            })
            .collect();
        let taxes: Vec<Option<TaxCode>> = rows
            .iter()
            .map(|r| {
                r.cells
                    .get(Column::TaxCode)
                    .and_then(|t| TaxCode::parse(&crate::domain::import::tax_code_text(t)).ok())
            })
            .collect();
        let tax_list: Vec<String> = taxes
            .iter()
            .flatten()
            .map(|t| t.as_str().to_string())
            .collect();
        let communes: Vec<i32> = placed
            .iter()
            .filter_map(|p| p.as_ref().and_then(|p| p.as_ref().ok()).map(Placed::code))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut found: Vec<enterprise::Model> = Vec::new();
        for chunk in tax_list.chunks(500) {
            found.extend(
                enterprise::Entity::find()
                    .filter(enterprise::Column::TaxCode.is_in(chunk.to_vec()))
                    .all(db)
                    .await?,
            );
        }
        // Enterprises without a tax code are found by name within their commune.
        let names: Vec<String> = rows
            .iter()
            .filter_map(|r| r.cells.get(Column::EnterpriseName).map(name_key))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if !communes.is_empty() {
            for chunk in names.chunks(500) {
                found.extend(
                    enterprise::Entity::find()
                        .filter(enterprise::Column::NameKey.is_in(chunk.to_vec()))
                        .filter(enterprise::Column::CommuneCode.is_in(communes.clone()))
                        .all(db)
                        .await?,
                );
            }
        }
        let mut by_tax: HashMap<String, enterprise::Model> = HashMap::new();
        let mut by_name: HashMap<(String, i32), enterprise::Model> = HashMap::new();
        for e in found {
            if let Some(t) = &e.tax_code {
                by_tax.insert(t.clone(), e.clone());
            }
            by_name
                .entry((name_key(&e.name), e.commune_code))
                .or_insert(e);
        }
        // The batch's own enterprises: found above, or met earlier in this run.
        let met: Vec<i32> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let name = r.cells.get(Column::EnterpriseName)?;
                let key = match (&taxes[i], placed[i].as_ref().and_then(|p| p.as_ref().ok())) {
                    (Some(t), _) => EntKey::Tax(t.as_str().to_string()),
                    (None, Some(p)) => EntKey::Name(name_key(name), p.code()),
                    (None, None) => return None,
                };
                self.known.get(&key).and_then(|k| k.id)
            })
            .collect();
        let ids: Vec<i32> = by_tax
            .values()
            .chain(by_name.values())
            .map(|e| e.id)
            .chain(met)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut products: HashMap<(i32, String), product::Model> = HashMap::new();
        for chunk in ids.chunks(500) {
            for p in product::Entity::find()
                .filter(product::Column::EnterpriseId.is_in(chunk.to_vec()))
                .all(db)
                .await?
            {
                products
                    .entry((p.enterprise_id, fold(&p.name)))
                    .or_insert(p);
            }
        }

        let programmes = self.programmes(db, rows).await?;
        let mut beneficiaries: HashMap<(i32, i32), programme_beneficiary::Model> = HashMap::new();
        if !programmes.is_empty() {
            let named: Vec<i32> = rows
                .iter()
                .filter_map(|r| r.cells.get(Column::ProgrammeCode))
                .filter_map(|c| programmes.get(&programme_key(c)).map(|p| p.id))
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            for chunk in ids.chunks(500) {
                for b in programme_beneficiary::Entity::find()
                    .filter(programme_beneficiary::Column::EnterpriseId.is_in(chunk.to_vec()))
                    .filter(programme_beneficiary::Column::ProgrammeId.is_in(named.clone()))
                    .all(db)
                    .await?
                {
                    beneficiaries.insert((b.programme_id, b.enterprise_id), b);
                }
            }
        }

        let mut plan = BatchPlan::default();
        for (offset, r) in rows.iter().enumerate() {
            let index = range.start + offset;
            plan.counts.rows += 1;
            let sheet = &file.sheets[r.sheet];
            let issue = |column: Option<Column>, code: &str, suggestions: Vec<String>| Issue {
                sheet: sheet.name.clone(),
                row: r.row,
                column,
                // The file's header, or the field's own name when the file has no such column.
                header: column.map(|c| {
                    sheet
                        .columns
                        .iter()
                        .find(|ci| ci.column == Some(c))
                        .map_or_else(|| c.header().to_string(), |ci| ci.header.clone())
                }),
                value: column
                    .and_then(|c| r.cells.get(c))
                    .unwrap_or_default()
                    .to_string(),
                code: code.to_string(),
                suggestions,
            };
            if file.duplicates.contains(&index) {
                plan.counts.duplicate += 1;
                plan.notes.push(issue(
                    Some(Column::ProductName),
                    Code::ImportDuplicateRow.as_str(),
                    Vec::new(),
                ));
                continue;
            }
            let mut issues = Vec::new();
            let Some(name) = r.cells.get(Column::EnterpriseName) else {
                plan.counts.invalid += 1;
                plan.issues.push(issue(
                    Some(Column::EnterpriseName),
                    Code::ImportNameRequired.as_str(),
                    Vec::new(),
                ));
                continue;
            };
            let commune_code = match &placed[offset] {
                None => None,
                Some(Ok(p)) => {
                    if let Placed::Former { others, .. } = p
                        && !others.is_empty()
                    {
                        let mut all = vec![p.code()];
                        all.extend(others);
                        plan.notes.push(issue(
                            Some(Column::Commune),
                            Code::ImportFormerSplit.as_str(),
                            all.iter().map(|c| self.reference.place_name(*c)).collect(),
                        ));
                    }
                    Some(p.code())
                }
                Some(Err(unplaced)) => {
                    let code = if unplaced.ambiguous {
                        Code::ImportCommuneAmbiguous
                    } else {
                        Code::ImportCommuneUnknown
                    };
                    issues.push(issue(
                        Some(Column::Commune),
                        code.as_str(),
                        unplaced
                            .suggestions
                            .iter()
                            .map(|c| self.reference.place_name(*c))
                            .collect(),
                    ));
                    None
                }
            };
            // The row's enterprise: by tax code, else by name in its commune.
            let key = match (&taxes[offset], commune_code) {
                (Some(t), _) => Some(EntKey::Tax(t.as_str().to_string())),
                (None, Some(c)) => Some(EntKey::Name(name_key(name), c)),
                (None, None) => None,
            };
            let stored: Option<&enterprise::Model> = match &key {
                Some(EntKey::Tax(t)) => by_tax.get(t).or_else(|| {
                    commune_code.and_then(|c| {
                        by_name
                            .get(&(name_key(name), c))
                            .filter(|e| e.tax_code.is_none())
                    })
                }),
                Some(EntKey::Name(n, c)) => by_name.get(&(n.clone(), *c)),
                None => None,
            };
            let known = key.as_ref().and_then(|k| self.known.get(k)).cloned();
            // Only an enterprise's first row in the file says what it is; later rows name it
            // to add their products (so a re-run, or a resumed run, reads it the same way).
            let repeat = known.is_some() || (file.repeats.contains(&index) && stored.is_some());
            let mut input = match (&known, stored) {
                (Some(k), _) => k.fields.to_input(),
                (None, Some(e)) => enterprise_input(e),
                (None, None) => EnterpriseInput::default(),
            };
            if !repeat {
                r.cells.apply_enterprise(&mut input);
                if let Some(c) = commune_code {
                    input.commune_code = Some(Num::Int(c.into()));
                }
            }
            let fields = match EnterpriseFields::parse(&input, self.today) {
                Ok(f) => Some(f),
                Err(Invalid(errors)) => {
                    for e in errors {
                        // A missing commune was named above when the cell was unreadable.
                        if e.field == "commune_code"
                            && commune_code.is_none()
                            && r.cells.get(Column::Commune).is_some()
                        {
                            continue;
                        }
                        issues.push(issue(
                            column_of_field(e.field, false),
                            e.code.as_str(),
                            Vec::new(),
                        ));
                    }
                    None
                }
            };
            let id = known.as_ref().and_then(|k| k.id).or(stored.map(|e| e.id));
            if let Some(f) = &fields {
                if self.reference.commune(f.commune_code).is_none() {
                    issues.push(issue(
                        Some(Column::Commune),
                        Code::CommuneUnknown.as_str(),
                        Vec::new(),
                    ));
                }
                if let Some(t) = &f.tax_code
                    && by_tax
                        .get(t.as_str())
                        .is_some_and(|other| Some(other.id) != id)
                {
                    issues.push(issue(
                        Some(Column::TaxCode),
                        Code::TaxCodeTaken.as_str(),
                        Vec::new(),
                    ));
                }
            }
            // Its product.
            let product_plan = match (r.cells.get(Column::ProductName), &fields) {
                (Some(product_name), Some(_)) => {
                    let stored_product = id.and_then(|id| products.get(&(id, fold(product_name))));
                    let before = stored_product.map(|p| fields_of(p, self.reference));
                    let mut input = before
                        .as_ref()
                        .map_or_else(ProductInput::default, ProductFields::to_input);
                    r.cells.apply_product(&mut input, |name| {
                        self.categories
                            .get(&crate::domain::import::header_key(name))
                            .cloned()
                    });
                    match ProductFields::parse(&input, self.today) {
                        Ok(f) if self.reference.category_by_slug(&f.category).is_none() => {
                            issues.push(issue(
                                Some(Column::Category),
                                Code::CategoryUnknown.as_str(),
                                Vec::new(),
                            ));
                            None
                        }
                        Ok(f) => Some((stored_product, before, f)),
                        Err(Invalid(errors)) => {
                            for e in errors {
                                issues.push(issue(
                                    column_of_field(e.field, true),
                                    e.code.as_str(),
                                    Vec::new(),
                                ));
                            }
                            None
                        }
                    }
                }
                _ => None,
            };
            // What a programme gives it, when the row names one.
            let support = match r.cells.get(Column::ProgrammeCode) {
                None => {
                    if [Column::Support, Column::SupportVnd, Column::ContributionVnd]
                        .iter()
                        .any(|c| r.cells.get(*c).is_some())
                    {
                        issues.push(issue(
                            Some(Column::ProgrammeCode),
                            Code::ImportProgrammeRequired.as_str(),
                            Vec::new(),
                        ));
                    }
                    None
                }
                Some(code) => match programmes.get(&programme_key(code)) {
                    None => {
                        issues.push(issue(
                            Some(Column::ProgrammeCode),
                            Code::ImportProgrammeUnknown.as_str(),
                            Vec::new(),
                        ));
                        None
                    }
                    Some(p) if p.status.is_final() => {
                        issues.push(issue(
                            Some(Column::ProgrammeCode),
                            Code::ProgrammeClosed.as_str(),
                            Vec::new(),
                        ));
                        None
                    }
                    Some(p) => {
                        let mut input = r.cells.beneficiary_input();
                        input.enterprise_id = Some(0);
                        match input.parse() {
                            Ok(f) => Some((p.id, f)),
                            Err(Invalid(errors)) => {
                                for e in errors {
                                    issues.push(issue(
                                        column_of_field(e.field, false),
                                        e.code.as_str(),
                                        Vec::new(),
                                    ));
                                }
                                None
                            }
                        }
                    }
                },
            };
            let Some(fields) = fields.filter(|_| issues.is_empty()) else {
                plan.counts.invalid += 1;
                plan.issues.extend(issues);
                continue;
            };
            // The enterprise: new, changed or as it was.
            let (ent_ref, ent_created, ent_updated) = match (&known, stored) {
                (Some(k), _) => {
                    let ent_ref = match (k.id, k.slot) {
                        (Some(id), _) => EntRef::Id(id),
                        (None, Some(slot)) => EntRef::Slot(slot),
                        // Planned in an earlier batch of a dry run: never written.
                        (None, None) => EntRef::Slot(usize::MAX),
                    };
                    (ent_ref, false, false)
                }
                (None, Some(e)) => {
                    let before = EnterpriseFields::parse(&enterprise_input(e), self.today).ok();
                    let changed = before.as_ref() != Some(&fields);
                    if changed {
                        let what = before
                            .as_ref()
                            .map_or_else(|| vec!["*"], |b| enterprise_changes(b, &fields));
                        plan.enterprise_updates.push((
                            e.id,
                            fields.clone(),
                            e.clone(),
                            what,
                            r.row,
                        ));
                    }
                    (EntRef::Id(e.id), false, changed)
                }
                (None, None) => {
                    plan.new_enterprises.push((fields.clone(), r.row));
                    plan.counts.new_enterprises += 1;
                    (EntRef::Slot(plan.new_enterprises.len() - 1), true, false)
                }
            };
            let known_key = match &fields.tax_code {
                Some(t) => EntKey::Tax(t.as_str().to_string()),
                None => EntKey::Name(name_key(&fields.name), fields.commune_code),
            };
            let entry = Known {
                id: match ent_ref {
                    EntRef::Id(id) => Some(id),
                    EntRef::Slot(_) => None,
                },
                slot: match ent_ref {
                    EntRef::Slot(s) if s != usize::MAX => Some(s),
                    _ => None,
                },
                fields: fields.clone(),
            };
            if entry.slot.is_some() {
                self.pending.push(known_key.clone());
            }
            if let Some(k) = &key
                && *k != known_key
            {
                if entry.slot.is_some() {
                    self.pending.push(k.clone());
                }
                self.known.insert(k.clone(), entry.clone());
            }
            self.known.insert(known_key.clone(), entry);
            let (product_ref, product_created, product_updated) = match product_plan {
                None => (None, false, false),
                Some((Some(stored), before, f)) => {
                    let what = before
                        .as_ref()
                        .map_or_else(Vec::new, |b| product_changes(b, &f));
                    let id = stored.id;
                    if what.is_empty() {
                        (Some(ProdRef::Id(id)), false, false)
                    } else {
                        plan.product_updates.push((stored.clone(), f, what, r.row));
                        (Some(ProdRef::Id(id)), false, true)
                    }
                }
                Some((None, _, f)) => {
                    plan.new_products.push((ent_ref, f, r.row));
                    plan.counts.new_products += 1;
                    (Some(ProdRef::New(plan.new_products.len() - 1)), true, false)
                }
            };
            // Its support: a new beneficiary, a changed one, or as it was. A programme gets
            // an enterprise once: later rows naming the pair add only their products.
            let (support_created, support_updated) = match support {
                None => (false, false),
                Some((programme_id, f)) => {
                    if self.beneficiaries.insert((programme_id, known_key)) {
                        let stored = match ent_ref {
                            EntRef::Id(id) => beneficiaries.get(&(programme_id, id)),
                            EntRef::Slot(_) => None,
                        };
                        match stored {
                            None => {
                                plan.new_beneficiaries.push(NewBeneficiary {
                                    programme_id,
                                    enterprise: ent_ref,
                                    product: product_ref,
                                    fields: f,
                                    row: r.row,
                                });
                                plan.counts.new_beneficiaries += 1;
                                (true, false)
                            }
                            Some(b) if b.status != BeneficiaryStatus::Committed => {
                                plan.notes.push(issue(
                                    Some(Column::ProgrammeCode),
                                    Code::ImportBeneficiaryWithdrawn.as_str(),
                                    Vec::new(),
                                ));
                                (false, false)
                            }
                            Some(b) => {
                                let changed = support_changes(b, &f, product_ref);
                                if changed.is_empty() {
                                    (false, false)
                                } else {
                                    plan.beneficiary_updates.push(BeneficiaryUpdate {
                                        stored: b.clone(),
                                        product: product_ref,
                                        fields: f,
                                        changed,
                                        row: r.row,
                                    });
                                    (false, true)
                                }
                            }
                        }
                    } else {
                        plan.notes.push(issue(
                            Some(Column::ProgrammeCode),
                            Code::ImportBeneficiaryRepeat.as_str(),
                            Vec::new(),
                        ));
                        (false, false)
                    }
                }
            };
            if ent_created || product_created || support_created {
                plan.counts.create += 1;
            } else if ent_updated || product_updated || support_updated {
                plan.counts.update += 1;
            } else {
                plan.counts.unchanged += 1;
            }
        }
        Ok(plan)
    }

    /// After a batch is written: its new enterprises are known by id.
    pub fn written(&mut self, ids: &[i32]) {
        for key in std::mem::take(&mut self.pending) {
            if let Some(k) = self.known.get_mut(&key)
                && let Some(slot) = k.slot.take()
            {
                k.id = ids.get(slot).copied();
            }
        }
    }

    /// After a batch of a dry run: its new enterprises stay planned, never written.
    pub fn planned_only(&mut self) {
        for key in std::mem::take(&mut self.pending) {
            if let Some(k) = self.known.get_mut(&key) {
                k.slot = None;
            }
        }
    }
}

/// What the file changes in a beneficiary's support; a product named by the row replaces
/// the one it had.
fn support_changes(
    b: &programme_beneficiary::Model,
    f: &BeneficiaryFields,
    product: Option<ProdRef>,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    if b.support != f.support {
        out.push("support");
    }
    if b.support_vnd != f.support_vnd {
        out.push("support_vnd");
    }
    if b.contribution_vnd != f.contribution_vnd {
        out.push("contribution_vnd");
    }
    match product {
        Some(ProdRef::New(_)) => out.push("product_id"),
        Some(ProdRef::Id(id)) if b.product_id != Some(id) => out.push("product_id"),
        _ => {}
    }
    out
}

/// The fields whose values differ, for the audit trail.
fn enterprise_changes(a: &EnterpriseFields, b: &EnterpriseFields) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |name, differs: bool| {
        if differs {
            out.push(name);
        }
    };
    check("name", a.name != b.name);
    check("legal_form", a.legal_form != b.legal_form);
    check("tax_code", a.tax_code != b.tax_code);
    check("commune_code", a.commune_code != b.commune_code);
    check("address", a.address != b.address);
    check("phone", a.phone != b.phone);
    check("email", a.email != b.email);
    check("description", a.description != b.description);
    check("founded_year", a.founded_year != b.founded_year);
    check("workforce", a.workforce != b.workforce);
    check("certifications", a.certifications != b.certifications);
    out
}

fn product_changes(a: &ProductFields, b: &ProductFields) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |name, differs: bool| {
        if differs {
            out.push(name);
        }
    };
    check("name", a.name != b.name);
    check("category", a.category != b.category);
    check("brand", a.brand != b.brand);
    check("packaging_status", a.packaging_status != b.packaging_status);
    check("trademark", a.trademark != b.trademark);
    check("ocop", a.ocop != b.ocop);
    check("certifications", a.certifications != b.certifications);
    check("unit", a.unit != b.unit);
    check("price", a.price != b.price);
    check("min_order", a.min_order != b.min_order);
    check("monthly_capacity", a.monthly_capacity != b.monthly_capacity);
    check("season_months", a.season_months != b.season_months);
    check("shelf_life_days", a.shelf_life_days != b.shelf_life_days);
    check("description", a.description != b.description);
    out
}
