with source as (
    select * from {{ source('shop_postgres', 'customers') }}
    where not coalesce(_fivetran_deleted, false)
)

select
    cast(id as bigint) as customer_id,
    lower(email) as email,
    first_name,
    last_name,
    country,
    {{ to_utc_timestamp("created_at") }} as created_at,
    _fivetran_synced as _synced_at
from source
