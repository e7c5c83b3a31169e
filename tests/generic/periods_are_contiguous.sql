{% test periods_are_contiguous(model, column_name, last_day_column) %}
{{ config(meta={
    'means': 'periods that overlap or leave a gap',
    'fix': 'each period must start the day after the previous one ends: check {column_name} and {last_day_column} on the lines listed',
}) }}
-- Orders the periods by their first day (the tested column) and fails where a
-- period does not start on the day after the previous one ends: a gap or an
-- overlap between two reporting periods.
with

ordered as (
    select
        *,
        lag({{ last_day_column }}) over (
            order by {{ column_name }}
        ) as previous_last_day
    from {{ model }}
)

select *
from ordered
where
    previous_last_day is not null
    and {{ column_name }} <> {{ dbt.dateadd('day', 1, 'previous_last_day') }}
{% endtest %}
