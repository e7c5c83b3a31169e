{%- set listed = "', '" -%}

with

info_sessions_by_year as (
    select * from {{ ref('fct_info_sessions_by_year') }}
),

programme_overview as (
    select * from {{ ref('programme_overview_by_year') }}
),

facts as (
    select * from {{ ref('fct_programme_facts') }}
),

info_session_years as (
    select
        {{ dbt.listagg(
            "case when report_status = 'reported'"
            ~ " then cast(calendar_year as varchar) end",
            listed, 'order by calendar_year'
        ) }} as years_available,
        {{ dbt.listagg(
            "case when report_status = 'pending'"
            ~ " then cast(calendar_year as varchar) end",
            listed, 'order by calendar_year'
        ) }} as years_pending
    from info_sessions_by_year
),

online_activity_years as (
    select
        {{ dbt.listagg(
            "case when online_activity_status = 'reported'"
            ~ " then cast(calendar_year as varchar) end",
            listed, 'order by calendar_year'
        ) }} as years_available,
        {{ dbt.listagg(
            "case when online_activity_status = 'in_period_of_other_year'"
            ~ " then cast(calendar_year as varchar) end",
            listed, 'order by calendar_year'
        ) }} as years_in_longer_period
    from programme_overview
),

pending_reports as (
    select quote_nl from facts
    where fact_id = 'info_session_reports_2020_2021_pending'
),

no_location as (
    select quote_nl from facts
    where fact_id = 'escans_not_linked_to_location'
),

info_session_rows as (
    {%- for metric in ['info_sessions', 'info_session_participants'] %}
    {%- for breakdown, mart in [
        ('whole_run', 'fct_info_sessions_by_year'),
        ('per_year', 'fct_info_sessions_by_year'),
        ('per_province', 'fct_info_sessions_by_province'),
        ('per_province_and_year', 'fct_info_sessions_by_province_year'),
    ] %}
    select
        2 as question_number,
        '{{ metric }}' as metric,
        '{{ breakdown }}' as breakdown,
        case
            when info_session_years.years_pending is null then 'available'
            when info_session_years.years_available is null then 'pending'
            else 'partly_pending'
        end as availability,
        info_session_years.years_available,
        info_session_years.years_pending,
        cast(null as varchar) as years_in_longer_period,
        {% if breakdown == 'whole_run' -%}
        'The answer prints no total over the whole run. Figures exist for '
        {%- else -%}
        'Figures exist for '
        {%- endif %}
        || info_session_years.years_available
        || '; the reports for '
        || info_session_years.years_pending
        || ' were still to come: '
        || pending_reports.quote_nl as reason,
        '{{ mart }}' as where_to_query
    from info_session_years
    cross join pending_reports
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

online_rows as (
    {%- for question, metric in [(3, 'escans'), (4, 'website_visitors')] %}
    select
        {{ question }} as question_number,
        '{{ metric }}' as metric,
        'whole_run' as breakdown,
        'available' as availability,
        online_activity_years.years_available,
        cast(null as varchar) as years_pending,
        online_activity_years.years_in_longer_period,
        'The answer prints the total over all periods (row "Totaal").' as reason,
        'reconciliation_published_totals' as where_to_query
    from online_activity_years

    union all

    select
        {{ question }} as question_number,
        '{{ metric }}' as metric,
        'per_year' as breakdown,
        'available' as availability,
        online_activity_years.years_available,
        cast(null as varchar) as years_pending,
        online_activity_years.years_in_longer_period,
        'One figure per reporting period; the first period runs from November 2015 '
        || 'to December 2016 (fourteen months), so '
        || online_activity_years.years_in_longer_period
        || ' has no figure of its own: compare periods per month.' as reason,
        'fct_online_activity_by_period' as where_to_query
    from online_activity_years

    {%- for breakdown in ['per_province', 'per_province_and_year'] %}

    union all

    select
        {{ question }} as question_number,
        '{{ metric }}' as metric,
        '{{ breakdown }}' as breakdown,
        {% if metric == 'escans' -%}
        'not_collected' as availability,
        {%- else -%}
        'not_reported' as availability,
        {%- endif %}
        cast(null as varchar) as years_available,
        cast(null as varchar) as years_pending,
        cast(null as varchar) as years_in_longer_period,
        {% if metric == 'escans' -%}
        'E-scans are not linked to a place: ' || no_location.quote_nl as reason,
        {%- else -%}
        'Question 4 asks for no provincial breakdown and the answer gives none.'
            as reason,
        {%- endif %}
        cast(null as varchar) as where_to_query
    from no_location
    {%- endfor %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

evaluation_rows as (
    select
        1 as question_number,
        'evaluation_results' as metric,
        'whole_run' as breakdown,
        'pending' as availability,
        cast(null as varchar) as years_available,
        cast(null as varchar) as years_pending,
        cast(null as varchar) as years_in_longer_period,
        {{ dbt.listagg('quote_nl', "' '", 'order by fact_id') }} as reason,
        'fct_programme_facts' as where_to_query
    from facts
    where fact_id in ('formal_evaluation_pending', 'effectiveness_study_pending')
),

final as (
    select * from info_session_rows
    union all
    select * from online_rows
    union all
    select * from evaluation_rows
)

select * from final
