{% macro key_occurrences(model, columns, empty_fails=false) %}
    {#- The failing rows of a key test: each key (its columns) that occurs more than
        once, with how often; with empty_fails, also each key that is empty in one
        of its columns. Shared by the generic tests unique_combination_of_columns
        and primary_key. -#}
    {%- set key = columns | join(', ') %}
    select
        {{ key }},
        count(*) as occurrences
    from {{ model }}
    group by {{ key }}
    having
        count(*) > 1
        {%- if empty_fails %}
        {%- for column in columns %}
        or {{ column }} is null
        {%- endfor %}
        {%- endif %}
{% endmacro %}
