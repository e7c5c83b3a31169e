with

info_sessions as (
    select * from {{ ref('stg_answer__info_sessions') }}
),

info_session_totals as (
    select * from {{ ref('stg_answer__info_session_totals') }}
),

-- The e-scans and website visitors of each period side by side, the step the
-- online-activity marts share; its tests keep both filled in for every period, so
-- the parts summed and counted are those of each table.
online_activity as (
    select * from {{ ref('int_online_activity__by_period') }}
),

escan_totals as (
    select * from {{ ref('stg_answer__escan_totals') }}
),

website_visitor_totals as (
    select * from {{ ref('stg_answer__website_visitor_totals') }}
),

-- The reference tables publish a Flemish Region figure beside the provinces'.
reference_counts as (
    select * from {{ ref('int_reference_counts__unioned') }}
),

reference_parts as (
    select * from reference_counts
    where geography_level = 'province'
),

reference_totals as (
    select * from reference_counts
    where geography_level = 'region'
),

-- Each published total of the answer beside the sum of its parts, by the one rule
-- that the seed test sums_to_published_total applies too (macro
-- compare_to_published_total): figure, scope, where it is published, then the
-- parts, their column, the totals and their column.
{%- set answer_checks = [
    ['info_sessions', "calendar_year",
     'answer, question 2, info-session table, row "tot"',
     'antwoord, vraag 2, tabel van de infosessies, rij "tot"',
     'info_sessions', 'sessions', 'info_session_totals', 'published_sessions'],
    ['info_session_participants', "calendar_year",
     'answer, question 2, info-session table, row "tot"',
     'antwoord, vraag 2, tabel van de infosessies, rij "tot"',
     'info_sessions', 'participants',
     'info_session_totals', 'published_participants'],
    ['escans', none,
     'answer, question 3, e-scan table, row "Totaal"',
     'antwoord, vraag 3, tabel van de e-scans, rij "Totaal"',
     'online_activity', 'escans', 'escan_totals', 'published_escans'],
    ['website_visitors', none,
     'answer, question 4, website-visitor table, row "Totaal"',
     'antwoord, vraag 4, tabel van de websitebezoekers, rij "Totaal"',
     'online_activity', 'website_visitors',
     'website_visitor_totals', 'published_website_visitors'],
] %}

checks as (
    {%- for figure, year_column, published_in, published_in_nl, parts, part_column,
        totals, total_column in answer_checks %}
        select
            '{{ figure }}' as figure,
            {% if year_column -%}
                {{ dbt.cast(year_column, "varchar") }}
            {%- else -%}
                'all periods'
            {%- endif %} as scope,
            '{{ published_in }}' as published_in,
            '{{ published_in_nl }}' as published_in_nl,
            published_total,
            sum_of_parts,
            parts_counted,
            is_reconciled
        from (
        {{ compare_to_published_total(
            parts, part_column, totals, total_column,
            [year_column] if year_column else []
        ) }}
        ) as compared

        union all
    {% endfor %}

    select
        figure,
        scope,
        published_in,
        published_in_nl,
        published_total,
        sum_of_parts,
        parts_counted,
        is_reconciled
    from (
        {{ compare_to_published_total(
            'reference_parts', 'counted',
            'reference_totals', 'counted',
            ['figure', 'scope', 'published_in', 'published_in_nl']
        ) }}
    ) as compared
),

final as (
    select
        figure,
        scope,
        published_in,
        published_in_nl,
        cast(published_total as integer) as published_total,
        cast(sum_of_parts as integer) as sum_of_parts,
        cast(sum_of_parts - published_total as integer) as difference,
        cast(parts_counted as integer) as parts_counted,
        is_reconciled
    from checks
)

select * from final
