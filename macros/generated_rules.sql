{#- Written by `make macros` (python -m ook_uw_zaak.dbt.generated_macros)
    from the rules' one home in Python: change them there, never here. -#}

{#- PostgreSQL's unquoted-identifier rule (src/ook_uw_zaak/publish/identifiers.py). -#}
{% macro identifier_rule() -%}
    {{ return({
        "pattern": "[a-z_][a-z0-9_]*",
        "max_bytes": 63,
        "words": "PostgreSQL's unquoted-identifier rule: a lowercase letter or underscore first, then only lowercase letters, digits and underscores, at most 63 bytes",
        "advice": "Nothing was run on the server; choose a name such as bi_reader or ook_uw_zaak."
    }) }}
{%- endmacro %}


{#- What a BI role may not be: a condition on pg_catalog.pg_roles as roles,
    and its words (src/ook_uw_zaak/publish/postgres_role.py). -#}
{% macro reader_role_rule() -%}
    {{ return({
        "reserved_prefix": "pg_",
        "more_than_reading": "roles.rolsuper or roles.rolcreatedb or roles.rolcreaterole or roles.rolreplication or roles.rolbypassrls or exists (select 1 from pg_catalog.pg_auth_members as memberships where memberships.member = roles.oid)",
        "words": "superuser, create databases or roles, replication, bypass row security, or member of another role"
    }) }}
{%- endmacro %}
