with users as (
    select * from {{ ref('stg_users') }}
),

activity as (
    select
        user_id,
        count(*) as post_count,
        sum(comment_count) as comments_received
    from {{ ref('int_post_engagement') }}
    group by user_id
)

select
    users.user_id,
    users.username,
    users.full_name,
    users.email,
    users.phone,
    users.website,
    users.city,
    users.company_name,
    coalesce(activity.post_count, 0) as post_count,
    coalesce(activity.comments_received, 0) as comments_received
from users
left join activity on users.user_id = activity.user_id
