//! HTML forms: flat fields in, domain inputs out, and the values to show again on error.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use crate::domain::{Code, EnterpriseInput, Num, ProductInput, TrademarkInput};

/// A number typed into a form field (`12`), if it is one.
pub fn opt_i32(v: &Option<String>) -> Option<i32> {
    v.as_deref().and_then(|s| s.trim().parse().ok())
}

/// Text typed into a form field, if any.
pub fn opt_text(v: &Option<String>) -> Option<String> {
    v.clone().filter(|s| !s.trim().is_empty())
}

/// An amount typed into a form field (`1.290.000`), read by the domain.
pub fn opt_num(v: &Option<String>) -> Option<Num> {
    opt_text(v).map(Num::Text)
}

/// The values a form shows, by input name (`trademark_status`, `certifications`, …).
#[derive(Clone, Debug, Default)]
pub struct FormValues(HashMap<String, Vec<String>>);

impl FormValues {
    /// Flattens a domain input (`trademark.status` → `trademark_status`).
    pub fn from_input(input: &impl serde::Serialize) -> Self {
        let mut values = FormValues::default();
        if let Ok(Value::Object(map)) = serde_json::to_value(input) {
            values.add_object("", &map);
        }
        values
    }

    fn add_object(&mut self, prefix: &str, map: &serde_json::Map<String, Value>) {
        for (k, v) in map {
            let key = format!("{prefix}{k}");
            match v {
                Value::Object(inner) => self.add_object(&format!("{key}_"), inner),
                Value::Array(items) => {
                    self.0
                        .insert(key, items.iter().filter_map(scalar).collect());
                }
                other => {
                    if let Some(s) = scalar(other) {
                        self.0.insert(key, vec![s]);
                    }
                }
            }
        }
    }

    /// The values of a form that failed, to show again.
    pub fn from_pairs(fields: &[(&str, &Option<String>)]) -> Self {
        let mut form = FormValues::default();
        for (k, v) in fields {
            form.set(k, v.as_deref().unwrap_or_default());
        }
        form
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.0.insert(key.to_string(), vec![value.into()]);
    }

    pub fn set_all(&mut self, key: &str, values: Vec<String>) {
        self.0.insert(key.to_string(), values);
    }

    pub fn get(&self, key: &str) -> &str {
        self.0
            .get(key)
            .and_then(|v| v.first())
            .map_or("", String::as_str)
    }

    pub fn all(&self, key: &str) -> Vec<String> {
        self.0.get(key).cloned().unwrap_or_default()
    }

    /// For checkboxes and selects: is `value` among the values of `key`?
    pub fn has(&self, key: &str, value: &str) -> bool {
        self.0
            .get(key)
            .is_some_and(|v| v.iter().any(|x| x == value))
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn text(v: &Option<String>) -> Option<String> {
    v.clone()
}

fn num(v: &Option<String>) -> Option<Num> {
    v.as_ref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| Num::Text(s.clone()))
}

#[derive(Debug, Default, Deserialize)]
pub struct ProductForm {
    pub enterprise_id: Option<i32>,
    pub name: Option<String>,
    pub category: Option<String>,
    pub brand: Option<String>,
    pub packaging_status: Option<String>,
    pub trademark_status: Option<String>,
    pub trademark_kind: Option<String>,
    pub trademark_number: Option<String>,
    pub trademark_filed_on: Option<String>,
    pub trademark_granted_on: Option<String>,
    pub trademark_expires_on: Option<String>,
    pub ocop_stars: Option<String>,
    pub ocop_year: Option<String>,
    pub ocop_certified_on: Option<String>,
    #[serde(default)]
    pub certifications: Vec<String>,
    pub unit: Option<String>,
    pub price_min_vnd: Option<String>,
    pub price_max_vnd: Option<String>,
    pub min_order: Option<String>,
    pub monthly_capacity: Option<String>,
    #[serde(default)]
    pub season_months: Vec<String>,
    pub shelf_life_days: Option<String>,
    pub description: Option<String>,
    /// `save` or `submit` (save and send for review).
    pub action: Option<String>,
}

impl ProductForm {
    pub fn to_input(&self) -> ProductInput {
        ProductInput {
            name: text(&self.name),
            category: text(&self.category),
            brand: text(&self.brand),
            packaging_status: text(&self.packaging_status),
            trademark: Some(TrademarkInput {
                status: text(&self.trademark_status),
                kind: text(&self.trademark_kind),
                number: text(&self.trademark_number),
                filed_on: text(&self.trademark_filed_on),
                granted_on: text(&self.trademark_granted_on),
                expires_on: text(&self.trademark_expires_on),
            }),
            ocop_stars: num(&self.ocop_stars),
            ocop_year: num(&self.ocop_year),
            ocop_certified_on: opt_text(&self.ocop_certified_on),
            certifications: Some(self.certifications.clone()),
            unit: text(&self.unit),
            price_min_vnd: num(&self.price_min_vnd),
            price_max_vnd: num(&self.price_max_vnd),
            min_order: num(&self.min_order),
            monthly_capacity: num(&self.monthly_capacity),
            season_months: Some(
                self.season_months
                    .iter()
                    .map(|m| Num::Text(m.clone()))
                    .collect(),
            ),
            shelf_life_days: num(&self.shelf_life_days),
            description: text(&self.description),
        }
    }

    pub fn submit(&self) -> bool {
        self.action.as_deref() == Some("submit")
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct EnterpriseForm {
    pub name: Option<String>,
    pub legal_form: Option<String>,
    pub tax_code: Option<String>,
    pub province_code: Option<String>,
    pub commune_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
    pub founded_year: Option<String>,
    pub workforce: Option<String>,
    #[serde(default)]
    pub certifications: Vec<String>,
    /// Set by the "choose province" button of the no-JavaScript form: show its communes.
    pub pick_province: Option<String>,
}

impl EnterpriseForm {
    /// Without scripts, the province and commune lists can disagree (a province changed
    /// after its commune was picked): ask rather than guess.
    pub fn place_mismatch(
        &self,
        reference: &crate::services::reference::Reference,
    ) -> Option<crate::domain::Invalid> {
        let province: i32 = self.province_code.as_deref()?.trim().parse().ok()?;
        let commune: i32 = self.commune_code.as_deref()?.trim().parse().ok()?;
        let commune = reference.commune(commune)?;
        (commune.province_code != province)
            .then(|| crate::domain::Invalid::one("commune_code", Code::CommuneNotInProvince))
    }

    pub fn to_input(&self) -> EnterpriseInput {
        EnterpriseInput {
            name: text(&self.name),
            legal_form: text(&self.legal_form),
            tax_code: text(&self.tax_code),
            commune_code: num(&self.commune_code),
            address: text(&self.address),
            phone: text(&self.phone),
            email: text(&self.email),
            description: text(&self.description),
            founded_year: num(&self.founded_year),
            workforce: num(&self.workforce),
            certifications: Some(self.certifications.clone()),
        }
    }
}
