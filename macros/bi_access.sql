{#- Read-only access for BI tools on PostgreSQL. `dbt run-operation create_bi_role`
    sets the role up once per database, with the least it needs; the publishing
    command (`ook-uw-zaak build --target postgres`, src/ook_uw_zaak/postgres_publish.py)
    grants it the marts of each release inside the transaction that publishes it.
    Development builds grant nothing. DuckDB has no roles: there, BI tools open the
    published file read-only. -#}

{% macro bi_role() -%}
    {#- The name of the read-only BI role: the var `bi_role` (default bi_reader),
        validated before it can reach SQL. -#}
    {{ return(validate_identifier(var('bi_role', 'bi_reader'), 'The var bi_role')) }}
{%- endmacro %}


{% macro bi_statement_timeout_seconds() -%}
    {#- How long one query of the BI role may run: the var
        bi_statement_timeout_seconds (default 60), a whole number of seconds. -#}
    {%- set seconds = var('bi_statement_timeout_seconds', 60) -%}
    {%- if seconds is not number or seconds is not integer
        or seconds < 1 or seconds > 86400 -%}
        {{ exceptions.raise_compiler_error(
            'The var bi_statement_timeout_seconds is ' ~ (seconds | tojson)
            ~ ': it must be a whole number of seconds from 1 to 86400.') }}
    {%- endif -%}
    {{ return(seconds) }}
{%- endmacro %}


{% macro create_bi_role(role=none) -%}
    {#- Run once per database, before the first publishing build, by a user allowed
        to create roles who owns the database:
            dbt run-operation create_bi_role --target postgres
        Creates the role if it does not exist (never with a password: the DBA sets
        one, or grants the role to the login roles of the people who use it), and
        sets its rights; running it again repairs them. -#}
    {%- set role = bi_role() if role is none
        else validate_identifier(role, 'The argument role of create_bi_role') -%}
    {{ return(adapter.dispatch('create_bi_role', 'ook_uw_zaak')(role)) }}
{%- endmacro %}

{% macro default__create_bi_role(role) -%}
    {{ log('The ' ~ target.type ~ ' target has no roles: nothing to create. BI tools'
           ~ ' open the published file read-only.', info=true) }}
{%- endmacro %}

{% macro postgres__create_bi_role(role) -%}
    {#- The role may only log in; it gets CONNECT on this database and nothing else
        here (USAGE on marts and SELECT on its tables come with each release). -#}
    {%- set database = validate_identifier(
        target.database, 'The database of the postgres target (PGDATABASE)') -%}
    {%- set seconds = bi_statement_timeout_seconds() -%}
    {%- if role.startswith('pg_') -%}
        {{ exceptions.raise_compiler_error(
            role ~ ' is a name PostgreSQL keeps for its own roles; pick another'
            ~ " with --vars '{bi_role: name}'.") }}
    {%- endif -%}
    {%- set role_query -%}
        select
            rolsuper or rolcreatedb or rolcreaterole or rolreplication or rolbypassrls
            or exists (
                select 1 from pg_catalog.pg_auth_members as memberships
                where memberships.member = roles.oid
            ) as is_privileged
        from pg_catalog.pg_roles as roles
        where rolname = '{{ role }}'
    {%- endset -%}
    {%- set found = run_query(role_query).columns[0].values() -%}
    {%- if found and found[0] -%}
        {{ exceptions.raise_compiler_error(
            'The role ' ~ role ~ ' exists and may do more than read (superuser,'
            ~ ' create databases or roles, replication, bypass row security, or'
            ~ ' member of another role): a BI role must not. Pick another name with --vars'
            ~ " '{bi_role: name}', or have the DBA remove those rights.") }}
    {%- endif -%}
    {%- set public_query -%}
        select
            has_database_privilege('public', '{{ database }}', 'TEMPORARY')
                as public_has_temporary,
            coalesce(has_schema_privilege('public', 'public', 'CREATE'), false)
                as public_creates_in_public
    {%- endset -%}
    {%- set public_rights = run_query(public_query).rows[0] -%}
    {%- call statement('create_bi_role') -%}
        {%- if not found %}
        create role {{ role }}
            login nosuperuser nocreatedb nocreaterole noinherit noreplication
            nobypassrls;
        {%- endif %}
        alter role {{ role }} set statement_timeout = '{{ seconds }}s';
        revoke all on database {{ database }} from {{ role }};
        grant connect on database {{ database }} to {{ role }};
        {%- if public_rights[0] %}
        -- PostgreSQL lets every role (PUBLIC) create temporary tables by default.
        revoke temporary on database {{ database }} from public;
        {%- endif %}
        {%- if public_rights[1] %}
        -- Before PostgreSQL 15, every role may create objects in schema public.
        revoke create on schema public from public;
        {%- endif %}
    {%- endcall -%}
    {{ log(('Created role ' if not found else 'Role ') ~ role ~ ' set up: it may'
           ~ ' connect to ' ~ database ~ ' and read the published marts, nothing'
           ~ ' else; one query may run ' ~ seconds ~ ' s at most.'
           ~ (' It has no password: set one, or grant the role to the login roles'
              ~ ' that use it.' if not found else ''), info=true) }}
{%- endmacro %}
