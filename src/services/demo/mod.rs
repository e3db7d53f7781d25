//! The demo catalogue: a dozen enterprises and about fifty products from the midlands and
//! mountains, in every vetting state, a fair, the year's support programmes, plus a staff,
//! an administrator and a producer account to try them with.

mod pictures;
mod programmes;

use sea_orm::{EntityTrait, PaginatorTrait};
use serde::Deserialize;

use super::catalogue::{self, Decision};
use super::{Actor, auth};
use crate::context::AppState;
use crate::db::entities::enterprise;
use crate::domain::{Email, EnterpriseInput, Login, Password, PhoneNumber, ProductInput, Role};

const CATALOGUE: &str = include_str!("../../demo/catalogue.json");

/// The demo accounts' shared password, printed when the demo is loaded.
pub const DEMO_PASSWORD: &str = "ketnoi-demo";

#[derive(Deserialize)]
struct DemoCatalogue {
    enterprises: Vec<DemoEnterprise>,
}

#[derive(Deserialize)]
struct DemoEnterprise {
    #[serde(flatten)]
    input: EnterpriseInput,
    products: Vec<DemoProduct>,
}

#[derive(Deserialize)]
struct DemoProduct {
    #[serde(flatten)]
    input: ProductInput,
    status: String,
    rejection_reason: Option<String>,
}

pub struct DemoLogins {
    pub login: String,
    pub producer_login: String,
    pub admin_login: String,
    pub password: String,
}

