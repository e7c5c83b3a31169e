{#- Every role, schema or database name that comes from a var, the environment or the
    profile is checked here before it can reach SQL, by the rule of
    src/ook_uw_zaak/publish/identifiers.py (macros/generated_rules.sql, written from
    it). A name that breaks it stops dbt while it parses the project, before it
    connects to the server. -#}

{% macro is_identifier(name) -%}
    {#- Whether `name` follows the rule (its length in bytes, as PostgreSQL counts). -#}
    {%- set rule = identifier_rule() -%}
    {{ return(name is string
        and modules.re.fullmatch(rule.pattern, name) is not none
        and name.encode('utf-8') | length <= rule.max_bytes) }}
{%- endmacro %}


{% macro validate_identifier(name, source) -%}
    {#- Returns `name` when it follows the rule; else stops dbt with a message that
        names `source` (the var or variable the name came from) and the rule. -#}
    {%- if not is_identifier(name) -%}
        {%- set rule = identifier_rule() -%}
        {{ exceptions.raise_compiler_error(
            source ~ ' is ' ~ (name | tojson) ~ ', which breaks ' ~ rule.words ~ '. '
            ~ rule.advice) }}
    {%- endif -%}
    {{ return(name) }}
{%- endmacro %}
