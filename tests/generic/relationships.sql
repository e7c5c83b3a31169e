{% test relationships(model, column_name, to, field) %}
{{ config(meta={
    'means': 'a value that is not allowed in {column}: it is not listed in {to_file}',
    'fix': '{column} may only hold one of: {allowed} (the values of column {field} in {to_file}); correct the value (a typing error?)',
    'fix_for_a_totals_row': 'this looks like the totals row pasted among the parts: remove the line (the published total belongs in the totals file)',
}) }}
-- Fails on every value of the column that the referenced table does not list.
select
    child.{{ column_name }} as value_field,
    count(*) as n_records
from {{ model }} as child
left join {{ to }} as parent
    on child.{{ column_name }} = parent.{{ field }}
where
    child.{{ column_name }} is not null
    and parent.{{ field }} is null
group by child.{{ column_name }}
{% endtest %}
