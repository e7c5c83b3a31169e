with

source as (
    select * from {{ ref('answer_website_visitors') }}
),

renamed as (
    select
        periode as period_label,
        cast(first_day as date) as period_start_date,
        cast(last_day as date) as period_end_date,
        cast(bezoekers as integer) as website_visitors,
        cast(question as integer) as question_number
    from source
),

with_months as (
    select
        period_label,
        period_start_date,
        period_end_date,
        {{ months_in_period('period_start_date', 'period_end_date') }}
            as months_in_period,
        cast(extract(year from period_end_date) as integer) as reported_year,
        website_visitors,
        question_number
    from renamed
)

select * from with_months
