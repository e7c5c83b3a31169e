{% test accepted_values(model, column_name, values, quote=true) %}
{{ config(meta={
    'means': 'a value that is not allowed in {column}',
    'fix': '{column} may only hold one of: {values}; correct the value',
    'fix_for_a_totals_row': 'this looks like the totals row pasted among the parts: remove the line (the published total belongs in the totals file)',
}) }}
-- Fails on every value of the column that is not one of `values`.
select
    {{ column_name }} as value_field,
    count(*) as n_records
from {{ model }}
where
    {{ column_name }} is not null
    and {{ column_name }} not in (
        {%- for value in values %}
        {% if quote %}'{{ value }}'{% else %}{{ value }}{% endif %}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    )
group by {{ column_name }}
{% endtest %}
