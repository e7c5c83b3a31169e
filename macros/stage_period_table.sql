{% macro stage_period_table(seed, figure_column, figure_name) %}
    {#- The staging of a per-period table of the answer (e-scans, question 3; website
        visitors, question 4): the two tables share their periods and every line but
        the figure's, so both staging models are this one macro. -#}
with

source as (
    select * from {{ seed }}
),

renamed as (
    select
        periode as period_label,
        cast(first_day as date) as period_start_date,
        cast(last_day as date) as period_end_date,
        cast({{ figure_column }} as integer) as {{ figure_name }},
        cast(question as integer) as question_number
    from source
),

with_months as (
    select
        period_label,
        period_start_date,
        period_end_date,
        {{ months_in_period('period_start_date', 'period_end_date') }}
            as months_in_period,
        cast(extract(year from period_end_date) as integer) as reported_year,
        {{ figure_name }},
        question_number
    from renamed
)

select * from with_months
{% endmacro %}
