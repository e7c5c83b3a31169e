{% test has_every_value_per_group(model, column_name, group_by, values_model, values_column) %}
{{ config(meta={
    'means': 'a {group_by} that lacks a row for one of the values of {values_file}',
    'fix': 'add the missing line for each {group_by} (the offending rows name the missing {column_name}): every {group_by} needs one line per {values_column} listed in {values_file}',
}) }}
-- Fails for every group (for example a year) that lacks one of the expected
-- values (for example a province of the reference list).
with

groups as (
    select distinct {{ group_by }} as group_value
    from {{ model }}
),

expected as (
    select
        groups.group_value,
        reference.{{ values_column }} as expected_value
    from groups
    cross join {{ values_model }} as reference
),

present as (
    select distinct
        {{ group_by }} as group_value,
        {{ column_name }} as present_value
    from {{ model }}
)

select
    expected.group_value as {{ group_by }},
    expected.expected_value as missing_{{ column_name }}
from expected
left join present
    on
        expected.group_value = present.group_value
        and expected.expected_value = present.present_value
where present.present_value is null
{% endtest %}
