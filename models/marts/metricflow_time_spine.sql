{#- One row per day of the programme years: the time spine MetricFlow joins to. -#}
{%- set first_day = modules.datetime.date(var('programme_first_year'), 1, 1) -%}
{%- set last_day = modules.datetime.date(var('programme_last_year'), 12, 31) -%}

with

day_numbers as (
    {{ dbt.generate_series((last_day - first_day).days + 1) }}
),

final as (
    select
        cast(
            {{ dbt.dateadd(
                'day', 'generated_number - 1', "cast('" ~ first_day ~ "' as date)"
            ) }} as date
        ) as date_day
    from day_numbers
)

select * from final
