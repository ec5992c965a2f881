with posts as (
    select * from {{ ref('stg_posts') }}
),

engagement as (
    select * from {{ ref('int_post_engagement') }}
),

users as (
    select * from {{ ref('stg_users') }}
)

select
    posts.post_id,
    posts.user_id,
    users.username as author_username,
    posts.title,
    length(posts.body) as body_length,
    engagement.comment_count,
    engagement.commenter_count,
    engagement.avg_comment_length
from posts
inner join engagement on posts.post_id = engagement.post_id
left join users on posts.user_id = users.user_id
