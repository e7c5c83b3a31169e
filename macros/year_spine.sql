{% macro year_spine(first_year, last_year) -%}
    {#- One row per calendar year from first_year to last_year, column calendar_year. -#}
    select cast({{ first_year }} + generated_number - 1 as integer) as calendar_year
    from ({{ dbt.generate_series(last_year - first_year + 1) }}) as series
{%- endmacro %}
