//! Importing producers and products from survey spreadsheets, for staff.
//!
//! A file is first *checked* (a dry run: every row planned against the database as it is,
//! a row-by-row report, nothing written) and becomes a job. Started, the job runs in
//! batches of [`BATCH`] rows; each batch is one transaction that also advances the job's
//! `done_rows` — and only from the value the runner read, so two runners never write the
//! same batch, and a run killed at any point resumes after the last batch it committed.
//! Rows find what they stand for by natural keys (an enterprise by its tax code, else by
//! its name within its commune; a product by its name within its enterprise), so the same
//! file imported twice creates nothing the second time.

mod plan;
mod write;

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use plan::{ColumnInfo, Counts, Issue, MAX_ROWS, SheetInfo};

use crate::context::AppState;
use crate::db::entities::{import_column, import_job, user};
use crate::domain::import::{Column, header_key};
use crate::domain::{Code, Invalid};
use crate::error::{AppError, AppResult};
use crate::services::Actor;

/// Rows written per transaction.
pub const BATCH: usize = 500;
/// Issues and notes kept in a job's report (the counts cover every row).
const REPORT_LIMIT: usize = 5_000;
/// A running job not touched for this long was left by a process that stopped.
const STALE: Duration = Duration::from_secs(120);

/// Where a job stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Checked (the dry run's report is ready); waits for staff to start it.
    Checked,
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Checked => "checked",
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            _ => JobStatus::Checked,
        }
    }
}

/// The dry run's findings, kept with the job.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct Report {
    pub sheets: Vec<SheetInfo>,
    /// What the dry run counted.
    pub planned: Counts,
    /// Rows refused, with why and how to fix it (the first 5,000).
    pub issues: Vec<Issue>,
    /// What staff should know about rows that were accepted: a split former commune, a
    /// product repeated.
    pub notes: Vec<Issue>,
}

/// An import as staff see it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct JobView {
    pub id: i32,
    pub file_name: String,
    pub status: JobStatus,
    /// Products are created published (else as drafts).
    pub publish: bool,
    pub total_rows: i32,
    pub done_rows: i32,
    /// Rows the import has written so far, by what they did.
    pub done: Counts,
    pub percent: u8,
    pub rows_per_second: Option<u32>,
    pub seconds_left: Option<u32>,
    pub report: Report,
    pub error: Option<String>,
    pub created_by: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl JobView {
    fn new(
        j: &import_job::Model,
        created_by: Option<String>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let status = JobStatus::parse(&j.status);
        let percent = if j.total_rows > 0 {
            u8::try_from((i64::from(j.done_rows) * 100 / i64::from(j.total_rows)).clamp(0, 100))
                .unwrap_or(100)
        } else if status == JobStatus::Done {
            100
        } else {
            0
        };
        let end = j.finished_at.unwrap_or(now);
        let rows_per_second = j.started_at.and_then(|s| {
            let ms = (end - s).num_milliseconds();
            (ms > 0 && j.done_rows > 0)
                .then(|| u32::try_from(i64::from(j.done_rows) * 1000 / ms).unwrap_or(u32::MAX))
        });
        let seconds_left = match (status, rows_per_second) {
            (JobStatus::Running | JobStatus::Queued, Some(rate)) if rate > 0 => {
                u32::try_from(std::cmp::Ord::max(j.total_rows - j.done_rows, 0))
                    .ok()
                    .map(|left| left.div_ceil(rate))
            }
            _ => None,
        };
        JobView {
            id: j.id,
            file_name: j.file_name.clone(),
            status,
            publish: j.publish,
            total_rows: j.total_rows,
            done_rows: j.done_rows,
            done: Counts {
                rows: u32::try_from(j.done_rows).unwrap_or_default(),
                create: u32::try_from(j.created_rows).unwrap_or_default(),
                update: u32::try_from(j.updated_rows).unwrap_or_default(),
                unchanged: u32::try_from(j.unchanged_rows).unwrap_or_default(),
                invalid: u32::try_from(j.invalid_rows).unwrap_or_default(),
                ..Counts::default()
            },
            percent,
            rows_per_second,
            seconds_left,
            report: j
                .report
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok())
                .unwrap_or_default(),
            error: j.error.clone(),
            created_by,
            created_at: j.created_at,
            started_at: j.started_at,
            finished_at: j.finished_at,
        }
    }
}