/// Loads the demo into an empty catalogue; does nothing (returns `None`) otherwise.
pub async fn load(state: &AppState) -> anyhow::Result<Option<DemoLogins>> {
    let db = &state.db;
    if enterprise::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let catalogue: DemoCatalogue = serde_json::from_str(CATALOGUE)?;
    let password = || Password::parse(DEMO_PASSWORD).map_err(|e| anyhow::anyhow!("{e}"));
    let staff_login = "canbo@ketnoi.vn";
    let staff = match auth::find_by_login(
        db,
        &Login::Email(Email::parse(staff_login).map_err(|e| anyhow::anyhow!("{e}"))?),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?
    {
        Some(u) => u,
        None => auth::create_account(
            db,
            state.clock.now(),
            auth::Opener::Console,
            auth::NewAccount {
                login: Login::Email(Email::parse(staff_login).map_err(|e| anyhow::anyhow!("{e}"))?),
                password: password()?,
                full_name: "Nguyễn Thị Hoa (cán bộ khuyến công)".into(),
                role: Role::Staff,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?,
    };
    let staff =
        Actor::User(auth::signed_in(&staff).ok_or_else(|| anyhow::anyhow!("bad staff role"))?);
    let producer_phone = "0912000001";
    let producer = auth::create_account(
        db,
        state.clock.now(),
        auth::Opener::Console,
        auth::NewAccount {
            login: Login::Phone(
                PhoneNumber::parse(producer_phone).map_err(|e| anyhow::anyhow!("{e}"))?,
            ),
            password: password()?,
            full_name: "Hoàng Văn Minh".into(),
            role: Role::Producer,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;

    let admin_login = "quantri@ketnoi.vn";
    let admin = auth::create_account(
        db,
        state.clock.now(),
        auth::Opener::Console,
        auth::NewAccount {
            login: Login::Email(Email::parse(admin_login).map_err(|e| anyhow::anyhow!("{e}"))?),
            password: password()?,
            full_name: "Trần Quốc Bảo (quản trị)".into(),
            role: Role::Admin,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let admin =
        Actor::User(auth::signed_in(&admin).ok_or_else(|| anyhow::anyhow!("bad admin role"))?);

    let mut made = Vec::new();
    let mut products = Vec::new();
    for (i, e) in catalogue.enterprises.iter().enumerate() {
        let member = (i == 0).then_some(producer.id);
        let created = catalogue::create_enterprise(state, &staff, &e.input, member)
            .await
            .map_err(|err| anyhow::anyhow!("demo enterprise {:?}: {err}", e.input.name))?;
        made.push((created.id, created.commune_code));
        for p in &e.products {
            let made = catalogue::create_product(state, &staff, created.id, &p.input)
                .await
                .map_err(|err| anyhow::anyhow!("demo product {:?}: {err}", p.input.name))?;
            products.push((made.id, p));
        }
    }
    let versions = add_pictures(state, &staff, &products).await?;
    for (id, p) in products {
        let fail = |err| anyhow::anyhow!("demo product {:?}: {err}", p.input.name);
        let version = versions.get(&id).copied();
        match p.status.as_str() {
            "published" | "submitted" | "rejected" => {
                catalogue::submit_product(state, &staff, id)
                    .await
                    .map_err(fail)?;
            }
            _ => {}
        }
        match p.status.as_str() {
            "published" => {
                catalogue::review_product(state, &staff, id, Decision::Approve, version, None)
                    .await
                    .map_err(fail)?;
            }
            "rejected" => {
                let reason = p
                    .rejection_reason
                    .as_deref()
                    .unwrap_or("Thiếu thông tin, vui lòng bổ sung.");
                catalogue::review_product(
                    state,
                    &staff,
                    id,
                    Decision::Reject,
                    version,
                    Some(reason),
                )
                .await
                .map_err(fail)?;
            }
            _ => {}
        }
    }
    demo_fair(state).await?;
    programmes::load(state, &staff, &admin, &programmes::Enterprises(&made)).await?;
    Ok(Some(DemoLogins {
        login: staff_login.into(),
        producer_login: producer_phone.into(),
        admin_login: admin_login.into(),
        password: DEMO_PASSWORD.into(),
    }))
}

/// Gives every demo product its drawn picture through the photo upload's own use case, as
/// many at once as the server does image work; returns each product's version after it.
async fn add_pictures(
    state: &AppState,
    staff: &Actor,
    products: &[(i32, &DemoProduct)],
) -> anyhow::Result<std::collections::HashMap<i32, i32>> {
    use crate::db::entities::product;
    use futures_util::{StreamExt, TryStreamExt};

    let wanted = products.iter().map(|(id, p)| {
        (
            *id,
            p.input.category.clone().unwrap_or_default(),
            p.input.name.clone().unwrap_or_default(),
        )
    });
    futures_util::stream::iter(wanted)
        .map(|(id, category, name)| async move {
            let label = name.clone();
            let png = tokio::task::spawn_blocking(move || pictures::draw(&category, &name)).await?;
            crate::services::media::add_product_photo(state, staff, id, png.into(), None)
                .await
                .map_err(|err| anyhow::anyhow!("demo product {label:?}: {err}"))?;
            anyhow::Ok(id)
        })
        .buffer_unordered(state.config.image_workers.max(1))
        .try_collect::<Vec<i32>>()
        .await?;
    Ok(product::Entity::find()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.version))
        .collect())
}

/// A fair a month from now with the first enterprises that have published products, each at
/// a booth showing them.
async fn demo_fair(state: &AppState) -> anyhow::Result<()> {
    let db = &state.db;
    use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, QueryOrder, Set};

    use crate::db::entities::{fair, fair_exhibitor, fair_product, product};

    let starts = state.clock.today() + chrono::Duration::days(30);
    let at = state.clock.now();
    let f = fair::ActiveModel {
        slug: Set("hoi-cho-ocop-thai-nguyen".into()),
        name: Set("Hội chợ OCOP và hàng nông sản Thái Nguyên".into()),
        starts_on: Set(starts),
        ends_on: Set(starts + chrono::Duration::days(4)),
        venue: Set("Quảng trường 20/8, Phường Phan Đình Phùng".into()),
        province_code: Set(19),
        organiser: Set("Sở Công Thương Thái Nguyên".into()),
        status: Set(crate::domain::FairStatus::Planned),
        description: Set(
            "Gian hàng của các cơ sở công nghiệp nông thôn: miến dong, chè, mật ong, măng khô, đồ gỗ."
                .into(),
        ),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let published = product::Entity::find()
        .filter(product::Column::Status.eq(crate::domain::ProductStatus::Published))
        .order_by_asc(product::Column::Id)
        .all(db)
        .await?;
    let mut booth = 0;
    for e in enterprise::Entity::find()
        .order_by_asc(enterprise::Column::Id)
        .all(db)
        .await?
    {
        let shown: Vec<&product::Model> = published
            .iter()
            .filter(|p| p.enterprise_id == e.id)
            .collect();
        if shown.is_empty() || booth == 6 {
            continue;
        }
        booth += 1;
        let x = fair_exhibitor::ActiveModel {
            fair_id: Set(f.id),
            enterprise_id: Set(e.id),
            booth: Set(format!("A{booth}")),
            created_at: Set(at),
            ..Default::default()
        }
        .insert(db)
        .await?;
        for p in shown {
            fair_product::ActiveModel {
                exhibitor_id: Set(x.id),
                product_id: Set(p.id),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}
