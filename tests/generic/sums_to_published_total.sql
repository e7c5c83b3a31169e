{% test sums_to_published_total(model, column_name, total_model, total_column, group_by=[]) %}
{{ config(meta={
    'means': 'the parts in {column} do not add up to the published total in {total_file}',
    'fix': 'check each part against the published answer, and that no totals row was pasted among the parts; the published total itself is in {total_file}',
}) }}
-- Fails where the parts do not add up to the total the answer publishes, or where
-- a group has parts but no total or a total but no parts. Each failing row names
-- the published total, the sum of the parts and the difference. The rule itself is
-- the macro compare_to_published_total, shared with the reconciliation mart.
select
    {% for key in group_by %}{{ key }}, {% endfor %}
    counted_column,
    published_total,
    sum_of_parts,
    difference,
    total_rows
from (
    {{ compare_to_published_total(model, column_name, total_model, total_column, group_by) }}
) as compared
where not is_reconciled
{% endtest %}