/// Staff's earlier choices of column by header.
async fn remembered(db: &impl ConnectionTrait) -> AppResult<HashMap<String, Option<Column>>> {
    Ok(import_column::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.header_key, c.column.as_deref().and_then(Column::parse)))
        .collect())
}

/// The file's mapping as a job keeps it: each header's column, so the run reads the file
/// exactly as its dry run did.
fn mapping_of(report: &Report) -> HashMap<String, Option<Column>> {
    report
        .sheets
        .iter()
        .flat_map(|s| &s.columns)
        .filter(|c| !c.header.trim().is_empty())
        .map(|c| (header_key(&c.header), c.column))
        .collect()
}

fn parse_mapping(text: &str) -> HashMap<String, Option<Column>> {
    serde_json::from_str::<HashMap<String, Option<String>>>(text)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.as_deref().and_then(Column::parse)))
        .collect()
}

fn mapping_text(mapping: &HashMap<String, Option<Column>>) -> String {
    let plain: std::collections::BTreeMap<&String, Option<&str>> = mapping
        .iter()
        .map(|(k, v)| (k, v.map(Column::as_str)))
        .collect();
    serde_json::to_string(&plain).unwrap_or_default()
}

/// The dry run: reads the file, plans every row, writes nothing.
async fn dry_run(
    state: &AppState,
    bytes: &[u8],
    mapping: &HashMap<String, Option<Column>>,
) -> AppResult<Report> {
    let file = read_file(bytes, mapping).await?;
    let mut planner = plan::Planner::new(&state.reference, state.clock.today());
    let mut report = Report {
        sheets: file.sheets.clone(),
        ..Report::default()
    };
    let mut start = 0;
    while start < file.rows.len() {
        let end = (start + BATCH).min(file.rows.len());
        let batch = planner.plan(&state.db, &file, start..end).await?;
        planner.planned_only();
        report.planned.add(&batch.counts);
        keep(&mut report.issues, batch.issues);
        keep(&mut report.notes, batch.notes);
        start = end;
    }
    Ok(report)
}

/// Reads the file on a blocking thread: a large workbook takes seconds of CPU.
async fn read_file(
    bytes: &[u8],
    mapping: &HashMap<String, Option<Column>>,
) -> AppResult<plan::FileRows> {
    let (bytes, mapping) = (bytes.to_vec(), mapping.clone());
    tokio::task::spawn_blocking(move || plan::read_file(&bytes, &mapping))
        .await
        .map_err(anyhow::Error::new)?
}

fn keep(into: &mut Vec<Issue>, more: Vec<Issue>) {
    let room = REPORT_LIMIT.saturating_sub(into.len());
    into.extend(more.into_iter().take(room));
}

fn sha256_hex(bytes: &[u8]) -> String {
    crate::media::sha256_hex(bytes)
}

/// Checks a file for staff: stores it, dry-runs it and opens a job waiting to be started.
pub async fn check(
    state: &AppState,
    actor: &Actor,
    file_name: &str,
    bytes: Bytes,
) -> AppResult<JobView> {
    let me = actor.require_staff()?;
    let mapping = remembered(&state.db).await?;
    let report = dry_run(state, &bytes, &mapping).await?;
    let hash = sha256_hex(&bytes);
    let key = format!("private/imports/{}/{hash}.bin", &hash[..2]);
    state
        .store
        .put(&key, bytes, "application/octet-stream")
        .await?;
    let job = new_job(state, me.id, file_name, &hash, Some(key), &report).await?;
    view(state, job).await
}

async fn new_job(
    state: &AppState,
    user_id: i32,
    file_name: &str,
    hash: &str,
    key: Option<String>,
    report: &Report,
) -> AppResult<import_job::Model> {
    let now = state.clock.now();
    let name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    Ok(import_job::ActiveModel {
        created_by: Set(user_id),
        file_name: Set(if name.trim().is_empty() {
            "import".into()
        } else {
            name
        }),
        file_sha256: Set(hash.to_string()),
        file_key: Set(key),
        mapping: Set(mapping_text(&mapping_of(report))),
        publish: Set(false),
        status: Set(JobStatus::Checked.as_str().into()),
        total_rows: Set(i32::try_from(report.planned.rows).unwrap_or(i32::MAX)),
        done_rows: Set(0),
        created_rows: Set(0),
        updated_rows: Set(0),
        unchanged_rows: Set(0),
        invalid_rows: Set(0),
        report: Set(Some(
            serde_json::to_string(report).map_err(anyhow::Error::new)?,
        )),
        error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        started_at: Set(None),
        finished_at: Set(None),
        ..Default::default()
    }
    .insert(&state.db)
    .await?)
}

