with

source as (
    select * from {{ ref('answer_info_session_totals') }}
),

renamed as (
    select
        cast(year as integer) as calendar_year,
        label as row_label,
        cast(sess as integer) as published_sessions,
        cast(deeln as integer) as published_participants,
        cast(question as integer) as question_number
    from source
)

select * from renamed
