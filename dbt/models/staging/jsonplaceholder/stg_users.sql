with source as (
    select * from {{ source('jsonplaceholder', 'users') }}
)

select
    cast(id as bigint) as user_id,
    username,
    name as full_name,
    lower(email) as email,
    phone,
    website,
    address__city as city,
    company__name as company_name,
    _dlt_load_id as _loaded_at_id
from source
