//! The demo year of support programmes, modelled on a provincial centre's: fourteen đề án
//! for 1.29 billion ₫ across both funds — several completed with what they bought measured
//! from the catalogue and the desk, one cancelled because the beneficiary changed its
//! investment plans, one at risk with an overdue milestone, the rest at every other step —
//! and two facility surveys, one of which started a proposal. Everything goes through the
//! same use cases staff use, so the demo shows what the code does.

use anyhow::{Context, anyhow};
use chrono::{Datelike, Duration};
use serde_json::json;

use crate::context::AppState;
use crate::domain::programme::follow::{ContributionInput, MilestoneInput, VisitInput};
use crate::domain::programme::outcomes::IndicatorsInput;
use crate::domain::programme::plan::BudgetInput;
use crate::domain::programme::survey::SurveyInput;
use crate::domain::programme::{BeneficiaryInput, DisbursementInput, MoveInput};
use crate::domain::{Num, ProgrammeInput};
use crate::i18n::Lang;
use crate::services::catalogue::{self, Decision};
use crate::services::fairs::{self, LeadInput};
use crate::services::requests::{self, ForwardInput, ShortlistInput, TransitionInput};
use crate::services::{Actor, programmes};

/// The demo's enterprises, by their place in the demo catalogue.
pub struct Enterprises<'a>(pub &'a [(i32, i32)]);

impl Enterprises<'_> {
    fn id(&self, n: usize) -> anyhow::Result<i32> {
        self.0
            .get(n)
            .map(|(id, _)| *id)
            .ok_or_else(|| anyhow!("demo enterprise {n} missing"))
    }
    fn commune(&self, n: usize) -> anyhow::Result<i32> {
        self.0
            .get(n)
            .map(|(_, c)| *c)
            .ok_or_else(|| anyhow!("demo enterprise {n} missing"))
    }
}

struct Demo<'a> {
    state: &'a AppState,
    staff: &'a Actor,
    year: i32,
}

fn vnd(n: i64) -> Num {
    Num::Int(n)
}

