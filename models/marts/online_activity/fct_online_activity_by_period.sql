{%- set running -%}
    order by period_start_date rows between unbounded preceding and current row
{%- endset -%}

with

periods as (
    select * from {{ ref('int_online_activity__by_period') }}
),

per_month as (
    select
        *,
        {{ safe_divide('escans', 'months_in_period') }} as escans_per_month,
        {{ safe_divide('website_visitors', 'months_in_period') }}
            as website_visitors_per_month
    from periods
),

with_windows as (
    select
        *,
        {{ sum_if_complete('escans', running) }} as escans_running_total,
        {{ sum_if_complete('website_visitors', running) }}
            as website_visitors_running_total,
        {{ sum_if_complete('escans', '') }} as all_periods_escans,
        {{ sum_if_complete('website_visitors', '') }} as all_periods_website_visitors,
        lag(escans_per_month) over (order by period_start_date)
            as previous_escans_per_month,
        lag(website_visitors_per_month) over (order by period_start_date)
            as previous_website_visitors_per_month
    from per_month
),

final as (
    select
        period_label,
        period_start_date,
        period_end_date,
        months_in_period,
        reported_year,
        escans,
        website_visitors,
        escans_per_month,
        website_visitors_per_month,
        {{ safe_divide('escans * 1000', 'website_visitors') }}
            as escans_per_1000_website_visitors,
        cast(escans_running_total as integer) as escans_running_total,
        cast(website_visitors_running_total as integer)
            as website_visitors_running_total,
        {{ safe_divide('escans', 'all_periods_escans') }} as share_of_total_escans,
        {{ safe_divide('website_visitors', 'all_periods_website_visitors') }}
            as share_of_total_website_visitors,
        escans_per_month - previous_escans_per_month
            as escans_per_month_change_from_previous_period,
        {{ safe_divide(
            'escans_per_month - previous_escans_per_month',
            'previous_escans_per_month'
        ) }} as escans_per_month_relative_change_from_previous_period,
        website_visitors_per_month - previous_website_visitors_per_month
            as website_visitors_per_month_change_from_previous_period,
        {{ safe_divide(
            'website_visitors_per_month - previous_website_visitors_per_month',
            'previous_website_visitors_per_month'
        ) }} as website_visitors_per_month_relative_change_from_previous_period
    from with_windows
)

-- In the order of time, for readers of the table itself (dbt show, a BI tool).
select * from final
order by period_start_date
