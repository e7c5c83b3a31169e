{#- Read-only access for BI tools on PostgreSQL. The marts are granted to the BI role
    through dbt's `grants` config (dbt_project.yml); these macros do what grants
    cannot: create the role (a run-operation, once), stop a run early when the role
    is missing (on-run-start), and let it into the schemas of those tables
    (on-run-end). DuckDB has no roles: there, BI tools open the published file
    read-only. -#}

{% macro bi_role() -%}
    {#- The name of the read-only BI role: the var `bi_role` (default bi_reader). -#}
    {{ return(var('bi_role', 'bi_reader')) }}
{%- endmacro %}


{% macro create_bi_role(role=none) -%}
    {#- Run once per database, before the first `dbt build --target postgres`, by a
        user allowed to create roles:
            dbt run-operation create_bi_role --target postgres
        Creates the role if it does not exist; never sets a password (the DBA
        does: ALTER ROLE bi_reader PASSWORD '...'; or grants the role to the
        login roles of the people who use it). -#}
    {{ return(adapter.dispatch('create_bi_role', 'ook_uw_zaak')(role or bi_role())) }}
{%- endmacro %}

{% macro default__create_bi_role(role) -%}
    {{ log('The ' ~ target.type ~ ' target has no roles: nothing to create. BI tools'
           ~ ' open the published file read-only.', info=true) }}
{%- endmacro %}

{% macro postgres__create_bi_role(role) -%}
    {%- set exists_query -%}
        select count(*) from pg_catalog.pg_roles where rolname = '{{ role | replace("'", "''") }}'
    {%- endset -%}
    {%- if run_query(exists_query).columns[0].values()[0] > 0 -%}
        {{ log('Role ' ~ role ~ ' exists already: left unchanged.', info=true) }}
    {%- else -%}
        {%- call statement('create_bi_role') -%}
            create role {{ adapter.quote(role) }}
                login nosuperuser nocreatedb nocreaterole noinherit noreplication
        {%- endcall -%}
        {{ log('Created role ' ~ role ~ ' (no password: set one, or grant the role to'
               ~ ' the login roles that use it).', info=true) }}
    {%- endif -%}
{%- endmacro %}


{% macro grant_usage_on_granted_schemas(results) -%}
    {#- on-run-end hook: the role that dbt's grants config lets read a table also
        needs USAGE on the table's schema. Grants it on the schemas of the models
        built in this run whose grants name the BI role (the marts), nothing else. -#}
    {{ return(adapter.dispatch('grant_usage_on_granted_schemas', 'ook_uw_zaak')(results)) }}
{%- endmacro %}

{% macro default__grant_usage_on_granted_schemas(results) -%}
    {#- DuckDB and other targets without roles: nothing to grant. -#}
{%- endmacro %}

{% macro postgres__grant_usage_on_granted_schemas(results) -%}
    {%- set role = bi_role() -%}
    {%- set schemas = [] -%}
    {%- if execute -%}
        {%- for result in results
            if result.node.resource_type == 'model' and result.status == 'success' -%}
            {%- set grantees = (result.node.config.grants or {}).get('select', []) -%}
            {%- set grantees = [grantees] if grantees is string else grantees -%}
            {%- if role in grantees and result.node.schema not in schemas -%}
                {%- do schemas.append(result.node.schema) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for schema in schemas %}
    grant usage on schema {{ adapter.quote(schema) }} to {{ adapter.quote(role) }};
    {%- endfor %}
{%- endmacro %}


{% macro check_bi_role_exists() -%}
    {#- on-run-start hook: when a run will grant the BI role access (a mart is
        selected), stop before building anything if the role does not exist, and
        say how to create it. Never creates it: a build needs no CREATEROLE. -#}
    {{ return(adapter.dispatch('check_bi_role_exists', 'ook_uw_zaak')()) }}
{%- endmacro %}

{% macro default__check_bi_role_exists() -%}
    {#- DuckDB and other targets without roles: nothing to check. -#}
{%- endmacro %}

{% macro postgres__check_bi_role_exists() -%}
    {%- if execute -%}
        {%- set role = bi_role() -%}
        {%- set granting = [] -%}
        {%- for unique_id in selected_resources if unique_id in graph.nodes -%}
            {%- set node = graph.nodes[unique_id] -%}
            {%- set grantees = (node.config.grants or {}).get('select', []) -%}
            {%- set grantees = [grantees] if grantees is string else grantees -%}
            {%- if node.resource_type == 'model' and role in grantees -%}
                {%- do granting.append(node.name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if granting -%}
            {%- set exists_query -%}
                select count(*) from pg_catalog.pg_roles where rolname = '{{ role | replace("'", "''") }}'
            {%- endset -%}
            {%- if run_query(exists_query).columns[0].values()[0] == 0 -%}
                {{ exceptions.raise_compiler_error(
                    'The BI role ' ~ role ~ ' does not exist in the database, and the'
                    ~ ' selected models ' ~ granting | join(', ') ~ ' grant it SELECT.'
                    ~ ' Create it once, as a user allowed to create'
                    ~ ' roles: dbt run-operation create_bi_role --target '
                    ~ target.name ~ ' (or have the DBA create it; or pick another'
                    ~ " role with --vars '{bi_role: name}').") }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
