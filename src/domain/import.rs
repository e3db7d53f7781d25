//! Survey spreadsheets: which column holds which field (by its Vietnamese or English header,
//! with or without marks, any case), and what a cell typed by hand means (`0912.345.678`,
//! `1.290.000`, `15/03/2019`, `Hợp tác xã`). The catalogue's export writes the same headers
//! and labels, so what it writes reads back unchanged.

use std::collections::HashMap;

use super::programme::BeneficiaryInput;
use super::text::fold;
use super::{
    Certification, EnterpriseInput, LegalForm, Num, PackagingStatus, ProductInput, TrademarkInput,
    TrademarkKind, TrademarkStatus, string_enum,
};

string_enum! {
    /// A field a column of a survey file can fill.
    Column {
        EnterpriseName => "enterprise_name",
        LegalForm => "legal_form",
        TaxCode => "tax_code",
        Address => "address",
        Commune => "commune",
        District => "district",
        Province => "province",
        Phone => "phone",
        Email => "email",
        FoundedYear => "founded_year",
        Workforce => "workforce",
        EnterpriseCertifications => "enterprise_certifications",
        EnterpriseDescription => "enterprise_description",
        ProductName => "product_name",
        Category => "category",
        Brand => "brand",
        Packaging => "packaging",
        TrademarkStatus => "trademark_status",
        TrademarkKind => "trademark_kind",
        TrademarkNumber => "trademark_number",
        TrademarkFiledOn => "trademark_filed_on",
        TrademarkGrantedOn => "trademark_granted_on",
        TrademarkExpiresOn => "trademark_expires_on",
        OcopStars => "ocop_stars",
        OcopYear => "ocop_year",
        OcopCertifiedOn => "ocop_certified_on",
        ProductCertifications => "product_certifications",
        Unit => "unit",
        PriceMin => "price_min",
        PriceMax => "price_max",
        MinOrder => "min_order",
        MonthlyCapacity => "monthly_capacity",
        SeasonMonths => "season_months",
        ShelfLifeDays => "shelf_life_days",
        ProductDescription => "product_description",
        ProgrammeCode => "programme_code",
        Support => "support",
        SupportVnd => "support_vnd",
        ContributionVnd => "contribution_vnd",
    }
}

