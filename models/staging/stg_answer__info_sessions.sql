with

source as (
    select * from {{ ref('answer_info_sessions') }}
),

renamed as (
    select
        upper(trim(province_code)) as province_code,
        cast(year as integer) as calendar_year,
        cast(sess as integer) as sessions,
        cast(deeln as integer) as participants,
        cast(question as integer) as question_number
    from source
)

select * from renamed
