with

info_sessions as (
    select * from {{ ref('stg_answer__info_sessions') }}
),

provinces as (
    select * from {{ ref('stg_reference__provinces') }}
),

population as (
    select * from {{ ref('stg_reference__population') }}
),

municipalities as (
    select * from {{ ref('stg_reference__municipalities') }}
),

joined as (
    select
        info_sessions.province_code,
        info_sessions.calendar_year,
        info_sessions.sessions,
        info_sessions.participants,
        population.population,
        municipalities.municipalities
    from info_sessions
    left join provinces
        on info_sessions.province_code = provinces.province_code
    left join population
        on
            provinces.nis_code = population.nis_code
            and info_sessions.calendar_year = population.calendar_year
    left join municipalities
        on
            provinces.nis_code = municipalities.nis_code
            and info_sessions.calendar_year
            >= coalesce(municipalities.first_year_valid, info_sessions.calendar_year)
            and info_sessions.calendar_year
            <= coalesce(municipalities.last_year_valid, info_sessions.calendar_year)
)

select * from joined