impl Demo<'_> {
    /// A date `days` ago, as a form sends it.
    fn ago(&self, days: i64) -> String {
        (self.state.clock.today() - Duration::days(days))
            .format("%Y-%m-%d")
            .to_string()
    }

    fn ahead(&self, days: i64) -> String {
        (self.state.clock.today() + Duration::days(days))
            .format("%Y-%m-%d")
            .to_string()
    }

    #[allow(clippy::too_many_arguments)] // a proposal's particulars, in the order of the form
    async fn propose(
        &self,
        n: u32,
        title: &str,
        kind: &str,
        source: &str,
        commune: i32,
        proposed: i64,
        category: Option<&str>,
        description: &str,
    ) -> anyhow::Result<i32> {
        let input = ProgrammeInput {
            code: Some(format!("KC-{}-{n:02}", self.year)),
            title: Some(title.into()),
            kind: Some(kind.into()),
            funding_source: Some(source.into()),
            year: Some(Num::Int(i64::from(self.year))),
            commune_codes: Some(vec![commune]),
            staff_id: self.staff.id(),
            description: Some(description.into()),
            proposed_vnd: Some(vnd(proposed)),
            category: category.map(str::to_string),
            survey_id: None,
        };
        Ok(programmes::create(self.state, self.staff, Lang::Vi, &input)
            .await
            .map_err(|e| anyhow!("demo programme {title}: {e}"))?
            .id)
    }

    async fn benefit(
        &self,
        id: i32,
        enterprise: i32,
        support: &str,
        support_vnd: i64,
        own: i64,
    ) -> anyhow::Result<i32> {
        let input = BeneficiaryInput {
            enterprise_id: Some(enterprise),
            support: Some(support.into()),
            support_vnd: Some(vnd(support_vnd)),
            contribution_vnd: Some(vnd(own)),
            ..Default::default()
        };
        let v = programmes::add_beneficiary(self.state, self.staff, Lang::Vi, id, &input)
            .await
            .map_err(|e| anyhow!("demo beneficiary of {id}: {e}"))?;
        v.beneficiaries
            .iter()
            .find(|b| b.enterprise_id == enterprise)
            .map(|b| b.id)
            .context("the beneficiary just added")
    }

    /// Ticks the whole file, or all but the last `missing` pieces.
    async fn file(&self, id: i32, missing: usize) -> anyhow::Result<()> {
        let v = programmes::get(self.state, self.staff, Lang::Vi, id)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        let keep = v.checklist.len().saturating_sub(missing);
        for c in v.checklist.iter().take(keep) {
            programmes::set_checklist_item(
                self.state,
                self.staff,
                Lang::Vi,
                id,
                c.item.as_str(),
                true,
                "",
            )
            .await
            .map_err(|e| anyhow!("demo checklist of {id}: {e}"))?;
        }
        Ok(())
    }

    async fn step(&self, id: i32, input: MoveInput) -> anyhow::Result<()> {
        programmes::move_to(self.state, self.staff, Lang::Vi, id, &input)
            .await
            .map_err(|e| anyhow!("demo move of {id} to {:?}: {e}", input.to))?;
        Ok(())
    }

    async fn to(&self, id: i32, to: &str) -> anyhow::Result<()> {
        self.step(
            id,
            MoveInput {
                to: Some(to.into()),
                ..Default::default()
            },
        )
        .await
    }

    /// Appraised, approved for `budget` by a decision `days` ago, and (if `start`) under way.
    async fn approve(&self, id: i32, number: &str, budget: i64, start: bool) -> anyhow::Result<()> {
        self.to(id, "appraised").await?;
        self.step(
            id,
            MoveInput {
                to: Some("approved".into()),
                decision_number: Some(number.into()),
                decided_on: Some(self.ago(230)),
                budget_vnd: Some(vnd(budget)),
                ..Default::default()
            },
        )
        .await?;
        if start {
            self.to(id, "in_progress").await?;
        }
        Ok(())
    }

    async fn pay(&self, id: i32, days_ago: i64, amount: i64, purpose: &str) -> anyhow::Result<()> {
        let input = DisbursementInput {
            paid_on: Some(self.ago(days_ago)),
            amount_vnd: Some(vnd(amount)),
            purpose: Some(purpose.into()),
            version: None,
        };
        programmes::disburse(self.state, self.staff, Lang::Vi, id, &input)
            .await
            .map_err(|e| anyhow!("demo payment of {id}: {e}"))?;
        Ok(())
    }

    async fn accept(&self, id: i32, minutes: &str) -> anyhow::Result<()> {
        self.step(
            id,
            MoveInput {
                to: Some("accepted".into()),
                accepted_on: Some(self.ago(20)),
                minutes: Some(minutes.into()),
                ..Default::default()
            },
        )
        .await
    }

    async fn settle(&self, id: i32, final_vnd: i64) -> anyhow::Result<()> {
        self.step(
            id,
            MoveInput {
                to: Some("settled".into()),
                final_vnd: Some(vnd(final_vnd)),
                ..Default::default()
            },
        )
        .await
    }

    async fn milestone(
        &self,
        id: i32,
        kind: &str,
        title: &str,
        due: Option<String>,
        beneficiary: Option<i32>,
    ) -> anyhow::Result<()> {
        let input = MilestoneInput {
            kind: Some(kind.into()),
            title: Some(title.into()),
            due_on: due,
            beneficiary_id: beneficiary,
            version: None,
        };
        programmes::add_milestone(self.state, self.staff, Lang::Vi, id, &input)
            .await
            .map_err(|e| anyhow!("demo milestone of {id}: {e}"))?;
        Ok(())
    }

    /// A product's change as the catalogue records it: the edit, then the centre's review.
    async fn improve(&self, product: &str, patch: serde_json::Value) -> anyhow::Result<()> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

        use crate::db::entities::product;
        let p = product::Entity::find()
            .filter(product::Column::Name.eq(product))
            .one(&self.state.db)
            .await?
            .with_context(|| format!("demo product {product}"))?;
        let fail = |e| anyhow!("demo change of {product}: {e}");
        catalogue::update_product(self.state, self.staff, p.id, &patch)
            .await
            .map_err(fail)?;
        let submitted = catalogue::submit_product(self.state, self.staff, p.id)
            .await
            .map_err(fail)?;
        catalogue::review_product(
            self.state,
            self.staff,
            p.id,
            Decision::Approve,
            Some(submitted.version),
            None,
        )
        .await
        .map_err(fail)?;
        Ok(())
    }

    /// A buyer who stopped at the enterprise's booth, brokered to a deal worth `value`.
    async fn deal(&self, enterprise: i32, value: i64) -> anyhow::Result<()> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

        use crate::db::entities::fair_exhibitor;
        let Some(x) = fair_exhibitor::Entity::find()
            .filter(fair_exhibitor::Column::EnterpriseId.eq(enterprise))
            .one(&self.state.db)
            .await?
        else {
            return Ok(());
        };
        let lead = LeadInput {
            booth: Some(x.booth.clone()),
            contact_name: Some("Bà Nguyễn Thu Hà".into()),
            contact_phone: Some("0983 456 120".into()),
            organisation: Some("Chuỗi cửa hàng Đặc sản Việt Bắc".into()),
            product_ids: Vec::new(),
            quantity: Some(vnd(2000)),
            unit: Some("kg".into()),
            note: Some("Cần nguồn hàng ổn định mỗi tháng, có nhãn mác.".into()),
        };
        let fail = |e| anyhow!("demo deal: {e}");
        let (r, _) = fairs::capture_lead(
            self.state,
            self.staff,
            Lang::Vi,
            x.fair_id,
            &lead,
            Some("demo-deal-1".into()),
        )
        .await
        .map_err(fail)?;
        let t = |to: &str| TransitionInput {
            to: to.into(),
            reason: None,
            note: None,
        };
        requests::transition(self.state, self.staff, Lang::Vi, r.id, &t("in_review"))
            .await
            .map_err(fail)?;
        requests::shortlist(
            self.state,
            self.staff,
            Lang::Vi,
            r.id,
            &ShortlistInput {
                enterprise_id: Some(enterprise),
                product_id: None,
                note: None,
            },
        )
        .await
        .map_err(fail)?;
        requests::forward(
            self.state,
            self.staff,
            Lang::Vi,
            r.id,
            &ForwardInput {
                enterprise_ids: Vec::new(),
            },
        )
        .await
        .map_err(fail)?;
        requests::close(
            self.state,
            self.staff,
            Lang::Vi,
            r.id,
            &crate::domain::OutcomeInput {
                result: Some("deal".into()),
                value_vnd: Some(vnd(value)),
                quantity: Some(vnd(24_000)),
                supply: Some("contract".into()),
                enterprise_id: Some(enterprise),
                reason: None,
                note: Some("Hợp đồng cung cấp 2 tấn mỗi tháng trong 12 tháng.".into()),
            },
        )
        .await
        .map_err(fail)?;
        Ok(())
    }
}

