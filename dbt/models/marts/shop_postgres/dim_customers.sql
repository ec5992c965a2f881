select
    customer_id,
    email,
    trim(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) as full_name,
    country,
    created_at
from {{ ref('stg_customers') }}
