with

periods as (
    select * from {{ ref('int_online_activity__by_period') }}
),

final as (
    select
        period_label,
        cast(
            row_number() over (order by period_start_date) as integer
        ) as period_order,
        period_start_date,
        period_end_date,
        months_in_period,
        reported_year,
        (
            months_in_period = 12
            and extract(month from period_start_date) = 1
        ) as is_calendar_year
    from periods
)

-- In the order of time, for readers of the table itself (dbt show, a BI tool).
select * from final
order by period_start_date
