{{ config(tags=['orders_files']) }}
-- Total net revenue across days must equal the amount of revenue orders: no order lost or
-- double-counted by the daily rollup. Returns a row (= failure) when they differ.
with daily as (
    select coalesce(sum(net_revenue), 0) as total from {{ ref('fct_daily_revenue') }}
),

orders as (
    select coalesce(sum(amount), 0) as total from {{ ref('fct_orders') }} where is_revenue
)

select daily.total as daily_total, orders.total as orders_total
from daily cross join orders
where daily.total <> orders.total
