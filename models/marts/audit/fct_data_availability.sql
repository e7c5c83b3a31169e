{#- What each question asks, whether the answer gives it and why, and which mart
    holds it are columns of the seed answer_questions_asked; this model joins them to
    the years each activity reports (fct_programme_overview_by_year) and to the Dutch
    words of the facts that say why a figure is missing. -#}
{%- set listed = "', '" -%}

with

questions_asked as (
    select * from {{ ref('stg_answer__questions_asked') }}
),

programme_overview as (
    select * from {{ ref('fct_programme_overview_by_year') }}
),

facts as (
    select * from {{ ref('fct_programme_facts') }}
),

yearly_status as (
    select
        'info_sessions' as activity,
        calendar_year,
        info_sessions_status as year_status
    from programme_overview

    union all

    select
        'online_activity' as activity,
        calendar_year,
        online_activity_status as year_status
    from programme_overview
),

years_by_activity as (
    select
        activity,
        {{ string_agg_ordered(
            "case when year_status = 'reported' then "
            ~ dbt.cast("calendar_year", "varchar") ~ " end",
            listed,
            "calendar_year",
        ) }} as years_available,
        {{ string_agg_ordered(
            "case when year_status = 'pending' then "
            ~ dbt.cast("calendar_year", "varchar") ~ " end",
            listed,
            "calendar_year",
        ) }} as years_pending,
        {{ string_agg_ordered(
            "case when year_status = 'in_period_of_other_year' then "
            ~ dbt.cast("calendar_year", "varchar") ~ " end",
            listed,
            "calendar_year",
        ) }} as years_in_longer_period
    from yearly_status
    group by activity
),

with_availability as (
    select
        questions_asked.*,
        years_by_activity.years_available,
        years_by_activity.years_pending,
        years_by_activity.years_in_longer_period,
        coalesce(
            questions_asked.availability,
            case
                when years_by_activity.years_pending is null then 'available'
                when years_by_activity.years_available is null then 'pending'
                else 'partly_pending'
            end
        ) as assessed_availability
    from questions_asked
    left join years_by_activity
        on questions_asked.activity = years_by_activity.activity
),

-- The Dutch words that say why a figure is missing, where it is.
quoted as (
    select
        with_availability.metric,
        with_availability.breakdown,
        {{ string_agg_ordered(
            'facts.quote_nl',
            "' '",
            'position(facts.fact_id in with_availability.reason_fact_ids)',
        ) }} as quotes_nl
    from with_availability
    inner join facts
        on position(facts.fact_id in with_availability.reason_fact_ids) > 0
    where with_availability.assessed_availability <> 'available'
    group by with_availability.metric, with_availability.breakdown
),

final as (
    select
        with_availability.question_number,
        with_availability.metric,
        with_availability.breakdown,
        with_availability.assessed_availability as availability,
        with_availability.years_available,
        with_availability.years_pending,
        with_availability.years_in_longer_period,
        with_availability.reason
        || coalesce(' ' || quoted.quotes_nl, '') as reason,
        with_availability.reason_nl
        || coalesce(' ' || quoted.quotes_nl, '') as reason_nl,
        with_availability.where_to_query,
        with_availability.asked_nl
    from with_availability
    left join quoted
        on
            with_availability.metric = quoted.metric
            and with_availability.breakdown = quoted.breakdown
)

select * from final
