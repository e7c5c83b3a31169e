{% test ends_after_start(model, column_name, first_day_column) %}
-- Fails on every period whose last day (the tested column) comes before its
-- first day, or where either day is missing.
select *
from {{ model }}
where
    {{ column_name }} is null
    or {{ first_day_column }} is null
    or {{ column_name }} < {{ first_day_column }}
{% endtest %}
