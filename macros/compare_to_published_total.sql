{% macro compare_to_published_total(parts, part_column, totals, total_column, group_by=[]) %}
    {#- The one implementation of "the parts add up to the published total": one row
        per group (or one row when group_by is empty) with the published total, the
        sum of the parts, the difference, the parts counted, the totals rows found and
        is_reconciled. A group with parts but no total, or a total but no parts, or
        more than one totals row, is not reconciled. Shared by the generic test
        sums_to_published_total and the mart fct_published_total_reconciliation. -#}
    {%- set keys = group_by | join(', ') -%}
    select
        {% for key in group_by %}
        coalesce(parts.{{ key }}, totals.{{ key }}) as {{ key }},
        {% endfor %}
        '{{ part_column }}' as counted_column,
        totals.published_total,
        parts.sum_of_parts,
        parts.sum_of_parts - totals.published_total as difference,
        coalesce(parts.parts_counted, 0) as parts_counted,
        coalesce(totals.total_rows, 0) as total_rows,
        coalesce(
            totals.total_rows = 1 and parts.sum_of_parts = totals.published_total,
            false
        ) as is_reconciled
    from (
        select
            {% for key in group_by %}{{ key }}, {% endfor %}
            sum({{ part_column }}) as sum_of_parts,
            count(*) as parts_counted
        from {{ parts }}
        {% if group_by %}group by {{ keys }}{% endif %}
    ) as parts
    full outer join (
        select
            {% for key in group_by %}{{ key }}, {% endfor %}
            sum({{ total_column }}) as published_total,
            count(*) as total_rows
        from {{ totals }}
        {% if group_by %}group by {{ keys }}{% endif %}
    ) as totals
        on {% for key in group_by %}parts.{{ key }} = totals.{{ key }} and {% endfor %}true
{% endmacro %}
