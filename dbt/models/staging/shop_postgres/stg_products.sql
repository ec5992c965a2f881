with source as (
    select * from {{ source('shop_postgres', 'products') }}
    where not coalesce(_fivetran_deleted, false)
)

select
    cast(id as bigint) as product_id,
    name as product_name,
    category,
    cast(price as decimal(18, 2)) as list_price,
    _fivetran_synced as _synced_at
from source
