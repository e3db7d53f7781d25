//! Writes a planned batch: new enterprises and products in a few multi-row inserts, changed
//! ones one by one, each with its audit entry naming the import, and the search log entries
//! for what buyers see — all in the caller's transaction.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QuerySelect, Set,
};
use serde_json::json;

use super::plan::{BatchPlan, EntRef, ProdRef};
use crate::db::entities::{
    audit, enterprise, product, programme, programme_beneficiary, programme_event,
};
use crate::db::reference::Reference;
use crate::domain::{BeneficiaryStatus, ProductStatus, text};
use crate::error::AppResult;
use crate::services::catalogue::{apply_enterprise_fields, apply_fields, category_id};
use crate::services::search_sync;

/// Rows per multi-row insert: SQLite takes at most 32,766 values in one statement.
const INSERT_CHUNK: usize = 400;

pub(super) struct Batch<'a> {
    pub reference: &'a Reference,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<i32>,
    pub job_id: i32,
    pub file_name: &'a str,
    pub publish: bool,
}

/// Writes the plan; returns the new enterprises' ids in the plan's order.
pub(super) async fn write(
    txn: &DatabaseTransaction,
    batch: &Batch<'_>,
    plan: &BatchPlan,
) -> AppResult<Vec<i32>> {
    let at = batch.at;
    let mut audits: Vec<audit::ActiveModel> = Vec::new();
    let mut entry = |action: &str, entity: &str, id: i32, details: serde_json::Value| {
        audits.push(audit::ActiveModel {
            at: Set(at),
            actor_id: Set(batch.actor_id),
            action: Set(action.to_string()),
            entity: Set(entity.to_string()),
            entity_id: Set(id),
            details: Set(details.to_string()),
            ..Default::default()
        });
    };

    // New enterprises.
    let slugs = free_slugs::<enterprise::Entity>(
        txn,
        plan.new_enterprises.iter().map(|(f, _)| f.name.as_str()),
        enterprise::Column::Slug,
    )
    .await?;
    let rows: Vec<enterprise::ActiveModel> = plan
        .new_enterprises
        .iter()
        .zip(&slugs)
        .map(|((fields, _), slug)| {
            let mut active = enterprise::ActiveModel {
                slug: Set(slug.clone()),
                created_at: Set(at),
                updated_at: Set(at),
                created_by: Set(batch.actor_id),
                version: Set(1),
                pending: Set(None),
                pending_status: Set(None),
                pending_reason: Set(None),
                submitted_at: Set(None),
                ..Default::default()
            };
            apply_enterprise_fields(&mut active, fields);
            active
        })
        .collect();
    let mut by_slug: HashMap<String, i32> = HashMap::new();
    for chunk in rows.chunks(INSERT_CHUNK) {
        for m in enterprise::Entity::insert_many(chunk.to_vec())
            .exec_with_returning(txn)
            .await?
        {
            by_slug.insert(m.slug, m.id);
        }
    }
    let new_ids: Vec<i32> = slugs
        .iter()
        .map(|s| by_slug.get(s).copied().unwrap_or_default())
        .collect();
    for ((fields, row), id) in plan.new_enterprises.iter().zip(&new_ids) {
        entry(
            "import.create",
            "enterprise",
            *id,
            json!({"import": batch.job_id, "row": row, "name": fields.name}),
        );
    }

    // Changed enterprises.
    let mut reindex_enterprises = Vec::new();
    for (id, fields, model, what, row) in &plan.enterprise_updates {
        let mut active: enterprise::ActiveModel = model.clone().into();
        apply_enterprise_fields(&mut active, fields);
        active.version = Set(model.version + 1);
        active.updated_at = Set(at);
        active.update(txn).await?;
        entry(
            "import.update",
            "enterprise",
            *id,
            json!({"import": batch.job_id, "row": row, "changed": what}),
        );
        reindex_enterprises.push(*id);
    }

    // New products.
    let slugs = free_slugs::<product::Entity>(
        txn,
        plan.new_products.iter().map(|(_, f, _)| f.name.as_str()),
        product::Column::Slug,
    )
    .await?;
    let status = if batch.publish {
        ProductStatus::Published
    } else {
        ProductStatus::Draft
    };
    let mut rows = Vec::with_capacity(plan.new_products.len());
    for ((ent, fields, _), slug) in plan.new_products.iter().zip(&slugs) {
        let enterprise_id = match ent {
            EntRef::Id(id) => *id,
            EntRef::Slot(slot) => new_ids[*slot],
        };
        let mut active = product::ActiveModel {
            enterprise_id: Set(enterprise_id),
            slug: Set(slug.clone()),
            status: Set(status),
            rejection_reason: Set(None),
            pending: Set(None),
            pending_status: Set(None),
            pending_reason: Set(None),
            created_at: Set(at),
            updated_at: Set(at),
            submitted_at: Set(None),
            published_at: Set(batch.publish.then_some(at)),
            version: Set(1),
            ..Default::default()
        };
        apply_fields(&mut active, fields, category_id(batch.reference, fields)?);
        rows.push(active);
    }
    let mut by_slug: HashMap<String, i32> = HashMap::new();
    for chunk in rows.chunks(INSERT_CHUNK) {
        for m in product::Entity::insert_many(chunk.to_vec())
            .exec_with_returning(txn)
            .await?
        {
            by_slug.insert(m.slug, m.id);
        }
    }
    let mut reindex: Vec<i32> = Vec::new();
    let new_product_ids: Vec<i32> = slugs
        .iter()
        .map(|s| by_slug.get(s).copied().unwrap_or_default())
        .collect();
    for ((_, fields, row), id) in plan.new_products.iter().zip(&new_product_ids) {
        let id = *id;
        entry(
            "import.create",
            "product",
            id,
            json!({"import": batch.job_id, "row": row, "name": fields.name, "status": status}),
        );
        if batch.publish {
            reindex.push(id);
        }
    }

    // Changed products: the import is the centre's own edit, so it applies at once.
    for (model, fields, what, row) in &plan.product_updates {
        let mut active: product::ActiveModel = model.clone().into();
        apply_fields(&mut active, fields, category_id(batch.reference, fields)?);
        active.version = Set(model.version + 1);
        active.updated_at = Set(at);
        active.update(txn).await?;
        entry(
            "import.update",
            "product",
            model.id,
            json!({"import": batch.job_id, "row": row, "changed": what}),
        );
        if model.status == ProductStatus::Published {
            reindex.push(model.id);
        }
    }
    let product_id = |p: ProdRef| match p {
        ProdRef::Id(id) => id,
        ProdRef::New(i) => new_product_ids[i],
    };
    let enterprise_id = |e: EntRef| match e {
        EntRef::Id(id) => id,
        EntRef::Slot(slot) => new_ids[slot],
    };
    write_support(txn, batch, plan, &mut entry, product_id, enterprise_id).await?;
    for chunk in audits.chunks(INSERT_CHUNK) {
        audit::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
    }
    // A changed enterprise's name and place are on each of its products' search documents.
    for chunk in reindex_enterprises.chunks(INSERT_CHUNK) {
        let ids: Vec<i32> = product::Entity::find()
            .select_only()
            .column(product::Column::Id)
            .filter(product::Column::EnterpriseId.is_in(chunk.to_vec()))
            .filter(product::Column::Status.eq(ProductStatus::Published))
            .into_tuple()
            .all(txn)
            .await?;
        reindex.extend(ids);
    }
    reindex.sort_unstable();
    reindex.dedup();
    for chunk in reindex.chunks(INSERT_CHUNK) {
        search_sync::enqueue(txn, at, chunk).await?;
    }
    Ok(new_ids)
}