async fn view(state: &AppState, job: import_job::Model) -> AppResult<JobView> {
    let name = user::Entity::find_by_id(job.created_by)
        .one(&state.db)
        .await?
        .map(|u| u.full_name);
    Ok(JobView::new(&job, name, state.clock.now()))
}

async fn load(state: &AppState, id: i32) -> AppResult<import_job::Model> {
    import_job::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)
}

async fn stored_file(state: &AppState, job: &import_job::Model) -> AppResult<Bytes> {
    let Some(key) = &job.file_key else {
        return Err(AppError::Invalid(Invalid::one(
            "file",
            Code::ImportUnreadable,
        )));
    };
    state
        .store
        .get(key)
        .await?
        .ok_or_else(|| AppError::Invalid(Invalid::one("file", Code::ImportUnreadable)))
}

/// One import, for staff.
pub async fn job(state: &AppState, actor: &Actor, id: i32) -> AppResult<JobView> {
    actor.require_staff()?;
    view(state, load(state, id).await?).await
}

/// The latest imports, newest first.
pub async fn recent(state: &AppState, actor: &Actor) -> AppResult<Vec<JobView>> {
    actor.require_staff()?;
    let jobs = import_job::Entity::find()
        .order_by_desc(import_job::Column::Id)
        .limit(20)
        .all(&state.db)
        .await?;
    let mut out = Vec::with_capacity(jobs.len());
    for j in jobs {
        out.push(view(state, j).await?);
    }
    Ok(out)
}

