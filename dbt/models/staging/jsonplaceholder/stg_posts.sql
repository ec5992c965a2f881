with source as (
    select * from {{ source('jsonplaceholder', 'posts') }}
)

select
    cast(id as bigint) as post_id,
    cast(user_id as bigint) as user_id,
    title,
    body,
    _dlt_load_id as _loaded_at_id
from source