impl Column {
    /// The header the export writes (and the first the import knows).
    pub fn header(self) -> &'static str {
        self.headers()[0]
    }

    /// Headers that mean this column: the export's, then what survey files and English
    /// sheets call it. Compared folded (no marks, any case, any punctuation).
    fn headers(self) -> &'static [&'static str] {
        match self {
            Column::EnterpriseName => &[
                "Tên cơ sở",
                "Tên cơ sở sản xuất",
                "Tên doanh nghiệp",
                "Tên HTX",
                "Tên hợp tác xã",
                "Tên hộ kinh doanh",
                "Tên đơn vị",
                "Cơ sở",
                "Chủ thể",
                "Tên chủ thể",
                "Enterprise",
                "Enterprise name",
                "Producer",
                "Business name",
            ],
            Column::LegalForm => &[
                "Loại hình",
                "Loại hình tổ chức",
                "Loại hình doanh nghiệp",
                "Legal form",
            ],
            Column::TaxCode => &[
                "Mã số thuế",
                "MST",
                "Mã số doanh nghiệp",
                "Tax code",
                "Tax ID",
            ],
            Column::Address => &[
                "Địa chỉ",
                "Thôn",
                "Thôn/xóm",
                "Thôn, xóm",
                "Thôn bản",
                "Địa chỉ chi tiết",
                "Address",
                "Village",
            ],
            Column::Commune => &[
                "Xã/phường",
                "Xã",
                "Phường",
                "Xã, phường",
                "Xã phường thị trấn",
                "Xã/phường/thị trấn",
                "Commune",
                "Ward",
            ],
            Column::District => &[
                "Huyện (cũ)",
                "Huyện",
                "Quận/huyện",
                "Quận, huyện",
                "Huyện/thị xã/thành phố",
                "District",
                "Former district",
            ],
            Column::Province => &[
                "Tỉnh/thành phố",
                "Tỉnh",
                "Tỉnh, thành phố",
                "Tỉnh/TP",
                "Province",
                "City",
            ],
            Column::Phone => &[
                "Điện thoại",
                "Số điện thoại",
                "SĐT",
                "ĐT",
                "Di động",
                "Phone",
                "Telephone",
                "Mobile",
            ],
            Column::Email => &["Email", "E-mail", "Thư điện tử"],
            Column::FoundedYear => &[
                "Năm thành lập",
                "Năm thành lập cơ sở",
                "Founded",
                "Year founded",
            ],
            Column::Workforce => &[
                "Số lao động",
                "Lao động",
                "Số lao động (người)",
                "Workforce",
                "Employees",
            ],
            Column::EnterpriseCertifications => &[
                "Chứng nhận của cơ sở",
                "Chứng nhận cơ sở",
                "Enterprise certifications",
            ],
            Column::EnterpriseDescription => {
                &["Giới thiệu cơ sở", "Mô tả cơ sở", "About the enterprise"]
            }
            Column::ProductName => &[
                "Tên sản phẩm",
                "Sản phẩm",
                "Sản phẩm chính",
                "Tên SP",
                "Product",
                "Product name",
            ],
            Column::Category => &[
                "Nhóm sản phẩm",
                "Nhóm ngành",
                "Danh mục",
                "Ngành hàng",
                "Category",
                "Product group",
            ],
            Column::Brand => &["Nhãn hiệu", "Thương hiệu", "Tên nhãn hiệu", "Brand"],
            Column::Packaging => &[
                "Bao bì",
                "Bao bì, nhãn mác",
                "Tình trạng bao bì",
                "Packaging",
            ],
            Column::TrademarkStatus => &[
                "Đăng ký nhãn hiệu",
                "Tình trạng nhãn hiệu",
                "Tình trạng đăng ký nhãn hiệu",
                "Trademark",
                "Trademark status",
            ],
            Column::TrademarkKind => &["Loại nhãn hiệu", "Trademark kind"],
            Column::TrademarkNumber => &[
                "Số đơn/văn bằng",
                "Số văn bằng",
                "Số đơn",
                "Số đơn đăng ký",
                "Trademark number",
            ],
            Column::TrademarkFiledOn => &["Ngày nộp đơn", "Filed on"],
            Column::TrademarkGrantedOn => &["Ngày cấp văn bằng", "Ngày cấp", "Granted on"],
            Column::TrademarkExpiresOn => {
                &["Hiệu lực đến", "Ngày hết hạn", "Hết hạn", "Expires on"]
            }
            Column::OcopStars => &[
                "Số sao OCOP",
                "OCOP",
                "Hạng OCOP",
                "Xếp hạng OCOP",
                "OCOP stars",
            ],
            Column::OcopYear => &["Năm công nhận OCOP", "Năm OCOP", "OCOP year"],
            Column::OcopCertifiedOn => &[
                "Ngày cấp giấy chứng nhận OCOP",
                "Ngày công nhận OCOP",
                "Ngày cấp OCOP",
                "OCOP certificate date",
            ],
            Column::ProductCertifications => {
                &["Chứng nhận sản phẩm", "Chứng nhận", "Certifications"]
            }
            Column::Unit => &["Đơn vị tính", "ĐVT", "Đơn vị", "Unit"],
            Column::PriceMin => &[
                "Giá từ (đồng)",
                "Giá từ",
                "Giá bán",
                "Giá",
                "Đơn giá",
                "Price",
                "Price from",
            ],
            Column::PriceMax => &["Giá đến (đồng)", "Giá đến", "Price to"],
            Column::MinOrder => &["Đơn hàng tối thiểu", "Số lượng tối thiểu", "Minimum order"],
            Column::MonthlyCapacity => &[
                "Sản lượng tháng",
                "Công suất tháng",
                "Sản lượng/tháng",
                "Công suất",
                "Monthly capacity",
            ],
            Column::SeasonMonths => &["Tháng sản xuất", "Mùa vụ", "Thời vụ", "Season", "Months"],
            Column::ShelfLifeDays => &[
                "Hạn sử dụng (ngày)",
                "Hạn sử dụng",
                "Shelf life",
                "Shelf life (days)",
            ],
            Column::ProductDescription => &["Mô tả sản phẩm", "Mô tả", "Description"],
            Column::ProgrammeCode => &[
                "Mã đề án",
                "Số hiệu đề án",
                "Đề án",
                "Đề án khuyến công",
                "Programme code",
                "Programme",
            ],
            Column::Support => &["Nội dung hỗ trợ", "Hạng mục hỗ trợ", "Hỗ trợ", "Support"],
            Column::SupportVnd => &[
                "Kinh phí hỗ trợ (đồng)",
                "Kinh phí hỗ trợ",
                "Kinh phí khuyến công",
                "Số tiền hỗ trợ",
                "Support (VND)",
                "Support amount",
            ],
            Column::ContributionVnd => &[
                "Vốn đối ứng (đồng)",
                "Vốn đối ứng",
                "Kinh phí đối ứng",
                "Đối ứng",
                "Counterpart funds",
                "Contribution (VND)",
            ],
        }
    }

    /// Whether the column belongs to the product rather than its enterprise.
    pub fn is_product(self) -> bool {
        (Column::ProductName as u8..=Column::ProductDescription as u8).contains(&(self as u8))
    }

    /// Whether the column says what a programme gives the row's enterprise (a beneficiary
    /// list rather than a survey of the catalogue).
    pub fn is_beneficiary(self) -> bool {
        (self as u8) >= (Column::ProgrammeCode as u8)
    }

    /// Whether the column describes the enterprise itself.
    pub fn is_enterprise(self) -> bool {
        !self.is_product() && !self.is_beneficiary()
    }
}

