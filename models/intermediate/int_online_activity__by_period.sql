with

escans as (
    select * from {{ ref('stg_answer__escans') }}
),

website_visitors as (
    select * from {{ ref('stg_answer__website_visitors') }}
),

joined as (
    select
        coalesce(escans.period_label, website_visitors.period_label) as period_label,
        coalesce(escans.period_start_date, website_visitors.period_start_date)
            as period_start_date,
        coalesce(escans.period_end_date, website_visitors.period_end_date)
            as period_end_date,
        coalesce(escans.months_in_period, website_visitors.months_in_period)
            as months_in_period,
        coalesce(escans.reported_year, website_visitors.reported_year)
            as reported_year,
        escans.escans,
        website_visitors.website_visitors
    from escans
    full outer join website_visitors
        on escans.period_label = website_visitors.period_label
)

select * from joined
