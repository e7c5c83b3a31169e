{% macro months_in_period(first_day, last_day) -%}
    ({{ dbt.datediff(first_day, last_day, 'month') }} + 1)
{%- endmacro %}
