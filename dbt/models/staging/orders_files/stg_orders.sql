with source as (
    select * from {{ source('orders_files', 'orders') }}
)

select
    cast(order_id as bigint) as order_id,
    cast(customer_id as bigint) as customer_id,
    cast(product_id as bigint) as product_id,
    cast(quantity as integer) as quantity,
    cast(unit_price as decimal(18, 2)) as unit_price,
    cast(quantity * unit_price as decimal(18, 2)) as amount,
    lower(trim(status)) as status,
    {{ to_utc_timestamp("ordered_at") }} as ordered_at,
    _dlt_load_id as _loaded_at_id
from source
