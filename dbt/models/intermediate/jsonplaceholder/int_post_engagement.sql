with posts as (
    select * from {{ ref('stg_posts') }}
),

comments as (
    select * from {{ ref('stg_comments') }}
),

comment_stats as (
    select
        post_id,
        count(*) as comment_count,
        count(distinct commenter_email) as commenter_count,
        avg(length(body)) as avg_comment_length
    from comments
    group by post_id
)

select
    posts.post_id,
    posts.user_id,
    coalesce(comment_stats.comment_count, 0) as comment_count,
    coalesce(comment_stats.commenter_count, 0) as commenter_count,
    comment_stats.avg_comment_length
from posts
left join comment_stats on posts.post_id = comment_stats.post_id
