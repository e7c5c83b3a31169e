{% macro sum_if_complete(column, window) -%}
    {#- A window sum that is NULL when any value in the window is unknown: an
        unknown figure is never counted as zero. -#}
    case
        when count({{ column }}) over ({{ window }}) = count(*) over ({{ window }})
            then sum({{ column }}) over ({{ window }})
    end
{%- endmacro %}
