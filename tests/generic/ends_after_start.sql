{% test ends_after_start(model, column_name, first_day_column) %}
{{ config(meta={
    'means': 'a period that ends before it starts (or lacks a first or last day)',
    'fix': 'make {column_name} the same as or later than {first_day_column} (were the two swapped?)',
}) }}
-- Fails on every period whose last day (the tested column) comes before its
-- first day, or where either day is missing.
select *
from {{ model }}
where
    {{ column_name }} is null
    or {{ first_day_column }} is null
    or {{ column_name }} < {{ first_day_column }}
{% endtest %}
