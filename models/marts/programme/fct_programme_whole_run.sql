{%- set listed = "', '" -%}

with

info_session_years as (
    select * from {{ ref('fct_info_sessions_by_year') }}
),

online_periods as (
    select * from {{ ref('fct_online_activity_by_period') }}
),

definitions as (
    select * from {{ ref('stg_reference__headline_metrics') }}
),

-- Totals per report status: the reported years' sum is NULL when any reported
-- year lacks its figure, never the sum of the known ones.
info_session_status_totals as (
    select
        calendar_year,
        report_status,
        {{ sum_if_complete('sessions', 'partition by report_status') }}
            as status_sessions,
        {{ sum_if_complete('participants', 'partition by report_status') }}
            as status_participants
    from info_session_years
),

info_session_run as (
    select
        min(case when report_status = 'reported' then calendar_year end)
            as first_reported_year,
        max(case when report_status = 'reported' then calendar_year end)
            as last_reported_year,
        max(case when report_status = 'reported' then status_sessions end)
            as sessions,
        max(case when report_status = 'reported' then status_participants end)
            as participants,
        {{ string_agg_ordered(
            "case when report_status = 'pending' then "
            ~ dbt.cast("calendar_year", "varchar") ~ " end",
            listed,
            "calendar_year",
        ) }} as years_pending
    from info_session_status_totals
),

online_period_totals as (
    select
        period_start_date,
        period_end_date,
        {{ sum_if_complete('escans', '') }} as run_escans,
        {{ sum_if_complete('website_visitors', '') }} as run_website_visitors,
        {{ sum_if_complete('months_in_period', '') }} as run_months
    from online_periods
),

online_run as (
    select
        min(period_start_date) as span_start_date,
        max(period_end_date) as span_end_date,
        max(run_months) as months_in_span,
        max(run_escans) as escans,
        max(run_website_visitors) as website_visitors
    from online_period_totals
),

-- One row per metric: its value and whether the figures it needs are all known.
metric_values as (
    select
        'sessions' as metric,
        {{ dbt.cast("sessions", "double precision") }} as metric_value,
        sessions is not null as inputs_known
    from info_session_run

    union all

    select
        'participants' as metric,
        {{ dbt.cast("participants", "double precision") }} as metric_value,
        participants is not null as inputs_known
    from info_session_run

    union all

    select
        'participants_per_session' as metric,
        {{ safe_divide('participants', 'sessions') }} as metric_value,
        participants is not null and sessions is not null as inputs_known
    from info_session_run

    union all

    select
        'escans' as metric,
        {{ dbt.cast("escans", "double precision") }} as metric_value,
        escans is not null as inputs_known
    from online_run

    union all

    select
        'website_visitors' as metric,
        {{ dbt.cast("website_visitors", "double precision") }} as metric_value,
        website_visitors is not null as inputs_known
    from online_run

    union all

    select
        'escans_per_1000_website_visitors' as metric,
        {{ safe_divide('escans * 1000', 'website_visitors') }} as metric_value,
        escans is not null and website_visitors is not null as inputs_known
    from online_run

    union all

    select
        'escans_per_month' as metric,
        {{ safe_divide('escans', 'months_in_span') }} as metric_value,
        escans is not null and months_in_span is not null as inputs_known
    from online_run

    union all

    select
        'website_visitors_per_month' as metric,
        {{ safe_divide('website_visitors', 'months_in_span') }} as metric_value,
        website_visitors is not null
        and months_in_span is not null as inputs_known
    from online_run
),

-- What each activity covers: its span, its months and its pending years.
activity_spans as (
    select
        'info_sessions' as activity,
        cast({{ dbt.cast("first_reported_year", "varchar") }} || '-01-01' as date)
            as span_start_date,
        cast({{ dbt.cast("last_reported_year", "varchar") }} || '-12-31' as date)
            as span_end_date,
        cast((last_reported_year - first_reported_year + 1) * 12 as integer)
            as months_in_span,
        case
            when first_reported_year is null then 'pending'
            when years_pending is null then 'available'
            else 'partly_pending'
        end as coverage,
        years_pending
    from info_session_run

    union all

    select
        'online_activity' as activity,
        span_start_date,
        span_end_date,
        cast(months_in_span as integer) as months_in_span,
        'available' as coverage,
        {{ dbt.cast("null", "varchar") }} as years_pending
    from online_run
),

final as (
    select
        coalesce(definitions.metric, metric_values.metric) as metric,
        definitions.metric_order,
        definitions.activity,
        definitions.label_nl,
        definitions.label_en,
        metric_values.metric_value,
        definitions.unit_nl,
        definitions.unit_en,
        activity_spans.span_start_date,
        activity_spans.span_end_date,
        activity_spans.months_in_span,
        case
            when metric_values.metric is null then {{ dbt.cast("null", "varchar") }}
            when activity_spans.coverage = 'pending' then 'pending'
            when not metric_values.inputs_known then 'not_reported'
            else activity_spans.coverage
        end as status,
        activity_spans.years_pending,
        definitions.question_number,
        definitions.description_nl,
        definitions.description_en
    from metric_values
    full outer join definitions
        on metric_values.metric = definitions.metric
    left join activity_spans
        on definitions.activity = activity_spans.activity
)

select * from final