/// A header folded for matching: no marks, lower case, words joined by one space.
pub fn header_key(header: &str) -> String {
    fold(header)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The known headers, folded.
fn known_headers() -> &'static HashMap<String, Column> {
    static KNOWN: std::sync::OnceLock<HashMap<String, Column>> = std::sync::OnceLock::new();
    KNOWN.get_or_init(|| {
        let mut map = HashMap::new();
        for column in Column::ALL {
            for header in column.headers() {
                map.entry(header_key(header)).or_insert(*column);
            }
        }
        map
    })
}

/// The column a header means: what staff chose for it before (`remembered`, by header key),
/// else a known header. Numbering columns (`STT`) and unknown headers map to nothing.
pub fn column_for<S: std::hash::BuildHasher>(
    header: &str,
    remembered: &HashMap<String, Option<Column>, S>,
) -> Option<Column> {
    let key = header_key(header);
    if let Some(choice) = remembered.get(&key) {
        return *choice;
    }
    known_headers().get(&key).copied()
}

/// Where the headers are: the first of the first ten rows in which at least two cells are
/// known headers (survey files often open with a title and a date above them).
pub fn header_row<S: std::hash::BuildHasher>(
    rows: &[Vec<String>],
    remembered: &HashMap<String, Option<Column>, S>,
) -> Option<usize> {
    rows.iter().take(10).position(|row| {
        row.iter()
            .filter(|cell| column_for(cell, remembered).is_some())
            .count()
            >= 2
    })
}

/// Each column's field, from the header row; a field named twice keeps its first column.
pub fn mapping<S: std::hash::BuildHasher>(
    headers: &[String],
    remembered: &HashMap<String, Option<Column>, S>,
) -> Vec<Option<Column>> {
    let mut seen = Vec::new();
    headers
        .iter()
        .map(|h| {
            let column = column_for(h, remembered)?;
            if seen.contains(&column) {
                None
            } else {
                seen.push(column);
                Some(column)
            }
        })
        .collect()
}

/// A cell that would run as a formula in a spreadsheet (`=`, `+`, `-`, `@` first) gets a
/// leading apostrophe, which shows as text and which [`unneutralise`] takes off again.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) || text.starts_with('\'') {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Takes off the apostrophe [`neutralise`] put on.
pub fn unneutralise(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r', '\'']) => rest,
        _ => text,
    }
}

/// A row's cells by field: only the non-empty cells of mapped columns, trimmed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowCells(pub Vec<(Column, String)>);

impl RowCells {
    pub fn read(cells: &[String], mapping: &[Option<Column>]) -> Self {
        RowCells(
            mapping
                .iter()
                .zip(cells)
                .filter_map(|(column, cell)| {
                    let value = unneutralise(cell.trim()).trim();
                    column
                        .filter(|_| !value.is_empty())
                        .map(|c| (c, value.to_string()))
                })
                .collect(),
        )
    }

    pub fn get(&self, column: Column) -> Option<&str> {
        self.0
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, v)| v.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn has_enterprise(&self) -> bool {
        self.0.iter().any(|(c, _)| c.is_enterprise())
    }

    pub fn has_product(&self) -> bool {
        self.get(Column::ProductName).is_some()
    }