/// Staff correct which field a column fills: the choices are remembered for every later
/// file with those headers, and the file is checked again.
pub async fn choose_columns(
    state: &AppState,
    actor: &Actor,
    id: i32,
    choices: &[(String, Option<String>)],
) -> AppResult<JobView> {
    let me = actor.require_staff()?;
    let job = load(state, id).await?;
    if JobStatus::parse(&job.status) != JobStatus::Checked {
        return Err(AppError::state(Code::ImportNotChecked));
    }
    let mut parsed = Vec::with_capacity(choices.len());
    for (header, column) in choices {
        let column = match column.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => Some(
                Column::parse(c)
                    .ok_or_else(|| Invalid::one("column", Code::ImportColumnUnknown))?,
            ),
        };
        let key = header_key(header);
        if !key.is_empty() {
            parsed.push((key, column));
        }
    }
    let bytes = stored_file(state, &job).await?;
    let now = state.clock.now();
    let txn = crate::db::write_txn(&state.db).await?;
    for (key, column) in &parsed {
        import_column::Entity::delete_by_id(key.clone())
            .exec(&txn)
            .await?;
        import_column::ActiveModel {
            header_key: Set(key.clone()),
            column: Set(column.map(|c| c.as_str().to_string())),
            updated_by: Set(me.id),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    let mut mapping = remembered(&state.db).await?;
    mapping.extend(parsed);
    let report = dry_run(state, &bytes, &mapping).await?;
    let mut active: import_job::ActiveModel = job.into();
    active.mapping = Set(mapping_text(&mapping_of(&report)));
    active.total_rows = Set(i32::try_from(report.planned.rows).unwrap_or(i32::MAX));
    active.report = Set(Some(
        serde_json::to_string(&report).map_err(anyhow::Error::new)?,
    ));
    active.updated_at = Set(now);
    view(state, active.update(&state.db).await?).await
}

/// Starts a checked import; it runs in the background (see [`run`]).
pub async fn start(state: &AppState, actor: &Actor, id: i32, publish: bool) -> AppResult<JobView> {
    actor.require_staff()?;
    let now = state.clock.now();
    let done = import_job::Entity::update_many()
        .col_expr(
            import_job::Column::Status,
            Expr::value(JobStatus::Queued.as_str()),
        )
        .col_expr(import_job::Column::Publish, Expr::value(publish))
        .col_expr(import_job::Column::UpdatedAt, Expr::value(now))
        .filter(import_job::Column::Id.eq(id))
        .filter(import_job::Column::Status.eq(JobStatus::Checked.as_str()))
        .exec(&state.db)
        .await?;
    if done.rows_affected != 1 {
        load(state, id).await?;
        return Err(AppError::state(Code::ImportNotChecked));
    }
    view(state, load(state, id).await?).await
}

/// Takes a queued job, or one left running by a process that stopped, so that only one
/// runner starts it; returns whether this caller has it.
async fn claim(state: &AppState, job: &import_job::Model, take_over: bool) -> AppResult<bool> {
    let now = state.clock.now();
    let mut q = import_job::Entity::update_many()
        .col_expr(
            import_job::Column::Status,
            Expr::value(JobStatus::Running.as_str()),
        )
        .col_expr(import_job::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            import_job::Column::StartedAt,
            Expr::col(import_job::Column::StartedAt).if_null(now),
        )
        .filter(import_job::Column::Id.eq(job.id))
        .filter(import_job::Column::UpdatedAt.eq(job.updated_at));
    q = if take_over {
        q.filter(import_job::Column::Status.is_in(["queued", "running", "failed"]))
    } else {
        q.filter(import_job::Column::Status.eq("queued"))
    };
    Ok(q.exec(&state.db).await?.rows_affected == 1)
}

/// Runs a job to its end from its stored file: what the server does after staff start one,
/// and for jobs a stopped server left behind.
pub async fn run(state: &AppState, id: i32) -> AppResult<()> {
    let job = load(state, id).await?;
    let status = JobStatus::parse(&job.status);
    let stale =
        state.clock.now() - job.updated_at > chrono::Duration::from_std(STALE).unwrap_or_default();
    let take_over = status == JobStatus::Running && stale;
    if !(status == JobStatus::Queued || take_over) || !claim(state, &job, take_over).await? {
        return Ok(());
    }
    let bytes = stored_file(state, &job).await?;
    finish(state, id, run_batches(state, id, &bytes, |_| {}).await).await
}

async fn finish(state: &AppState, id: i32, result: AppResult<()>) -> AppResult<()> {
    let now = state.clock.now();
    match result {
        Ok(()) => {
            import_job::Entity::update_many()
                .col_expr(
                    import_job::Column::Status,
                    Expr::value(JobStatus::Done.as_str()),
                )
                .col_expr(import_job::Column::FinishedAt, Expr::value(now))
                .col_expr(import_job::Column::UpdatedAt, Expr::value(now))
                .filter(import_job::Column::Id.eq(id))
                .filter(
                    Expr::col(import_job::Column::DoneRows)
                        .eq(Expr::col(import_job::Column::TotalRows)),
                )
                .exec(&state.db)
                .await?;
            Ok(())
        }
        Err(e) => {
            tracing::warn!(import = id, error = %e, "import stopped");
            import_job::Entity::update_many()
                .col_expr(
                    import_job::Column::Status,
                    Expr::value(JobStatus::Failed.as_str()),
                )
                .col_expr(import_job::Column::Error, Expr::value(e.to_string()))
                .col_expr(import_job::Column::UpdatedAt, Expr::value(now))
                .filter(import_job::Column::Id.eq(id))
                .exec(&state.db)
                .await?;
            Err(e)
        }
    }
}

/// The batches after the last one committed. Each claims its rows by moving `done_rows` on
/// from the value this runner last saw: if another runner got there first, this one stops.
async fn run_batches(
    state: &AppState,
    id: i32,
    bytes: &[u8],
    progress: impl Fn(&import_job::Model),
) -> AppResult<()> {
    let job = load(state, id).await?;
    let file = read_file(bytes, &parse_mapping(&job.mapping)).await?;
    let total = file.rows.len();
    import_job::Entity::update_many()
        .col_expr(
            import_job::Column::TotalRows,
            Expr::value(i32::try_from(total).unwrap_or(i32::MAX)),
        )
        .filter(import_job::Column::Id.eq(id))
        .exec(&state.db)
        .await?;
    let mut planner = plan::Planner::new(&state.reference, state.clock.today());
    let mut done = usize::try_from(job.done_rows).unwrap_or_default();
    while done < total {
        let end = (done + BATCH).min(total);
        // Planned before the write lock is taken (reads only), so other writers wait for the
        // inserts alone; the claim below makes sure no other runner wrote these rows meanwhile.
        let plan = planner.plan(&state.db, &file, done..end).await?;
        let at = state.clock.now();
        let txn = crate::db::write_txn(&state.db).await?;
        let claimed = import_job::Entity::update_many()
            .col_expr(
                import_job::Column::DoneRows,
                Expr::value(i32::try_from(end).unwrap_or(i32::MAX)),
            )
            .col_expr(import_job::Column::UpdatedAt, Expr::value(at))
            .filter(import_job::Column::Id.eq(id))
            .filter(import_job::Column::DoneRows.eq(i32::try_from(done).unwrap_or(i32::MAX)))
            .filter(import_job::Column::Status.eq(JobStatus::Running.as_str()))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            // Another runner moved on (or the job was stopped): it is theirs now.
            txn.rollback().await?;
            return Ok(());
        }
        let batch = write::Batch {
            reference: &state.reference,
            at,
            actor_id: Some(job.created_by),
            job_id: id,
            file_name: &job.file_name,
            publish: job.publish,
        };
        let ids = write::write(&txn, &batch, &plan).await?;
        let c = plan.counts;
        let add = |col: import_job::Column, n: u32| (col, Expr::col(col).add(i64::from(n)));
        let mut update = import_job::Entity::update_many().filter(import_job::Column::Id.eq(id));
        for (col, expr) in [
            add(import_job::Column::CreatedRows, c.create),
            add(import_job::Column::UpdatedRows, c.update),
            add(import_job::Column::UnchangedRows, c.unchanged + c.duplicate),
            add(import_job::Column::InvalidRows, c.invalid),
        ] {
            update = update.col_expr(col, expr);
        }
        update.exec(&txn).await?;
        txn.commit().await?;
        planner.written(&ids);
        done = end;
        progress(&load(state, id).await?);
    }
    Ok(())
}

