with orders as (
    select * from {{ ref('stg_orders') }}
)

select
    order_id,
    customer_id,
    product_id,
    quantity,
    unit_price,
    amount,
    status,
    status in ('placed', 'shipped', 'delivered') as is_revenue,
    ordered_at,
    cast(ordered_at as date) as order_date
from orders
