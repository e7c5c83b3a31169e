{% macro safe_divide(numerator, denominator) -%}
    case
        when ({{ denominator }}) is null or ({{ denominator }}) = 0 then null
        else {{ dbt.cast(numerator, 'double precision') }} / ({{ denominator }})
    end
{%- endmacro %}
