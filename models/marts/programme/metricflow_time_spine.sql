{#- One row per programme year: the time spine MetricFlow joins to. Every time
    dimension of the semantic models is yearly, so a yearly spine is all it needs. -#}
{%- set first_year = var('programme_first_year') -%}
{%- set last_year = var('programme_last_year') -%}

with

years as (
    {{ year_spine(first_year, last_year) }}
),

final as (
    select cast(make_date(calendar_year, 1, 1) as date) as date_year
    from years
)

select * from final