    /// A row that names only a product continues the enterprise above it (survey files
    /// merge the enterprise's cells over its products' rows).
    pub fn continue_from(&mut self, above: &RowCells) {
        if self.get(Column::EnterpriseName).is_none() && self.has_product() {
            for (c, v) in &above.0 {
                if c.is_enterprise() && self.get(*c).is_none() {
                    self.0.push((*c, v.clone()));
                }
            }
        }
    }

    /// Overlays the row on an enterprise: the cells it has replace what is there; a field
    /// the row leaves empty keeps its value. Labels (`Hợp tác xã`) become codes; a value that
    /// is not a known label is passed on for the checks to name. A new enterprise whose
    /// legal form the file does not give takes the one its name says (`HTX …`, `Công ty …`),
    /// else a household business, the form most survey rows are.
    pub fn apply_enterprise(&self, input: &mut EnterpriseInput) {
        if input.legal_form.is_none()
            && self.get(Column::LegalForm).is_none()
            && let Some(name) = self.get(Column::EnterpriseName)
        {
            input.legal_form = Some(legal_form_of_name(name).as_str().to_string());
        }
        for (column, value) in &self.0 {
            let v = value.clone();
            match column {
                Column::EnterpriseName => input.name = Some(v),
                Column::LegalForm => input.legal_form = Some(legal_form(value)),
                Column::TaxCode => input.tax_code = Some(tax_code_text(value)),
                Column::Address => input.address = Some(v),
                Column::Phone => input.phone = Some(phone(value)),
                Column::Email => input.email = Some(v),
                Column::FoundedYear => input.founded_year = Some(Num::Text(v)),
                Column::Workforce => input.workforce = Some(Num::Text(v)),
                Column::EnterpriseCertifications => {
                    input.certifications = Some(certifications(value));
                }
                Column::EnterpriseDescription => input.description = Some(v),
                _ => {}
            }
        }
    }

    /// What the row says a programme gives its enterprise: support in words, money from the
    /// programme and the enterprise's own share (`1.290.000`).
    pub fn beneficiary_input(&self) -> BeneficiaryInput {
        BeneficiaryInput {
            support: self.get(Column::Support).map(str::to_string),
            support_vnd: self.get(Column::SupportVnd).map(|v| Num::Text(v.into())),
            contribution_vnd: self
                .get(Column::ContributionVnd)
                .map(|v| Num::Text(v.into())),
            ..BeneficiaryInput::default()
        }
    }

    /// Overlays the row on a product, as [`RowCells::apply_enterprise`] does. `category`
    /// turns a category's name into its slug.
    pub fn apply_product(
        &self,
        input: &mut ProductInput,
        category: impl Fn(&str) -> Option<String>,
    ) {
        for (column, value) in &self.0 {
            let v = value.clone();
            let trademark = || input.trademark.clone().unwrap_or_default();
            match column {
                Column::ProductName => input.name = Some(v),
                Column::Category => input.category = Some(category(value).unwrap_or(v)),
                Column::Brand => input.brand = Some(v),
                Column::Packaging => input.packaging_status = Some(packaging(value)),
                Column::TrademarkStatus => {
                    input.trademark = Some(TrademarkInput {
                        status: Some(trademark_status(value)),
                        ..trademark()
                    });
                }
                Column::TrademarkKind => {
                    input.trademark = Some(TrademarkInput {
                        kind: Some(trademark_kind(value)),
                        ..trademark()
                    });
                }
                Column::TrademarkNumber => {
                    input.trademark = Some(TrademarkInput {
                        number: Some(v),
                        ..trademark()
                    });
                }
                Column::TrademarkFiledOn => {
                    input.trademark = Some(TrademarkInput {
                        filed_on: Some(v),
                        ..trademark()
                    });
                }
                Column::TrademarkGrantedOn => {
                    input.trademark = Some(TrademarkInput {
                        granted_on: Some(v),
                        ..trademark()
                    });
                }
                Column::TrademarkExpiresOn => {
                    input.trademark = Some(TrademarkInput {
                        expires_on: Some(v),
                        ..trademark()
                    });
                }
                Column::OcopStars => input.ocop_stars = Some(Num::Text(ocop_stars(value))),
                Column::OcopYear => input.ocop_year = Some(Num::Text(v)),
                Column::OcopCertifiedOn => input.ocop_certified_on = Some(v),
                Column::ProductCertifications => input.certifications = Some(certifications(value)),
                Column::Unit => input.unit = Some(v),
                Column::PriceMin => input.price_min_vnd = Some(Num::Text(v)),
                Column::PriceMax => input.price_max_vnd = Some(Num::Text(v)),
                Column::MinOrder => input.min_order = Some(Num::Text(v)),
                Column::MonthlyCapacity => input.monthly_capacity = Some(Num::Text(v)),
                Column::SeasonMonths => input.season_months = Some(months(value)),
                Column::ShelfLifeDays => input.shelf_life_days = Some(Num::Text(v)),
                Column::ProductDescription => input.description = Some(v),
                _ => {}
            }
        }
    }
}

