{#- Every role, schema or database name that comes from a var, the environment or the
    profile is checked here before it can reach SQL: PostgreSQL's unquoted-identifier
    rule, the same rule as src/ook_uw_zaak/identifiers.py. A name that breaks it stops
    dbt while it parses the project, before it connects to the server. -#}

{% macro identifier_rule() -%}
    {{ return(
        "PostgreSQL's unquoted-identifier rule: a lowercase letter or underscore"
        ~ " first, then only lowercase letters, digits and underscores, at most 63"
        ~ " bytes") }}
{%- endmacro %}


{% macro is_identifier(name) -%}
    {#- Whether `name` follows the rule. Only ASCII letters pass the pattern, so its
        length in characters is its length in bytes. -#}
    {{ return(name is string
        and modules.re.fullmatch('[a-z_][a-z0-9_]*', name) is not none
        and name | length <= 63) }}
{%- endmacro %}


{% macro validate_identifier(name, source) -%}
    {#- Returns `name` when it follows the rule; else stops dbt with a message that
        names `source` (the var or variable the name came from) and the rule. -#}
    {%- if not is_identifier(name) -%}
        {{ exceptions.raise_compiler_error(
            source ~ ' is ' ~ (name | tojson) ~ ', which breaks '
            ~ identifier_rule() ~ '. Nothing was run on the server; choose a'
            ~ ' name such as bi_reader or ook_uw_zaak.') }}
    {%- endif -%}
    {{ return(name) }}
{%- endmacro %}
