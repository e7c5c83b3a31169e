{% test unique_combination_of_columns(model, combination_of_columns) %}
{{ config(meta={
    'means': 'the same {key} occurs more than once',
    'fix': 'keep one line per {key}: remove the duplicated line, or correct its {key}',
}) }}
-- Fails on every combination of the key columns that occurs more than once, with
-- how often. The seeds' composite keys: each failing row names the key's columns, so
-- the failure summary finds its lines in the CSV file (dbt has no such test; a
-- model's key is tested by dbt's unique and not_null, which peer tools recognise).
{%- set key = combination_of_columns | join(', ') %}
select
    {{ key }},
    count(*) as occurrences
from {{ model }}
group by {{ key }}
having count(*) > 1
{% endtest %}
