{%- set first_year = var('programme_first_year') -%}
{%- set last_year = var('programme_last_year') -%}

with

info_sessions_by_year as (
    select * from {{ ref('fct_info_sessions_by_year') }}
),

online_activity as (
    select * from {{ ref('fct_online_activity_by_period') }}
),

years as (
    {{ year_spine(first_year, last_year) }}
),

-- A year that lies inside a longer period reported under another year (2015 lies in
-- "nov 2015- dec 2016", reported under 2016).
years_in_other_period as (
    select
        years.calendar_year,
        min(online_activity.period_label) as period_label
    from years
    inner join online_activity
        on
            years.calendar_year
            between extract(year from online_activity.period_start_date)
            and extract(year from online_activity.period_end_date)
            and years.calendar_year <> online_activity.reported_year
    group by years.calendar_year
),

joined as (
    select
        years.calendar_year,
        info_sessions_by_year.sessions as info_sessions,
        info_sessions_by_year.participants as info_session_participants,
        info_sessions_by_year.participants_per_session,
        coalesce(info_sessions_by_year.report_status, 'not_reported')
            as info_sessions_status,
        coalesce(online_activity.period_label, years_in_other_period.period_label)
            as online_activity_period_label,
        online_activity.months_in_period,
        online_activity.escans,
        online_activity.website_visitors,
        online_activity.escans_per_month,
        online_activity.website_visitors_per_month,
        online_activity.escans_per_1000_website_visitors,
        case
            when online_activity.period_label is not null then 'reported'
            when years_in_other_period.period_label is not null
                then 'in_period_of_other_year'
            else 'not_reported'
        end as online_activity_status,
        info_sessions_by_year.flemish_population,
        info_sessions_by_year.participants_per_100000_inhabitants
    from years
    left join info_sessions_by_year
        on years.calendar_year = info_sessions_by_year.calendar_year
    left join online_activity
        on years.calendar_year = online_activity.reported_year
    left join years_in_other_period
        on years.calendar_year = years_in_other_period.calendar_year
),

final as (
    select
        calendar_year,
        info_sessions_status,
        info_sessions,
        info_session_participants,
        participants_per_session,
        flemish_population,
        participants_per_100000_inhabitants,
        online_activity_status,
        online_activity_period_label,
        months_in_period,
        escans,
        website_visitors,
        escans_per_month,
        website_visitors_per_month,
        escans_per_1000_website_visitors
    from joined
)

select * from final