/// The column an error about a field of an enterprise or a product names.
pub fn column_of_field(field: &str, product: bool) -> Option<Column> {
    Some(match (field, product) {
        ("name", false) => Column::EnterpriseName,
        ("legal_form", _) => Column::LegalForm,
        ("tax_code", _) => Column::TaxCode,
        ("commune_code", _) => Column::Commune,
        ("address", _) => Column::Address,
        ("phone", _) => Column::Phone,
        ("email", _) => Column::Email,
        ("founded_year", _) => Column::FoundedYear,
        ("workforce", _) => Column::Workforce,
        ("certifications", false) => Column::EnterpriseCertifications,
        ("description", false) => Column::EnterpriseDescription,
        ("name", true) => Column::ProductName,
        ("category", _) => Column::Category,
        ("brand", _) => Column::Brand,
        ("packaging_status", _) => Column::Packaging,
        ("trademark.status", _) => Column::TrademarkStatus,
        ("trademark.kind", _) => Column::TrademarkKind,
        ("trademark.number", _) => Column::TrademarkNumber,
        ("trademark.filed_on", _) => Column::TrademarkFiledOn,
        ("trademark.granted_on", _) => Column::TrademarkGrantedOn,
        ("trademark.expires_on", _) => Column::TrademarkExpiresOn,
        ("ocop_stars", _) => Column::OcopStars,
        ("ocop_year", _) => Column::OcopYear,
        ("ocop_certified_on", _) => Column::OcopCertifiedOn,
        ("certifications", true) => Column::ProductCertifications,
        ("unit", _) => Column::Unit,
        ("price_min_vnd", _) => Column::PriceMin,
        ("price_max_vnd", _) => Column::PriceMax,
        ("min_order", _) => Column::MinOrder,
        ("monthly_capacity", _) => Column::MonthlyCapacity,
        ("season_months", _) => Column::SeasonMonths,
        ("shelf_life_days", _) => Column::ShelfLifeDays,
        ("description", true) => Column::ProductDescription,
        ("support", _) => Column::Support,
        ("support_vnd", _) => Column::SupportVnd,
        ("contribution_vnd", _) => Column::ContributionVnd,
        _ => return None,
    })
}

/// Whichever label of `labels` the folded value equals, or the value as it is.
fn label<T: Copy>(value: &str, labels: &[(&str, T)], code: impl Fn(T) -> &'static str) -> String {
    let key = header_key(value);
    labels
        .iter()
        .find(|(l, _)| header_key(l) == key)
        .map_or_else(|| value.trim().to_string(), |(_, t)| code(*t).to_string())
}

pub const LEGAL_FORMS: &[(&str, LegalForm)] = &[
    ("Hộ kinh doanh", LegalForm::HouseholdBusiness),
    ("Hộ sản xuất", LegalForm::HouseholdBusiness),
    ("Hộ cá thể", LegalForm::HouseholdBusiness),
    ("HKD", LegalForm::HouseholdBusiness),
    ("Household business", LegalForm::HouseholdBusiness),
    ("Hợp tác xã", LegalForm::Cooperative),
    ("HTX", LegalForm::Cooperative),
    ("Cooperative", LegalForm::Cooperative),
    ("Tổ hợp tác", LegalForm::CooperativeGroup),
    ("THT", LegalForm::CooperativeGroup),
    ("Cooperative group", LegalForm::CooperativeGroup),
    ("Doanh nghiệp", LegalForm::Company),
    ("Công ty", LegalForm::Company),
    ("Công ty TNHH", LegalForm::Company),
    ("Công ty cổ phần", LegalForm::Company),
    ("Doanh nghiệp tư nhân", LegalForm::Company),
    ("DNTN", LegalForm::Company),
    ("Company", LegalForm::Company),
];

