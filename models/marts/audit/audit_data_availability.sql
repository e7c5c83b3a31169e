{%- set listed = "', '" -%}

with

questions_asked as (
    select * from {{ ref('stg_answer__questions_asked') }}
),

info_sessions_by_year as (
    select * from {{ ref('fct_info_sessions_by_year') }}
),

programme_overview as (
    select * from {{ ref('fct_programme_overview_by_year') }}
),

facts as (
    select * from {{ ref('fct_programme_facts') }}
),

info_session_years as (
    select
        {{ string_agg_ordered(
            "case when report_status = 'reported' then "
            ~ dbt.cast("calendar_year", "varchar") ~ " end",
            listed,
            "calendar_year",
        ) }} as years_available,
        {{ string_agg_ordered(
            "case when report_status = 'pending' then "
            ~ dbt.cast("calendar_year", "varchar") ~ " end",
            listed,
            "calendar_year",
        ) }} as years_pending
    from info_sessions_by_year
),

online_activity_years as (
    select
        {{ string_agg_ordered(
            "case when online_activity_status = 'reported' then "
            ~ dbt.cast("calendar_year", "varchar") ~ " end",
            listed,
            "calendar_year",
        ) }} as years_available,
        {{ string_agg_ordered(
            "case when online_activity_status = 'in_period_of_other_year' then "
            ~ dbt.cast("calendar_year", "varchar") ~ " end",
            listed,
            "calendar_year",
        ) }} as years_in_longer_period
    from programme_overview
),

quotes as (
    select
        max(
            case
                when fact_id = 'info_session_reports_2020_2021_pending' then quote_nl
            end
        ) as pending_reports,
        max(
            case when fact_id = 'escans_not_linked_to_location' then quote_nl end
        ) as not_linked_to_location,
        max(
            case when fact_id = 'formal_evaluation_pending' then quote_nl end
        ) as evaluation_pending,
        max(
            case when fact_id = 'effectiveness_study_pending' then quote_nl end
        ) as study_pending
    from facts
),

-- What kind of answer each question gets, so that every column below picks its
-- value from the same five cases.
classified as (
    select
        question_number,
        metric,
        breakdown,
        asked_nl,
        case
            when question_number = 2 then 'info_sessions'
            when
                question_number in (3, 4)
                and breakdown in ('whole_run', 'per_year')
                then 'online_activity'
            when question_number = 3 then 'online_activity_by_place'
            when question_number = 1 then 'evaluation'
            when question_number = 5 then 'follow_up'
        end as answer_kind
    from questions_asked
),

final as (
    select
        classified.question_number,
        classified.metric,
        classified.breakdown,
        case classified.answer_kind
            when 'info_sessions'
                then
                    case
                        when info_session_years.years_pending is null then 'available'
                        when info_session_years.years_available is null then 'pending'
                        else 'partly_pending'
                    end
            when 'online_activity' then 'available'
            when 'online_activity_by_place' then 'not_collected'
            when 'evaluation' then 'pending'
            when 'follow_up' then 'available'
            else 'not_reported'
        end as availability,
        case classified.answer_kind
            when 'info_sessions' then info_session_years.years_available
            when 'online_activity' then online_activity_years.years_available
        end as years_available,
        case
            when classified.answer_kind = 'info_sessions'
                then info_session_years.years_pending
        end as years_pending,
        case
            when classified.answer_kind = 'online_activity'
                then online_activity_years.years_in_longer_period
        end as years_in_longer_period,
        case
            when classified.answer_kind = 'info_sessions'
                then
                    case
                        when classified.breakdown in ('whole_run', 'per_province')
                            then
                                'No total over the whole run is printed: the marts '
                                || 'sum the years reported ('
                        else 'Figures exist for the years reported ('
                    end
                    || coalesce(info_session_years.years_available, 'none')
                    || ')'
                    || coalesce(
                        '; the reports for ' || info_session_years.years_pending
                        || ' were still to come: ' || quotes.pending_reports,
                        '.'
                    )
            when
                classified.answer_kind = 'online_activity'
                and classified.breakdown = 'whole_run'
                then 'The answer prints the total over all periods (row "Totaal").'
            when classified.answer_kind = 'online_activity'
                then
                    'One figure per reporting period'
                    || coalesce(
                        '; ' || online_activity_years.years_in_longer_period
                        || ' lies in a longer period reported under another year'
                        || ' (the first period runs from November 2015 to December'
                        || ' 2016, fourteen months): compare periods per month.',
                        '.'
                    )
            when classified.answer_kind = 'online_activity_by_place'
                then
                    'E-scans are not linked to a place: '
                    || quotes.not_linked_to_location
            when classified.answer_kind = 'evaluation'
                then quotes.evaluation_pending || ' ' || quotes.study_pending
            when classified.answer_kind = 'follow_up'
                then
                    'The answer names the plans and actions that followed the '
                    || 'consultation; they are listed as facts of question 5.'
            else 'The answer gives no figure for it.'
        end as reason,
        case
            when classified.answer_kind = 'info_sessions'
                then
                    case classified.breakdown
                        when 'whole_run' then 'fct_info_sessions_by_year'
                        when 'per_year' then 'fct_info_sessions_by_year'
                        when 'per_province' then 'fct_info_sessions_by_province'
                        else 'fct_info_sessions_by_province_year'
                    end
            when
                classified.answer_kind = 'online_activity'
                and classified.breakdown = 'whole_run'
                then 'audit_published_total_reconciliation'
            when classified.answer_kind = 'online_activity'
                then 'fct_online_activity_by_period'
            when classified.answer_kind in ('evaluation', 'follow_up')
                then 'fct_programme_facts'
        end as where_to_query,
        classified.asked_nl
    from classified
    cross join info_session_years
    cross join online_activity_years
    cross join quotes
)

select * from final