/// Runs every job that waits or was left running by a process that stopped: started by the
/// server after staff start one, and every minute by the housekeeping loop.
pub async fn run_waiting(state: &AppState) -> AppResult<()> {
    let stale_before = state.clock.now() - chrono::Duration::from_std(STALE).unwrap_or_default();
    let ids: Vec<i32> = import_job::Entity::find()
        .select_only()
        .column(import_job::Column::Id)
        .filter(import_job::Column::FileKey.is_not_null())
        .filter(
            sea_orm::Condition::any()
                .add(import_job::Column::Status.eq(JobStatus::Queued.as_str()))
                .add(
                    sea_orm::Condition::all()
                        .add(import_job::Column::Status.eq(JobStatus::Running.as_str()))
                        .add(import_job::Column::UpdatedAt.lt(stale_before)),
                ),
        )
        .order_by_asc(import_job::Column::Id)
        .into_tuple()
        .all(&state.db)
        .await?;
    for id in ids {
        if let Err(e) = run(state, id).await {
            tracing::warn!(import = id, error = %e, "import failed");
        }
    }
    Ok(())
}

/// What the command line's import did.
pub struct CommandRun {
    pub job: JobView,
    /// The job picked up where a stopped run of the same file left it.
    pub resumed: bool,
}

/// `ketnoi import FILE`: checks the file and, unless `check_only`, imports it as `login`
/// would from the page. The same file given again resumes its unfinished job (one killed
/// halfway, say) instead of starting another.
pub async fn import_command(
    state: &AppState,
    login: &str,
    file_name: &str,
    bytes: &[u8],
    publish: bool,
    check_only: bool,
    progress: impl Fn(&JobView),
) -> AppResult<CommandRun> {
    let login = crate::domain::Login::parse(login)?;
    let user = crate::services::auth::find_by_login(&state.db, &login)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = crate::services::auth::signed_in(&user).map_or(Actor::Visitor, Actor::User);
    let me = actor.require_staff()?;
    let hash = sha256_hex(bytes);
    let unfinished = import_job::Entity::find()
        .filter(import_job::Column::FileSha256.eq(&hash))
        .filter(import_job::Column::FileKey.is_null())
        .filter(import_job::Column::Status.is_in(["queued", "running", "failed"]))
        .order_by_desc(import_job::Column::Id)
        .one(&state.db)
        .await?;
    let (job, resumed) = match unfinished {
        Some(job) if !check_only => (job, true),
        _ => {
            let report = dry_run(state, bytes, &remembered(&state.db).await?).await?;
            let job = new_job(state, me.id, file_name, &hash, None, &report).await?;
            if check_only {
                return Ok(CommandRun {
                    job: view(state, job).await?,
                    resumed: false,
                });
            }
            let mut active: import_job::ActiveModel = job.into();
            active.status = Set(JobStatus::Queued.as_str().into());
            active.publish = Set(publish);
            (active.update(&state.db).await?, false)
        }
    };
    if !claim(state, &job, true).await? {
        return Err(AppError::state(Code::ImportNotChecked));
    }
    let id = job.id;
    let result = run_batches(state, id, bytes, |j| {
        progress(&JobView::new(j, None, state.clock.now()));
    })
    .await;
    finish(state, id, result).await?;
    Ok(CommandRun {
        job: view(state, load(state, id).await?).await?,
        resumed,
    })
}