/// The legal form a name begins with: `HTX Miến dong` is a cooperative.
pub fn legal_form_of_name(name: &str) -> LegalForm {
    let key = header_key(name);
    let starts = |prefixes: &[&str]| {
        prefixes
            .iter()
            .any(|p| key == *p || key.starts_with(&format!("{p} ")))
    };
    if starts(&["htx", "hop tac xa"]) {
        LegalForm::Cooperative
    } else if starts(&["tht", "to hop tac"]) {
        LegalForm::CooperativeGroup
    } else if starts(&["cong ty", "cty", "doanh nghiep", "dntn", "dn"]) {
        LegalForm::Company
    } else {
        LegalForm::HouseholdBusiness
    }
}

fn legal_form(value: &str) -> String {
    label(value, LEGAL_FORMS, LegalForm::as_str)
}

pub const PACKAGINGS: &[(&str, PackagingStatus)] = &[
    ("Chưa có bao bì", PackagingStatus::None),
    ("Chưa có", PackagingStatus::None),
    ("Không", PackagingStatus::None),
    ("Bán rời", PackagingStatus::None),
    ("Bao bì đơn giản", PackagingStatus::Basic),
    ("Đơn giản", PackagingStatus::Basic),
    ("Có", PackagingStatus::Basic),
    ("Bao bì được thiết kế", PackagingStatus::Designed),
    ("Đã thiết kế", PackagingStatus::Designed),
    ("Được thiết kế", PackagingStatus::Designed),
];

fn packaging(value: &str) -> String {
    label(value, PACKAGINGS, PackagingStatus::as_str)
}

pub const TRADEMARK_STATUSES: &[(&str, TrademarkStatus)] = &[
    ("Chưa đăng ký", TrademarkStatus::Unregistered),
    ("Chưa", TrademarkStatus::Unregistered),
    ("Không", TrademarkStatus::Unregistered),
    ("Đã nộp đơn", TrademarkStatus::Filed),
    ("Đang đăng ký", TrademarkStatus::Filed),
    ("Đã đăng ký", TrademarkStatus::Registered),
    ("Đã được cấp", TrademarkStatus::Registered),
    ("Đã cấp", TrademarkStatus::Registered),
    ("Có", TrademarkStatus::Registered),
    ("Hết hạn", TrademarkStatus::Expired),
    ("Đã hết hạn", TrademarkStatus::Expired),
];

fn trademark_status(value: &str) -> String {
    label(value, TRADEMARK_STATUSES, TrademarkStatus::as_str)
}

pub const TRADEMARK_KINDS: &[(&str, TrademarkKind)] = &[
    ("Nhãn hiệu thông thường", TrademarkKind::Individual),
    ("Thông thường", TrademarkKind::Individual),
    ("Nhãn hiệu tập thể", TrademarkKind::Collective),
    ("Tập thể", TrademarkKind::Collective),
    ("Nhãn hiệu chứng nhận", TrademarkKind::Certification),
    ("Chứng nhận", TrademarkKind::Certification),
    ("Chỉ dẫn địa lý", TrademarkKind::GeographicalIndication),
];

fn trademark_kind(value: &str) -> String {
    label(value, TRADEMARK_KINDS, TrademarkKind::as_str)
}

pub const CERTIFICATIONS: &[(&str, Certification)] = &[
    ("VietGAP", Certification::Vietgap),
    ("Hữu cơ", Certification::Organic),
    ("Organic", Certification::Organic),
    ("HACCP", Certification::Haccp),
    ("ISO 22000", Certification::Iso22000),
    ("ISO22000", Certification::Iso22000),
    ("An toàn thực phẩm", Certification::FoodSafety),
    ("ATTP", Certification::FoodSafety),
    ("Food safety", Certification::FoodSafety),
    ("TCVN", Certification::Tcvn),
];

fn certifications(value: &str) -> Vec<String> {
    value
        .split([',', ';', '/', '\n'])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| label(v, CERTIFICATIONS, Certification::as_str))
        .collect()
}

/// `4 sao` → `4`.
fn ocop_stars(value: &str) -> String {
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        value.to_string()
    } else {
        digits
    }
}

