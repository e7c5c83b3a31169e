with

province_years as (
    select * from {{ ref('fct_info_sessions_by_province_year') }}
),

run_bounds as (
    select
        min(calendar_year) as first_reported_year,
        max(calendar_year) as last_reported_year
    from province_years
),

per_province as (
    select
        province_years.province_code,
        run_bounds.first_reported_year,
        run_bounds.last_reported_year,
        cast(count(*) as integer) as years_reported,
        cast(sum(province_years.sessions) as integer) as sessions,
        cast(sum(province_years.participants) as integer) as participants,
        cast(sum(
            case
                when province_years.calendar_year = run_bounds.first_reported_year
                    then province_years.sessions
            end
        ) as integer) as sessions_first_reported_year,
        cast(sum(
            case
                when province_years.calendar_year = run_bounds.last_reported_year
                    then province_years.sessions
            end
        ) as integer) as sessions_last_reported_year,
        cast(sum(
            case
                when province_years.calendar_year = run_bounds.first_reported_year
                    then province_years.participants
            end
        ) as integer) as participants_first_reported_year,
        cast(sum(
            case
                when province_years.calendar_year = run_bounds.last_reported_year
                    then province_years.participants
            end
        ) as integer) as participants_last_reported_year
    from province_years
    cross join run_bounds
    group by
        province_years.province_code,
        run_bounds.first_reported_year,
        run_bounds.last_reported_year
),

with_run_totals as (
    select
        *,
        {{ sum_if_complete('sessions', '') }} as run_sessions,
        {{ sum_if_complete('participants', '') }} as run_participants
    from per_province
),

final as (
    select
        province_code,
        first_reported_year,
        last_reported_year,
        years_reported,
        sessions,
        participants,
        {{ safe_divide('participants', 'sessions') }} as participants_per_session,
        {{ safe_divide('sessions', 'run_sessions') }} as share_of_run_sessions,
        {{ safe_divide('participants', 'run_participants') }}
            as share_of_run_participants,
        sessions_first_reported_year,
        sessions_last_reported_year,
        sessions_last_reported_year - sessions_first_reported_year
            as sessions_change_over_run,
        {{ safe_divide(
            'sessions_last_reported_year - sessions_first_reported_year',
            'sessions_first_reported_year'
        ) }} as sessions_relative_change_over_run,
        participants_first_reported_year,
        participants_last_reported_year,
        participants_last_reported_year - participants_first_reported_year
            as participants_change_over_run,
        {{ safe_divide(
            'participants_last_reported_year - participants_first_reported_year',
            'participants_first_reported_year'
        ) }} as participants_relative_change_over_run,
        cast(rank() over (order by sessions desc nulls last) as integer)
            as rank_by_sessions,
        cast(rank() over (order by participants desc nulls last) as integer)
            as rank_by_participants
    from with_run_totals
)

select * from final