/// One line of a report: where, what was there, what is wrong and how to fix it.
pub fn describe_issue(issue: &Issue, lang: crate::i18n::Lang) -> String {
    use crate::i18n::t;
    let vi = lang == crate::i18n::Lang::Vi;
    let mut line = format!(
        "{} {}, {} {}",
        if vi { "Trang" } else { "Sheet" },
        issue.sheet,
        if vi { "dòng" } else { "row" },
        issue.row
    );
    if let Some(header) = &issue.header {
        line.push_str(&format!(", {} {header}", if vi { "cột" } else { "column" }));
    }
    if !issue.value.is_empty() {
        line.push_str(&format!(": «{}»", issue.value));
    }
    line.push_str(" — ");
    line.push_str(t(lang, &format!("error.{}", issue.code)));
    if !issue.suggestions.is_empty() {
        line.push_str(&format!(
            " {}: {}.",
            if vi { "Gợi ý" } else { "Suggestions" },
            issue.suggestions.join("; ")
        ));
    }
    line
}

/// The report as a workbook: each sheet of the file with its rows as they were, the rows
/// that were refused shaded and, in a last column, what is wrong and how to fix it.
pub async fn report_tables(
    state: &AppState,
    actor: &Actor,
    id: i32,
    lang: crate::i18n::Lang,
) -> AppResult<Vec<crate::sheet::Table>> {
    use crate::sheet::{Cell, Table};
    actor.require_staff()?;
    let job = load(state, id).await?;
    let bytes = stored_file(state, &job).await?;
    let view = view(state, job).await?;
    let sheets =
        crate::sheet::read(&bytes).map_err(|_| Invalid::one("file", Code::ImportUnreadable))?;
    let mut tables = Vec::new();
    for (info, sheet) in view.report.sheets.iter().zip(sheets) {
        let Some(header_row) = info.header_row else {
            continue;
        };
        let at = usize::try_from(header_row).unwrap_or_default();
        let mut headers = sheet.rows.get(at - 1).cloned().unwrap_or_default();
        let width = sheet
            .rows
            .iter()
            .map(Vec::len)
            .max()
            .unwrap_or_default()
            .max(headers.len());
        headers.resize(width, String::new());
        headers.insert(
            0,
            if lang == crate::i18n::Lang::Vi {
                "Dòng"
            } else {
                "Row"
            }
            .into(),
        );
        headers.push(
            if lang == crate::i18n::Lang::Vi {
                "Kết quả kiểm tra"
            } else {
                "Check result"
            }
            .into(),
        );
        let mut table = Table {
            name: sheet.name.clone(),
            headers,
            ..Table::default()
        };
        for (i, cells) in sheet.rows.iter().enumerate().skip(at) {
            let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let found: Vec<String> = view
                .report
                .issues
                .iter()
                .chain(&view.report.notes)
                .filter(|x| x.sheet == sheet.name && x.row == row)
                .map(|x| describe_issue(x, lang))
                .collect();
            let refused = view
                .report
                .issues
                .iter()
                .any(|x| x.sheet == sheet.name && x.row == row);
            let mut out: Vec<Cell> = vec![Cell::Int(i64::from(row))];
            out.extend(cells.iter().map(|c| Cell::from(c.as_str())));
            out.resize(width + 1, Cell::Empty);
            out.push(found.join("\n").into());
            table.rows.push(out);
            table.marked.push(refused);
        }
        tables.push(table);
    }
    Ok(tables)
}