/// `1, 2, 10-12` → the months; a part that is not a month is passed on to be refused.
fn months(value: &str) -> Vec<Num> {
    let mut out = Vec::new();
    for part in value
        .split([',', ';', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let range = part.split_once(['-', '–']).and_then(|(a, b)| {
            Some((a.trim().parse::<i64>().ok()?, b.trim().parse::<i64>().ok()?))
        });
        match range {
            Some((a, b)) if (1..=12).contains(&a) && (1..=12).contains(&b) && a <= b => {
                out.extend((a..=b).map(Num::Int));
            }
            _ => out.push(
                part.parse::<i64>()
                    .map_or_else(|_| Num::Text(part.to_string()), Num::Int),
            ),
        }
    }
    out
}

/// A tax code as typed, its leading zero back if a spreadsheet took it off (`100047516`).
pub fn tax_code_text(value: &str) -> String {
    digits_restored(value, 10)
}

/// A number typed into a spreadsheet loses its leading zero (`912345678`): a value of
/// only digits, one short of `len`, gets it back.
fn digits_restored(value: &str, len: usize) -> String {
    if value.len() + 1 == len && value.chars().all(|c| c.is_ascii_digit()) {
        format!("0{value}")
    } else {
        value.to_string()
    }
}

fn phone(value: &str) -> String {
    let digits_only = value.chars().all(|c| c.is_ascii_digit());
    if digits_only && !value.starts_with('0') && !value.starts_with("84") {
        // Mobile (9 digits left) or landline (10 digits left).
        format!("0{value}")
    } else {
        value.to_string()
    }
}

/// Labels the export writes for a field's codes, so the import reads them back.
pub fn legal_form_label(f: LegalForm) -> &'static str {
    first_label(LEGAL_FORMS, f)
}
pub fn packaging_label(p: PackagingStatus) -> &'static str {
    first_label(PACKAGINGS, p)
}
pub fn trademark_status_label(s: TrademarkStatus) -> &'static str {
    first_label(TRADEMARK_STATUSES, s)
}
pub fn trademark_kind_label(k: TrademarkKind) -> &'static str {
    first_label(TRADEMARK_KINDS, k)
}
pub fn certification_label(c: Certification) -> &'static str {
    first_label(CERTIFICATIONS, c)
}

