{% test sums_to_published_total(model, column_name, total_model, total_column, group_by=[]) %}
{{ config(meta={
    'means': 'the parts in {column} do not add up to the published total in {total_file}',
    'fix': 'check each part against the published answer, and that no totals row was pasted among the parts; the published total itself is in {total_file}',
}) }}
-- Fails where the parts do not add up to the total the answer publishes, or where
-- a group has parts but no total or a total but no parts. Each failing row names
-- the published total, the sum of the parts and the difference.
{%- set keys = group_by | join(', ') %}
with

parts as (
    select
        {% for key in group_by %}{{ key }}, {% endfor %}
        sum({{ column_name }}) as sum_of_parts
    from {{ model }}
    {% if group_by %}group by {{ keys }}{% endif %}
),

totals as (
    select
        {% for key in group_by %}{{ key }}, {% endfor %}
        sum({{ total_column }}) as published_total,
        count(*) as total_rows
    from {{ total_model }}
    {% if group_by %}group by {{ keys }}{% endif %}
),

compared as (
    select
        {% for key in group_by %}
        coalesce(parts.{{ key }}, totals.{{ key }}) as {{ key }},
        {% endfor %}
        '{{ column_name }}' as counted_column,
        totals.published_total,
        parts.sum_of_parts,
        parts.sum_of_parts - totals.published_total as difference,
        totals.total_rows
    from parts
    full outer join totals
        {% if group_by %}
        on {% for key in group_by %}parts.{{ key }} = totals.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
        {% else %}
        on 1 = 1
        {% endif %}
)

select *
from compared
where
    published_total is null
    or sum_of_parts is null
    or total_rows <> 1
    or sum_of_parts <> published_total
{% endtest %}
