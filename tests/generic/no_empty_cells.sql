{% test no_empty_cells(model, column_names) %}
{{ config(meta={
    'means': 'an empty cell in a column that must be filled in (one of: {column_names})',
    'fix': 'fill in the cell of the column named empty_column on each line listed',
}) }}
-- Fails on every row with an empty cell in one of the columns, once per empty
-- cell; the row names the column (empty_column). One test for all of a file's
-- columns that must be filled in: one dbt node instead of one per column.
{% for column in column_names %}
select
    '{{ column }}' as empty_column,
    *
from {{ model }}
where {{ column }} is null
{% if not loop.last %}union all{% endif %}
{% endfor %}
{% endtest %}
