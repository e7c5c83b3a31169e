{% macro months_in_period(first_day, last_day) -%}
    cast({{ dbt.datediff(first_day, last_day, "month") }} + 1 as integer)
{%- endmacro %}
