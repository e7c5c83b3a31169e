{% test not_null(model, column_name) %}
{{ config(meta={
    'means': 'an empty cell in {column}',
    'fix': 'fill in {column} on the lines listed',
}) }}
-- Fails on every row where the column is empty. (The project's own not_null, so
-- that a failure says what it means and what to fix, like every other test here.)
select *
from {{ model }}
where {{ column_name }} is null
{% endtest %}
