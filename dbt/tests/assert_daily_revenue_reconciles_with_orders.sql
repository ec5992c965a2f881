{{ config(tags=['orders_files']) }}
-- Each day's figures obey the documented rules, checked against the orders themselves rather than
-- against the rollup's own expressions: net revenue = gross revenue - returned amount (so every status
-- is either cancelled, returned or revenue; a new status breaks this), and net revenue is what the
-- day's placed, shipped and delivered orders are worth. Returns the days (= failures) that disagree.
with orders_by_day as (
    select
        order_date,
        coalesce(sum(case when status in ('placed', 'shipped', 'delivered') then amount end), 0) as revenue
    from {{ ref('fct_orders') }}
    group by order_date
)

select d.order_date, d.gross_revenue, d.returned_amount, d.net_revenue, o.revenue
from {{ ref('fct_daily_revenue') }} as d
full outer join orders_by_day as o on o.order_date = d.order_date
where d.order_date is null
   or o.order_date is null
   or d.net_revenue <> d.gross_revenue - d.returned_amount
   or d.net_revenue <> o.revenue
