//! Status and kind columns read and written as the domain's own types, so a row's
//! `status` is a `ProductStatus`, never a string compared by hand.
//!
//! Each type is stored as its stable string (`as_str`, `parse`); a value the type does not
//! know fails the read with a type error instead of passing as a default.

use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, IntoActiveValue, QueryResult, TryGetError, TryGetable, Value};

use crate::domain::expiry::{ExpiryKind, Threshold};
use crate::domain::programme::DocumentKind;
use crate::domain::programme::follow::MilestoneKind;
use crate::domain::{
    BeneficiaryStatus, CancelReason, FairStatus, FundingSource, PackagingStatus, PendingStatus,
    ProductStatus, ProgrammeKind, ProgrammeStatus, RequestKind, RequestStatus, Role,
    TrademarkStatus,
};

macro_rules! string_columns {
    ($($ty:ident),+ $(,)?) => {$(
        impl From<$ty> for Value {
            fn from(v: $ty) -> Self {
                v.as_str().into()
            }
        }

        impl TryGetable for $ty {
            fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
                let s = String::try_get_by(res, idx)?;
                $ty::parse(&s).ok_or_else(|| {
                    TryGetError::DbErr(DbErr::Type(format!(
                        "`{s}` is not a {}",
                        stringify!($ty)
                    )))
                })
            }
        }

        impl ValueType for $ty {
            fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
                let s = <String as ValueType>::try_from(v)?;
                $ty::parse(&s).ok_or(ValueTypeErr)
            }

            fn type_name() -> String {
                stringify!($ty).to_owned()
            }

            fn array_type() -> ArrayType {
                ArrayType::String
            }

            fn column_type() -> ColumnType {
                ColumnType::String(StringLen::None)
            }
        }

        impl Nullable for $ty {
            fn null() -> Value {
                Value::String(None)
            }
        }

        impl IntoActiveValue<$ty> for $ty {
            fn into_active_value(self) -> sea_orm::ActiveValue<$ty> {
                sea_orm::ActiveValue::Set(self)
            }
        }
    )+};
}

string_columns!(
    ProductStatus,
    PendingStatus,
    PackagingStatus,
    TrademarkStatus,
    RequestStatus,
    RequestKind,
    FairStatus,
    Role,
    ProgrammeKind,
    ProgrammeStatus,
    FundingSource,
    CancelReason,
    BeneficiaryStatus,
    MilestoneKind,
    DocumentKind,
    ExpiryKind,
    Threshold,
);