fn first_label<T: PartialEq + Copy>(labels: &[(&'static str, T)], value: T) -> &'static str {
    labels
        .iter()
        .find(|(_, t)| *t == value)
        .map_or("", |(l, _)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_string()).collect()
    }

    #[test]
    fn headers_in_any_spelling() {
        let none = HashMap::new();
        assert_eq!(column_for("TÊN CƠ SỞ", &none), Some(Column::EnterpriseName));
        assert_eq!(column_for("ten co so", &none), Some(Column::EnterpriseName));
        assert_eq!(column_for(" Mã số thuế ", &none), Some(Column::TaxCode));
        assert_eq!(column_for("Tax code", &none), Some(Column::TaxCode));
        assert_eq!(column_for("SĐT", &none), Some(Column::Phone));
        assert_eq!(column_for("Xã/Phường", &none), Some(Column::Commune));
        assert_eq!(column_for("STT", &none), None);
        let mut remembered = HashMap::new();
        remembered.insert(header_key("Chủ hộ"), Some(Column::EnterpriseName));
        remembered.insert(header_key("SĐT"), None);
        assert_eq!(
            column_for("chu ho", &remembered),
            Some(Column::EnterpriseName)
        );
        assert_eq!(column_for("SĐT", &remembered), None);
    }

    #[test]
    fn finds_the_header_row_below_a_title() {
        let rows = vec![
            strings(&["DANH SÁCH CƠ SỞ SẢN XUẤT XÃ NA RÌ", "", ""]),
            strings(&["", "", ""]),
            strings(&["STT", "Tên cơ sở", "Điện thoại"]),
        ];
        assert_eq!(header_row(&rows, &HashMap::new()), Some(2));
        let m = mapping(&rows[2], &HashMap::new());
        assert_eq!(
            m,
            vec![None, Some(Column::EnterpriseName), Some(Column::Phone)]
        );
    }

    #[test]
    fn cells_typed_by_hand() {
        let mapping = vec![
            Some(Column::EnterpriseName),
            Some(Column::LegalForm),
            Some(Column::TaxCode),
            Some(Column::Phone),
            Some(Column::EnterpriseCertifications),
        ];
        let row = RowCells::read(
            &strings(&[
                " HTX Miến dong ",
                "htx",
                "100047516",
                "912345678",
                "VietGAP; hữu cơ",
            ]),
            &mapping,
        );
        let mut input = EnterpriseInput::default();
        row.apply_enterprise(&mut input);
        assert_eq!(input.name.as_deref(), Some("HTX Miến dong"));
        assert_eq!(input.legal_form.as_deref(), Some("cooperative"));
        assert_eq!(input.tax_code.as_deref(), Some("0100047516"));
        assert_eq!(input.phone.as_deref(), Some("0912345678"));
        assert_eq!(
            input.certifications,
            Some(vec!["vietgap".into(), "organic".into()])
        );
    }

    #[test]
    fn a_missing_legal_form_is_read_from_the_name() {
        assert_eq!(
            legal_form_of_name("HTX Miến dong Côn Minh"),
            LegalForm::Cooperative
        );
        assert_eq!(
            legal_form_of_name("Hợp tác xã Nông nghiệp"),
            LegalForm::Cooperative
        );
        assert_eq!(
            legal_form_of_name("Công ty TNHH Tre Việt"),
            LegalForm::Company
        );
        assert_eq!(
            legal_form_of_name("Tổ hợp tác Mây tre"),
            LegalForm::CooperativeGroup
        );
        assert_eq!(
            legal_form_of_name("Cơ sở Đũa tre"),
            LegalForm::HouseholdBusiness
        );
        assert_eq!(legal_form_of_name("Htxanh"), LegalForm::HouseholdBusiness);
        let row = RowCells(vec![(Column::EnterpriseName, "HTX A".into())]);
        let mut input = EnterpriseInput::default();
        row.apply_enterprise(&mut input);
        assert_eq!(input.legal_form.as_deref(), Some("cooperative"));
        // A stored enterprise keeps its own.
        let mut input = EnterpriseInput {
            legal_form: Some("company".into()),
            ..Default::default()
        };
        row.apply_enterprise(&mut input);
        assert_eq!(input.legal_form.as_deref(), Some("company"));
    }

    #[test]
    fn products_from_labels_and_ranges() {
        let mapping = vec![
            Some(Column::ProductName),
            Some(Column::Packaging),
            Some(Column::TrademarkStatus),
            Some(Column::SeasonMonths),
            Some(Column::OcopStars),
            Some(Column::Category),
        ];
        let row = RowCells::read(
            &strings(&[
                "Miến dong",
                "Đã thiết kế",
                "Đã được cấp",
                "1, 10-12",
                "4 sao",
                "Nông sản chế biến",
            ]),
            &mapping,
        );
        let mut input = ProductInput::default();
        row.apply_product(&mut input, |name| {
            (header_key(name) == "nong san che bien").then(|| "nong-san".into())
        });
        assert_eq!(input.packaging_status.as_deref(), Some("designed"));
        assert_eq!(
            input.trademark.and_then(|t| t.status).as_deref(),
            Some("registered")
        );
        assert_eq!(
            input.season_months,
            Some(vec![Num::Int(1), Num::Int(10), Num::Int(11), Num::Int(12)])
        );
        assert_eq!(input.ocop_stars, Some(Num::Text("4".into())));
        assert_eq!(input.category.as_deref(), Some("nong-san"));
    }

    #[test]
    fn a_product_row_continues_the_enterprise_above() {
        let mapping = vec![
            Some(Column::EnterpriseName),
            Some(Column::Phone),
            Some(Column::ProductName),
        ];
        let first = RowCells::read(&strings(&["HTX A", "0912345678", "Miến"]), &mapping);
        let mut second = RowCells::read(&strings(&["", "", "Bún"]), &mapping);
        second.continue_from(&first);
        assert_eq!(second.get(Column::EnterpriseName), Some("HTX A"));
        assert_eq!(second.get(Column::Phone), Some("0912345678"));
        assert_eq!(second.get(Column::ProductName), Some("Bún"));
    }

    #[test]
    fn formulas_are_neutralised_and_read_back() {
        for text in ["=1+2", "+84 912", "-5", "@SUM(A1)", "'quoted", "plain"] {
            assert_eq!(unneutralise(&neutralise(text)), text);
        }
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("Miến dong"), "Miến dong");
    }

    #[test]
    fn every_label_reads_back_as_its_code() {
        for f in LegalForm::ALL {
            assert_eq!(legal_form(legal_form_label(*f)), f.as_str());
        }
        for p in PackagingStatus::ALL {
            assert_eq!(packaging(packaging_label(*p)), p.as_str());
        }
        for s in TrademarkStatus::ALL {
            assert_eq!(trademark_status(trademark_status_label(*s)), s.as_str());
        }
        for k in TrademarkKind::ALL {
            assert_eq!(trademark_kind(trademark_kind_label(*k)), k.as_str());
        }
        for c in Certification::ALL {
            assert_eq!(
                certifications(certification_label(*c)),
                vec![c.as_str().to_string()]
            );
        }
    }
}
