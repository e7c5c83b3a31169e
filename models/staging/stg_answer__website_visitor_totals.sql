with

source as (
    select * from {{ ref('answer_website_visitor_totals') }}
),

renamed as (
    select
        label as row_label,
        cast(bezoekers as integer) as published_website_visitors,
        cast(question as integer) as question_number
    from source
)

select * from renamed