/// Loads the demo year: its funds (set by the administrator), fourteen programmes and two
/// surveys.
#[allow(clippy::too_many_lines)] // one programme after another, as the plan lists them
pub async fn load(
    state: &AppState,
    staff: &Actor,
    admin: &Actor,
    e: &Enterprises<'_>,
) -> anyhow::Result<()> {
    let year = state.clock.today().year();
    let d = Demo { state, staff, year };
    programmes::set_budget(
        state,
        admin,
        Lang::Vi,
        year,
        &BudgetInput {
            national_vnd: Some(vnd(400_000_000)),
            provincial_vnd: Some(vnd(950_000_000)),
            other_vnd: Some(vnd(0)),
        },
    )
    .await
    .map_err(|err| anyhow!("demo funds: {err}"))?;

    // 1. Machinery, settled: a vermicelli dryer; a buyer's contract since, capacity measured.
    let p1 = d
        .propose(
            1,
            "Hỗ trợ máy sấy miến dong cho HTX Nông sản Côn Minh",
            "machinery",
            "provincial",
            e.commune(0)?,
            180_000_000,
            Some("mien-dong"),
            "Máy sấy miến 200 kg/mẻ thay phơi nắng: giữ được sản lượng trong mùa mưa, sợi miến đều màu.",
        )
        .await?;
    let b1 = d
        .benefit(
            p1,
            e.id(0)?,
            "Máy sấy miến dong 200 kg/mẻ",
            180_000_000,
            190_000_000,
        )
        .await?;
    d.file(p1, 0).await?;
    d.approve(p1, "45/QĐ-SCT", 180_000_000, true).await?;
    d.milestone(
        p1,
        "installation",
        "Lắp đặt và chạy thử máy sấy",
        Some(d.ago(120)),
        Some(b1),
    )
    .await?;
    d.pay(p1, 150, 90_000_000, "Tạm ứng 50% hợp đồng mua máy sấy")
        .await?;
    programmes::record_contribution(
        state,
        staff,
        Lang::Vi,
        p1,
        &ContributionInput {
            beneficiary_id: Some(b1),
            received_on: Some(d.ago(140)),
            amount_vnd: Some(vnd(190_000_000)),
            note: Some("Vốn đối ứng mua máy và cải tạo nhà sấy".into()),
            version: None,
        },
    )
    .await
    .map_err(|err| anyhow!("{err}"))?;
    programmes::add_visit(
        state,
        staff,
        Lang::Vi,
        p1,
        &VisitInput {
            visited_on: Some(d.ago(100)),
            notes: Some("Máy đã lắp, chạy thử 3 mẻ đạt độ ẩm dưới 12%.".into()),
            beneficiary_id: Some(b1),
            version: None,
        },
        Vec::new(),
    )
    .await
    .map_err(|err| anyhow!("{err}"))?;
    {
        let v = programmes::get(state, staff, Lang::Vi, p1)
            .await
            .map_err(|err| anyhow!("{err}"))?;
        if let Some(m) = v.milestones.first() {
            programmes::set_milestone_done(state, staff, Lang::Vi, p1, m.id, true)
                .await
                .map_err(|err| anyhow!("{err}"))?;
        }
    }
    d.deal(e.id(0)?, 2_040_000_000).await?;
    d.pay(p1, 40, 86_500_000, "Thanh toán phần còn lại sau nghiệm thu")
        .await?;
    programmes::record_indicators(
        state,
        staff,
        Lang::Vi,
        p1,
        b1,
        &IndicatorsInput {
            new_jobs: Some(vnd(4)),
            revenue_before_vnd: Some(vnd(1_150_000_000)),
            revenue_after_vnd: Some(vnd(1_720_000_000)),
            capacity_before: Some(vnd(2)),
            capacity_after: Some(vnd(5)),
            capacity_unit: Some("tấn/tháng".into()),
        },
    )
    .await
    .map_err(|err| anyhow!("{err}"))?;
    d.accept(
        p1,
        "Máy sấy vận hành ổn định, công suất 5 tấn/tháng; hồ sơ thanh toán đầy đủ.",
    )
    .await?;
    d.settle(p1, 176_500_000).await?;

    // 2. Packaging, settled: two dried fruits get designed packaging.
    let p2 = d
        .propose(
            2,
            "Thiết kế bao bì hồng không hạt và mơ sấy dẻo Bạch Thông",
            "packaging",
            "provincial",
            e.commune(1)?,
            45_000_000,
            None,
            "Thiết kế mẫu mã, nhãn mác đúng quy định cho 2 sản phẩm sấy dẻo bán ở siêu thị.",
        )
        .await?;
    d.benefit(
        p2,
        e.id(1)?,
        "Thiết kế bao bì cho 2 sản phẩm",
        45_000_000,
        25_000_000,
    )
    .await?;
    d.file(p2, 0).await?;
    d.approve(p2, "46/QĐ-SCT", 45_000_000, true).await?;
    for product in ["Hồng không hạt sấy dẻo Bạch Thông", "Mơ vàng sấy dẻo"] {
        d.improve(product, json!({"packaging_status": "designed"}))
            .await?;
    }
    d.pay(p2, 60, 44_000_000, "Thanh toán hợp đồng thiết kế")
        .await?;
    d.accept(
        p2,
        "Bộ nhận diện và bao bì 2 sản phẩm đã in thử, cơ sở đã dùng.",
    )
    .await?;
    d.settle(p2, 44_000_000).await?;

    // 3. Trademark, accepted: the tea's application filed.
    let p3 = d
        .propose(
            3,
            "Đăng ký nhãn hiệu chè Shan tuyết sao suốt Chợ Đồn",
            "trademark",
            "provincial",
            e.commune(3)?,
            35_000_000,
            Some("che"),
            "Xây dựng logo, hồ sơ và nộp đơn đăng ký nhãn hiệu tại Cục Sở hữu trí tuệ.",
        )
        .await?;
    d.benefit(
        p3,
        e.id(3)?,
        "Hồ sơ đăng ký nhãn hiệu chè sao suốt",
        35_000_000,
        16_000_000,
    )
    .await?;
    d.file(p3, 0).await?;
    d.approve(p3, "47/QĐ-SCT", 35_000_000, true).await?;
    d.improve(
        "Chè Shan tuyết sao suốt loại 1",
        json!({"trademark": {"status": "filed", "kind": "individual", "number": format!("4-{year}-08812"),
                             "filed_on": d.ago(90)}}),
    )
    .await?;
    d.pay(p3, 80, 35_000_000, "Phí thiết kế và lệ phí nộp đơn")
        .await?;
    d.accept(
        p3,
        "Đơn đăng ký nhãn hiệu đã được Cục Sở hữu trí tuệ tiếp nhận.",
    )
    .await?;

    // 4. Machinery, in progress and at risk: the brick press is late.
    let p4 = d
        .propose(
            4,
            "Hỗ trợ máy ép gạch không nung cho Bê tông và VLXD Phú Bình",
            "machinery",
            "national",
            e.commune(7)?,
            250_000_000,
            Some("gach-khong-nung"),
            "Dây chuyền ép gạch block tự động 10.000 viên/ca, thay máy ép thủ công.",
        )
        .await?;
    let b4 = d
        .benefit(
            p4,
            e.id(7)?,
            "Máy ép gạch block tự động",
            250_000_000,
            260_000_000,
        )
        .await?;
    d.file(p4, 0).await?;
    d.approve(p4, "12/QĐ-BCT", 250_000_000, true).await?;
    d.pay(p4, 90, 100_000_000, "Tạm ứng 40% hợp đồng mua máy ép")
        .await?;
    d.milestone(
        p4,
        "installation",
        "Lắp đặt máy ép gạch",
        Some(d.ago(10)),
        Some(b4),
    )
    .await?;
    d.milestone(p4, "acceptance", "Nghiệm thu", Some(d.ahead(45)), None)
        .await?;

    // 5. Machinery, cancelled: the beneficiary changed its investment plans.
    let p5 = d
        .propose(
            5,
            "Hỗ trợ dây chuyền ván ghép thanh cho Lâm sản Chợ Mới",
            "machinery",
            "provincial",
            e.commune(5)?,
            160_000_000,
            None,
            "Máy bào, máy ghép thanh cho xưởng ván ghép gỗ keo.",
        )
        .await?;
    d.benefit(
        p5,
        e.id(5)?,
        "Máy bào 4 mặt và máy ghép thanh",
        160_000_000,
        170_000_000,
    )
    .await?;
    d.file(p5, 0).await?;
    d.approve(p5, "48/QĐ-SCT", 160_000_000, false).await?;
    d.step(
        p5,
        MoveInput {
            to: Some("cancelled".into()),
            reason: Some("investment_plans_changed".into()),
            reason_words: Some("Công ty chuyển vốn sang mở rộng xưởng ván bóc.".into()),
            ..Default::default()
        },
    )
    .await?;

    // 6. Trade fair, in progress: three producers at the province's fair.
    let p6 = d
        .propose(
            6,
            "Hỗ trợ cơ sở tham gia Hội chợ OCOP và hàng nông sản",
            "trade_fair",
            "provincial",
            e.commune(0)?,
            60_000_000,
            None,
            "Thuê gian hàng, vận chuyển và ấn phẩm cho 3 cơ sở.",
        )
        .await?;
    for (n, support) in [
        (0, "Gian hàng tiêu chuẩn"),
        (1, "Gian hàng tiêu chuẩn"),
        (3, "Gian hàng tiêu chuẩn"),
    ] {
        d.benefit(p6, e.id(n)?, support, 20_000_000, 7_000_000)
            .await?;
    }
    d.file(p6, 0).await?;
    d.approve(p6, "49/QĐ-SCT", 60_000_000, true).await?;
    d.milestone(
        p6,
        "other",
        "Hoàn thiện gian hàng và ấn phẩm",
        Some(d.ahead(25)),
        None,
    )
    .await?;

    // 7. Training, settled.
    let p7 = d
        .propose(
            7,
            "Tập huấn kỹ thuật chế biến và bảo quản miến dong",
            "training",
            "provincial",
            e.commune(0)?,
            30_000_000,
            None,
            "Hai lớp tập huấn cho 60 hộ làm miến: vệ sinh an toàn thực phẩm, sấy, đóng gói.",
        )
        .await?;
    d.file(p7, 0).await?;
    d.approve(p7, "50/QĐ-SCT", 30_000_000, true).await?;
    d.pay(
        p7,
        70,
        29_000_000,
        "Chi phí giảng viên, tài liệu, hội trường",
    )
    .await?;
    d.accept(p7, "Hai lớp, 62 học viên hoàn thành.").await?;
    d.settle(p7, 29_000_000).await?;

    // 8. Demonstration model, approved.
    let p8 = d
        .propose(
            8,
            "Mô hình trình diễn sấy hồng bằng năng lượng mặt trời",
            "demonstration_model",
            "national",
            e.commune(1)?,
            120_000_000,
            None,
            "Nhà sấy năng lượng mặt trời 50 m², trình diễn cho các hộ làm hồng sấy.",
        )
        .await?;
    d.benefit(
        p8,
        e.id(1)?,
        "Nhà sấy năng lượng mặt trời 50 m²",
        120_000_000,
        125_000_000,
    )
    .await?;
    d.file(p8, 0).await?;
    d.approve(p8, "13/QĐ-BCT", 120_000_000, false).await?;

    // 9. Packaging, appraised.
    let p9 = d
        .propose(
            9,
            "Thiết kế bao bì sản phẩm thổ cẩm Dao Tiền",
            "packaging",
            "provincial",
            e.commune(10)?,
            40_000_000,
            None,
            "Hộp và thẻ giới thiệu cho khăn và túi thổ cẩm bán cho khách du lịch.",
        )
        .await?;
    d.benefit(
        p9,
        e.id(10)?,
        "Thiết kế hộp và thẻ sản phẩm",
        40_000_000,
        20_000_000,
    )
    .await?;
    d.file(p9, 0).await?;
    d.to(p9, "appraised").await?;

    // 10. Trademark, proposed and still incomplete.
    let p10 = d
        .propose(
            10,
            "Xây dựng nhãn hiệu tập thể Hồi Văn Quan",
            "trademark",
            "provincial",
            e.commune(11)?,
            80_000_000,
            None,
            "Nhãn hiệu tập thể cho hoa hồi và tinh dầu hồi của các hộ trong vùng.",
        )
        .await?;
    d.benefit(
        p10,
        e.id(11)?,
        "Hồ sơ nhãn hiệu tập thể",
        80_000_000,
        20_000_000,
    )
    .await?;
    d.file(p10, 2).await?;

    // 11. Advisory, accepted.
    let p11 = d
        .propose(
            11,
            "Tư vấn lập hồ sơ OCOP cho mây tre đan Xuân Dương",
            "advisory",
            "provincial",
            e.commune(4)?,
            20_000_000,
            None,
            "Tư vấn chuẩn hoá quy trình và hồ sơ đánh giá OCOP cho 3 sản phẩm mây tre.",
        )
        .await?;
    d.file(p11, 0).await?;
    d.approve(p11, "51/QĐ-SCT", 20_000_000, true).await?;
    d.pay(p11, 50, 20_000_000, "Thù lao chuyên gia tư vấn")
        .await?;
    d.accept(
        p11,
        "Hồ sơ OCOP của 3 sản phẩm đã nộp Hội đồng cấp huyện cũ.",
    )
    .await?;

    // 12. Machinery, in progress and on track.
    let p12 = d
        .propose(
            12,
            "Hỗ trợ máy sao chè tự động cho Chè Tân Cương Xanh",
            "machinery",
            "provincial",
            e.commune(6)?,
            150_000_000,
            Some("che"),
            "Máy sao chè tự động điều khiển nhiệt, thay tôn quay thủ công.",
        )
        .await?;
    let b12 = d
        .benefit(
            p12,
            e.id(6)?,
            "Máy sao chè tự động 2 nồi",
            150_000_000,
            155_000_000,
        )
        .await?;
    d.file(p12, 0).await?;
    d.approve(p12, "52/QĐ-SCT", 150_000_000, true).await?;
    d.milestone(
        p12,
        "installation",
        "Lắp đặt máy sao chè",
        Some(d.ahead(20)),
        Some(b12),
    )
    .await?;

    // 13. Machinery, proposed from a facility survey.
    let (survey, _) = programmes::record_survey(
        state,
        staff,
        &SurveyInput {
            enterprise_id: Some(e.id(8)?),
            visited_on: Some(d.ago(12)),
            met: Some("Ông Lý Văn Đức, giám đốc".into()),
            makes: Some("Đá dăm, đá hộc xây dựng".into()),
            output: Some("8.000 m³/năm".into()),
            equipment: Some("Máy nghiền hàm cũ, sàng thủ công".into()),
            needs: Some(vec!["machinery".into()]),
            notes: Some("Cần máy nghiền côn để có đá 0,5 × 1 đạt chuẩn.".into()),
            ..Default::default()
        },
        Some("demo-survey-1"),
    )
    .await
    .map_err(|err| anyhow!("demo survey: {err}"))?;
    let mut draft = programmes::draft_from_survey(state, staff, Lang::Vi, survey.id)
        .await
        .map_err(|err| anyhow!("{err}"))?;
    draft.code = Some(format!("KC-{year}-13"));
    draft.title = Some("Hỗ trợ máy nghiền đá cho Đá và Vôi La Hiên".into());
    draft.proposed_vnd = Some(vnd(90_000_000));
    let p13 = programmes::create(state, staff, Lang::Vi, &draft)
        .await
        .map_err(|err| anyhow!("{err}"))?
        .id;
    d.benefit(
        p13,
        e.id(8)?,
        "Máy nghiền côn 30 m³/giờ",
        90_000_000,
        95_000_000,
    )
    .await?;

    // 14. Packaging, deferred to next year.
    let p14 = d
        .propose(
            14,
            "Thiết kế nhãn mác gạch tuynel Sơn Dương",
            "packaging",
            "provincial",
            e.commune(9)?,
            30_000_000,
            None,
            "Nhãn mác, tem truy xuất cho gạch tuynel bán cho công trình.",
        )
        .await?;
    d.to(p14, "deferred").await?;

    // A survey whose needs no programme answers yet: the candidates list shows it.
    programmes::record_survey(
        state,
        staff,
        &SurveyInput {
            enterprise_id: Some(e.id(2)?),
            visited_on: Some(d.ago(5)),
            met: Some("Ông Ma Văn Sinh, chủ hộ".into()),
            makes: Some("Nấm hương, mộc nhĩ, mật ong rừng".into()),
            output: Some("1,5 tấn nấm khô/năm".into()),
            equipment: Some("Lò sấy củi".into()),
            needs: Some(vec!["machinery".into(), "packaging".into()]),
            notes: Some("Muốn thay lò củi bằng lò sấy nhiệt có điều khiển.".into()),
            ..Default::default()
        },
        Some("demo-survey-2"),
    )
    .await
    .map_err(|err| anyhow!("demo survey: {err}"))?;
    Ok(())
}
