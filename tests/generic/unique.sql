{% test unique(model, column_name) %}
{{ config(meta={
    'means': 'the same {key} occurs more than once',
    'fix': 'keep one line per {key}: remove the duplicated line, or correct its {key}',
}) }}
-- Fails on every value of the column that occurs more than once.
select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
group by {{ column_name }}
having count(*) > 1
{% endtest %}
