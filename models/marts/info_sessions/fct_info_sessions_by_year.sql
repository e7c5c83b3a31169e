{%- set first_year = var('info_session_first_year') -%}
{%- set last_year = var('info_session_last_year') -%}

with

info_sessions as (
    select * from {{ ref('stg_answer__info_sessions') }}
),

published_totals as (
    select * from {{ ref('stg_answer__info_session_totals') }}
),

population as (
    select * from {{ ref('stg_reference__population') }}
),

years as (
    {{ year_spine(first_year, last_year) }}
),

provinces_reporting as (
    select
        calendar_year,
        cast(count(*) as integer) as provinces_reporting
    from info_sessions
    group by calendar_year
),

flemish_population as (
    select
        calendar_year,
        population
    from population
    where geography_level = 'region'
),

yearly as (
    select
        years.calendar_year,
        case
            when published_totals.calendar_year is not null then 'reported'
            else 'pending'
        end as report_status,
        published_totals.published_sessions as sessions,
        published_totals.published_participants as participants,
        provinces_reporting.provinces_reporting,
        flemish_population.population as flemish_population
    from years
    left join published_totals
        on years.calendar_year = published_totals.calendar_year
    left join provinces_reporting
        on years.calendar_year = provinces_reporting.calendar_year
    left join flemish_population
        on years.calendar_year = flemish_population.calendar_year
),

final as (
    select
        current_year.calendar_year,
        current_year.report_status,
        current_year.sessions,
        current_year.participants,
        current_year.provinces_reporting,
        {{ safe_divide('current_year.participants', 'current_year.sessions') }}
            as participants_per_session,
        current_year.sessions - previous_year.sessions
            as sessions_change_from_previous_year,
        {{ safe_divide(
            'current_year.sessions - previous_year.sessions', 'previous_year.sessions'
        ) }} as sessions_relative_change_from_previous_year,
        current_year.participants - previous_year.participants
            as participants_change_from_previous_year,
        {{ safe_divide(
            'current_year.participants - previous_year.participants',
            'previous_year.participants'
        ) }} as participants_relative_change_from_previous_year,
        current_year.flemish_population,
        {{ safe_divide(
            'current_year.participants * 100000', 'current_year.flemish_population'
        ) }} as participants_per_100000_inhabitants
    from yearly as current_year
    left join yearly as previous_year
        on current_year.calendar_year = previous_year.calendar_year + 1
)

select * from final
