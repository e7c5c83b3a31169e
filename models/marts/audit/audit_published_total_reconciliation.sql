with

info_sessions as (
    select * from {{ ref('stg_answer__info_sessions') }}
),

info_session_totals as (
    select * from {{ ref('stg_answer__info_session_totals') }}
),

escans as (
    select * from {{ ref('stg_answer__escans') }}
),

escan_totals as (
    select * from {{ ref('stg_answer__escan_totals') }}
),

website_visitors as (
    select * from {{ ref('stg_answer__website_visitors') }}
),

website_visitor_totals as (
    select * from {{ ref('stg_answer__website_visitor_totals') }}
),

population as (
    select * from {{ ref('stg_reference__population') }}
),

municipalities as (
    select * from {{ ref('stg_reference__municipalities') }}
),

info_session_parts as (
    select
        calendar_year,
        sum(sessions) as sessions,
        sum(participants) as participants,
        count(*) as parts_counted
    from info_sessions
    group by calendar_year
),

-- The reference tables publish a Flemish Region figure beside the provinces'.
reference_counts as (
    select
        'population' as figure,
        {{ dbt.cast("calendar_year", "varchar") }} as scope,
        'Statbel, Flemish Region, 1 January' as published_in,
        geography_level,
        population as counted
    from population

    union all

    select
        'municipalities' as figure,
        case
            when first_year_valid is null
                then 'until ' || {{ dbt.cast("last_year_valid", "varchar") }}
            else 'from ' || {{ dbt.cast("first_year_valid", "varchar") }}
        end as scope,
        'Statbel REFNIS, Flemish Region' as published_in,
        geography_level,
        municipalities as counted
    from municipalities
),

checks as (
    select
        'info_sessions' as figure,
        {{ dbt.cast("info_session_totals.calendar_year", "varchar") }} as scope,
        'answer, question 2, info-session table, row "tot"' as published_in,
        info_session_totals.published_sessions as published_total,
        info_session_parts.sessions as sum_of_parts,
        info_session_parts.parts_counted
    from info_session_totals
    left join info_session_parts
        on info_session_totals.calendar_year = info_session_parts.calendar_year

    union all

    select
        'info_session_participants' as figure,
        {{ dbt.cast("info_session_totals.calendar_year", "varchar") }} as scope,
        'answer, question 2, info-session table, row "tot"' as published_in,
        info_session_totals.published_participants as published_total,
        info_session_parts.participants as sum_of_parts,
        info_session_parts.parts_counted
    from info_session_totals
    left join info_session_parts
        on info_session_totals.calendar_year = info_session_parts.calendar_year

    union all

    select
        'escans' as figure,
        'all periods' as scope,
        'answer, question 3, e-scan table, row "Totaal"' as published_in,
        (
            select max(escan_totals.published_escans) from escan_totals
        ) as published_total,
        sum(escans) as sum_of_parts,
        count(*) as parts_counted
    from escans

    union all

    select
        'website_visitors' as figure,
        'all periods' as scope,
        'answer, question 4, website-visitor table, row "Totaal"' as published_in,
        (
            select max(website_visitor_totals.published_website_visitors)
            from website_visitor_totals
        ) as published_total,
        sum(website_visitors) as sum_of_parts,
        count(*) as parts_counted
    from website_visitors

    union all

    select
        figure,
        scope,
        published_in,
        sum(case when geography_level = 'region' then counted end)
            as published_total,
        sum(case when geography_level = 'province' then counted end)
            as sum_of_parts,
        sum(case when geography_level = 'province' then 1 else 0 end)
            as parts_counted
    from reference_counts
    group by figure, scope, published_in
),

final as (
    select
        figure,
        scope,
        published_in,
        cast(published_total as integer) as published_total,
        cast(sum_of_parts as integer) as sum_of_parts,
        cast(sum_of_parts - published_total as integer) as difference,
        cast(parts_counted as integer) as parts_counted,
        coalesce(sum_of_parts = published_total, false) as is_reconciled
    from checks
)

select * from final
