//! The dashboard each signed-in person lands on: a producer's enterprises, products and
//! booths at fairs to come; for staff, their enterprises, how many products wait for review
//! and which support programmes are at risk.

use crate::context::AppState;
use crate::domain::Role;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::services::Actor;
use crate::services::catalogue::{
    self, EnterpriseScope, EnterpriseView, ProductFilter, ProductView,
};
use crate::services::fairs::{self, FairSummary};
use crate::services::programmes::{self, ProgrammeSummary};

/// What the dashboard shows its owner.
pub struct Dashboard {
    pub enterprises: Vec<EnterpriseView>,
    /// A producer's own products (staff find theirs through the catalogue).
    pub products: Vec<ProductView>,
    /// Products waiting for a decision (staff).
    pub review_count: u64,
    /// Booths at fairs to come, with the booth's name: where to record buyers (producers).
    pub booths: Vec<(FairSummary, String)>,
    /// Open support programmes at risk, with why (staff).
    pub at_risk: Vec<ProgrammeSummary>,
}

/// The dashboard of a signed-in person; a visitor is asked to sign in.
pub async fn overview(state: &AppState, actor: &Actor, lang: Lang) -> AppResult<Dashboard> {
    let me = actor.require_signed_in()?;
    let mut board = Dashboard {
        enterprises: Vec::new(),
        products: Vec::new(),
        review_count: 0,
        booths: Vec::new(),
        at_risk: Vec::new(),
    };
    match me.role {
        Role::Buyer => {}
        Role::Producer => {
            board.enterprises =
                catalogue::list_enterprises(state, actor, EnterpriseScope::Mine).await?;
            let mine = ProductFilter {
                mine: Some(true),
                per_page: Some(100),
                ..Default::default()
            };
            board.products = catalogue::list_products(state, actor, &mine).await?.items;
            let ids: Vec<i32> = board.enterprises.iter().map(|e| e.id).collect();
            board.booths = fairs::booths_of(state, &ids).await?;
        }
        Role::Staff | Role::Admin => {
            board.enterprises =
                catalogue::list_enterprises(state, actor, EnterpriseScope::Mine).await?;
            let waiting = ProductFilter {
                status: Some("review".into()),
                per_page: Some(1),
                ..Default::default()
            };
            board.review_count = catalogue::list_products(state, actor, &waiting)
                .await?
                .total;
            board.at_risk = programmes::at_risk(state, actor, lang).await?;
        }
    }
    Ok(board)
}
