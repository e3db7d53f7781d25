//! Vietnam's 34 provinces and 3,321 communes as they stand since 1 July 2025.
//!
//! The list ships inside the binary so that a deployment never reads files beside it.

use std::collections::BTreeMap;

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const ADMIN_UNITS_CSV: &str = include_str!("../data/vn-admin-units-2025.csv");

struct Row<'a> {
    province_code: i32,
    province_name: &'a str,
    province_kind: &'a str,
    commune_code: i32,
    commune_name: &'a str,
    commune_kind: &'a str,
}

fn rows() -> Result<Vec<Row<'static>>, DbErr> {
    ADMIN_UNITS_CSV
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split(',').map(str::trim).collect();
            let bad = || DbErr::Custom(format!("malformed administrative unit row: {line}"));
            if f.len() != 6 {
                return Err(bad());
            }
            Ok(Row {
                province_code: f[0].parse().map_err(|_| bad())?,
                province_name: f[1],
                province_kind: f[2],
                commune_code: f[3].parse().map_err(|_| bad())?,
                commune_name: f[4],
                commune_kind: f[5],
            })
        })
        .collect()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let rows = rows()?;
        let provinces: BTreeMap<i32, (&str, &str)> = rows
            .iter()
            .map(|r| (r.province_code, (r.province_name, r.province_kind)))
            .collect();
        let mut insert = Query::insert();
        insert
            .into_table("provinces")
            .columns(["code", "name", "kind"]);
        for (code, (name, kind)) in &provinces {
            insert.values_panic([(*code).into(), (*name).into(), (*kind).into()]);
        }
        manager.exec_stmt(insert).await?;

        // Batches keep each statement under SQLite's bound-parameter limit.
        for chunk in rows.chunks(500) {
            let mut insert = Query::insert();
            insert
                .into_table("communes")
                .columns(["code", "province_code", "name", "kind"]);
            for r in chunk {
                insert.values_panic([
                    r.commune_code.into(),
                    r.province_code.into(),
                    r.commune_name.into(),
                    r.commune_kind.into(),
                ]);
            }
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .exec_stmt(Query::delete().from_table("communes").to_owned())
            .await?;
        manager
            .exec_stmt(Query::delete().from_table("provinces").to_owned())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ships_34_provinces_and_3321_communes() {
        let rows = rows().expect("the shipped list parses");
        assert_eq!(rows.len(), 3321);
        let provinces: std::collections::BTreeSet<i32> =
            rows.iter().map(|r| r.province_code).collect();
        assert_eq!(provinces.len(), 34);
    }
}
