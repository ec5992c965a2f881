with source as (
    select * from {{ source('jsonplaceholder', 'comments') }}
)

select
    cast(id as bigint) as comment_id,
    cast(post_id as bigint) as post_id,
    name as commenter_name,
    lower(email) as commenter_email,
    body,
    _dlt_load_id as _loaded_at_id
from source
