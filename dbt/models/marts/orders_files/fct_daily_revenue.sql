with orders as (
    select * from {{ ref('fct_orders') }}
)

select
    order_date,
    count(*) as orders,
    sum(case when status = 'cancelled' then 1 else 0 end) as cancelled_orders,
    sum(case when status = 'returned' then 1 else 0 end) as returned_orders,
    sum(case when is_revenue then quantity else 0 end) as items_sold,
    sum(case when status <> 'cancelled' then amount else 0 end) as gross_revenue,
    sum(case when status = 'returned' then amount else 0 end) as returned_amount,
    sum(case when is_revenue then amount else 0 end) as net_revenue
from orders
group by order_date
