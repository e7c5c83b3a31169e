with

info_sessions as (
    select * from {{ ref('int_info_sessions__with_reference') }}
),

with_context as (
    select
        current_year.province_code,
        current_year.calendar_year,
        current_year.sessions,
        current_year.participants,
        current_year.population,
        current_year.municipalities,
        previous_year.sessions as previous_year_sessions,
        previous_year.participants as previous_year_participants,
        {{ sum_if_complete(
            'current_year.sessions', 'partition by current_year.calendar_year'
        ) }} as year_sessions,
        {{ sum_if_complete(
            'current_year.participants', 'partition by current_year.calendar_year'
        ) }} as year_participants
    from info_sessions as current_year
    left join info_sessions as previous_year
        on
            current_year.province_code = previous_year.province_code
            and current_year.calendar_year = previous_year.calendar_year + 1
),

final as (
    select
        province_code,
        calendar_year,
        sessions,
        participants,
        {{ safe_divide('participants', 'sessions') }} as participants_per_session,
        {{ safe_divide('sessions', 'year_sessions') }} as share_of_year_sessions,
        {{ safe_divide('participants', 'year_participants') }}
            as share_of_year_participants,
        sessions - previous_year_sessions as sessions_change_from_previous_year,
        {{ safe_divide(
            'sessions - previous_year_sessions', 'previous_year_sessions'
        ) }} as sessions_relative_change_from_previous_year,
        participants - previous_year_participants
            as participants_change_from_previous_year,
        {{ safe_divide(
            'participants - previous_year_participants', 'previous_year_participants'
        ) }} as participants_relative_change_from_previous_year,
        municipalities,
        {{ safe_divide('sessions', 'municipalities') }} as sessions_per_municipality,
        population,
        {{ safe_divide('participants * 100000', 'population') }}
            as participants_per_100000_inhabitants
    from with_context
)

select * from final