/// Adds the batch's beneficiaries to their programmes and changes the support of those
/// already in: each programme read again and locked here, since it may have closed since
/// the batch was planned (its rows are then left out). Each programme touched gets a new
/// version and one timeline event naming the file.
async fn write_support(
    txn: &DatabaseTransaction,
    batch: &Batch<'_>,
    plan: &BatchPlan,
    entry: &mut impl FnMut(&str, &str, i32, serde_json::Value),
    product_id: impl Fn(ProdRef) -> i32,
    enterprise_id: impl Fn(EntRef) -> i32,
) -> AppResult<()> {
    let touched: HashSet<i32> = plan
        .new_beneficiaries
        .iter()
        .map(|b| b.programme_id)
        .chain(
            plan.beneficiary_updates
                .iter()
                .map(|u| u.stored.programme_id),
        )
        .collect();
    if touched.is_empty() {
        return Ok(());
    }
    let at = batch.at;
    let open: HashMap<i32, programme::Model> = crate::db::locked(
        txn,
        programme::Entity::find().filter(programme::Column::Id.is_in(touched)),
    )
    .all(txn)
    .await?
    .into_iter()
    .filter(|p| !p.status.is_final())
    .map(|p| (p.id, p))
    .collect();
    let mut added: HashMap<i32, u32> = HashMap::new();
    let mut changed: HashMap<i32, u32> = HashMap::new();
    for b in &plan.new_beneficiaries {
        let Some(p) = open.get(&b.programme_id) else {
            continue;
        };
        let enterprise = enterprise_id(b.enterprise);
        let model = programme_beneficiary::ActiveModel {
            programme_id: Set(p.id),
            enterprise_id: Set(enterprise),
            support: Set(b.fields.support.clone()),
            support_vnd: Set(b.fields.support_vnd),
            contribution_vnd: Set(b.fields.contribution_vnd),
            product_id: Set(b.product.map(&product_id)),
            fair_id: Set(None),
            status: Set(BeneficiaryStatus::Committed),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        if p.status.is_approved() {
            crate::services::programmes::take_baseline(txn, at, &model).await?;
        }
        entry(
            "import.create",
            "programme_beneficiary",
            model.id,
            json!({"import": batch.job_id, "row": b.row, "programme_id": p.id,
                   "enterprise_id": enterprise, "support_vnd": b.fields.support_vnd,
                   "contribution_vnd": b.fields.contribution_vnd}),
        );
        *added.entry(p.id).or_default() += 1;
    }
    for u in &plan.beneficiary_updates {
        if !open.contains_key(&u.stored.programme_id) {
            continue;
        }
        let mut active: programme_beneficiary::ActiveModel = u.stored.clone().into();
        active.support = Set(u.fields.support.clone());
        active.support_vnd = Set(u.fields.support_vnd);
        active.contribution_vnd = Set(u.fields.contribution_vnd);
        if let Some(p) = u.product {
            active.product_id = Set(Some(product_id(p)));
        }
        active.updated_at = Set(at);
        active.update(txn).await?;
        entry(
            "import.update",
            "programme_beneficiary",
            u.stored.id,
            json!({"import": batch.job_id, "row": u.row, "programme_id": u.stored.programme_id,
                   "changed": u.changed}),
        );
        *changed.entry(u.stored.programme_id).or_default() += 1;
    }
    for p in open.values() {
        let (a, c) = (
            added.get(&p.id).copied().unwrap_or_default(),
            changed.get(&p.id).copied().unwrap_or_default(),
        );
        if a + c == 0 {
            continue;
        }
        programme::Entity::update_many()
            .col_expr(
                programme::Column::Version,
                Expr::col(programme::Column::Version).add(1),
            )
            .col_expr(programme::Column::UpdatedAt, Expr::value(at))
            .filter(programme::Column::Id.eq(p.id))
            .exec(txn)
            .await?;
        programme_event::ActiveModel {
            programme_id: Set(p.id),
            at: Set(at),
            actor_id: Set(batch.actor_id),
            kind: Set("beneficiaries_imported".into()),
            from_status: Set(None),
            to_status: Set(None),
            body: Set(batch.file_name.to_string()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        entry(
            "programme.beneficiaries_imported",
            "programme",
            p.id,
            json!({"import": batch.job_id, "added": a, "changed": c}),
        );
    }
    Ok(())
}

/// Free slugs for many names at once: one query for the names' own slugs, and one more
/// for each name whose slug is taken (or repeated in the batch).
async fn free_slugs<'n, E>(
    db: &impl ConnectionTrait,
    names: impl Iterator<Item = &'n str>,
    col: E::Column,
) -> AppResult<Vec<String>>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let bases: Vec<String> = names.map(text::slugify).collect();
    let mut taken: HashSet<String> = HashSet::new();
    for chunk in bases.chunks(INSERT_CHUNK) {
        let found: Vec<String> = E::find()
            .select_only()
            .column(col)
            .filter(col.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        taken.extend(found);
    }
    let mut out = Vec::with_capacity(bases.len());
    for base in bases {
        if taken.insert(base.clone()) {
            out.push(base);
            continue;
        }
        let family: Vec<String> = E::find()
            .select_only()
            .column(col)
            .filter(col.starts_with(format!("{base}-")))
            .into_tuple()
            .all(db)
            .await?;
        taken.extend(family);
        let slug = (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|s| !taken.contains(s))
            .unwrap_or(base);
        taken.insert(slug.clone());
        out.push(slug);
    }
    Ok(out)
}
