{#- Read-only access for BI tools on PostgreSQL. `dbt run-operation create_bi_role`
    sets the role up once per database, with the least it needs; the publishing
    command (`ook-uw-zaak build --target postgres`, src/ook_uw_zaak/publish/)
    grants it the marts of each release inside the transaction that publishes it,
    and resets the role's settings where it changed them.
    Development builds grant nothing. DuckDB has no roles: there, BI tools open the
    published file read-only. -#}

{% macro bi_role() -%}
    {#- The name of the read-only BI role: the var `bi_role` (default bi_reader),
        validated before it can reach SQL. -#}
    {{ return(validate_identifier(var('bi_role', 'bi_reader'), 'The var bi_role')) }}
{%- endmacro %}


{% macro bi_statement_timeout_seconds() -%}
    {#- How long one query of the BI role may run: the var
        bi_statement_timeout_seconds (dbt_project.yml), a whole number of seconds.
        Every publishing build resets the role to it (it reads the same var). -#}
    {%- set seconds = var('bi_statement_timeout_seconds') -%}
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
        here (USAGE on marts and SELECT on its tables come with each release), and
        loses PUBLIC's CONNECT on the other databases this user owns. Of the session
        defaults it may change itself, it keeps the statement timeout alone. -#}
    {%- set database = validate_identifier(
        target.database, 'The database of the postgres target (PGDATABASE)') -%}
    {%- set seconds = bi_statement_timeout_seconds() -%}
    {%- set rule = reader_role_rule() -%}
    {%- if role.startswith(rule.reserved_prefix) -%}
        {{ exceptions.raise_compiler_error(
            role ~ ' is a name PostgreSQL keeps for its own roles; pick another'
            ~ " with --vars '{bi_role: name}'.") }}
    {%- endif -%}
    {%- set role_query -%}
        select {{ rule.more_than_reading }} as is_privileged
        from pg_catalog.pg_roles as roles
        where rolname = '{{ role }}'
    {%- endset -%}
    {%- set found = run_query(role_query).columns[0].values() -%}
    {%- if found and found[0] -%}
        {{ exceptions.raise_compiler_error(
            'The role ' ~ role ~ ' exists and may do more than read (' ~ rule.words
            ~ '): a BI role must not. Pick another name with --vars'
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
    {%- set wanted = [['', 'statement_timeout=' ~ seconds ~ 's']] -%}
    {%- set settings = bi_role_settings(role) if found else wanted -%}
    {%- do refuse_held_bi_role_settings(role) if found -%}
    {%- set databases = bi_role_other_databases(role, database) -%}
    {%- call statement('create_bi_role') -%}
        -- A session of the role holding its settings would make this wait: not long.
        set lock_timeout = '10s';
        {%- if not found %}
        create role {{ role }}
            login nosuperuser nocreatedb nocreaterole noinherit noreplication
            nobypassrls;
        {%- endif %}
        {%- if settings | sort != wanted %}
        -- The settings the role may change itself, where it has any: every one.
        do $reset$
        declare
            found record;
        begin
            for found in
                {{ bi_role_settings_query(role) }}
            loop
                if found.database_name = '' then
                    execute format(
                        'alter role %I reset %I', '{{ role }}', found.setting_name
                    );
                else
                    execute format(
                        'alter role %I in database %I reset %I',
                        '{{ role }}', found.database_name, found.setting_name
                    );
                end if;
            end loop;
        end
        $reset$;
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
        {%- for other in databases.own %}
        -- Every role (PUBLIC) may connect to a database by default.
        revoke connect on database {{ other }} from public;
        revoke all on database {{ other }} from {{ role }};
        {%- endfor %}
    {%- endcall -%}
    {%- if settings | sort != wanted -%}
        {{ log(role ~ "'s settings had been changed (a role may change its own"
               ~ ' session defaults, with ALTER ROLE ' ~ role ~ ' SET ...): it had '
               ~ describe_role_settings(settings) ~ ', instead of '
               ~ describe_role_settings(wanted) ~ '. Reset them to '
               ~ describe_role_settings(wanted) ~ '.', info=true) }}
    {%- endif -%}
    {%- if databases.own -%}
        {{ log("Revoked PUBLIC's right to connect to " ~ databases.own | join(', ')
               ~ ' (databases you own), so that ' ~ role ~ ' may not connect there.'
               ~ ' Other roles that need to must now be granted CONNECT by name'
               ~ ' (grant connect on database <database> to <role>).', info=true) }}
    {%- endif -%}
    {%- if databases.others -%}
        {%- set statements = [] -%}
        {%- for other in databases.others -%}
            {%- do statements.append('revoke connect on database ' ~ other
                                     ~ ' from public') -%}
        {%- endfor -%}
        {{ log(role ~ ' may still connect to ' ~ databases.others | join(', ')
               ~ " (other users' databases) through PUBLIC's default right, and"
               ~ ' create temporary tables there. Have their owners run `'
               ~ statements | join('`, `') ~ '` and grant CONNECT to the roles'
               ~ ' that need it; or have the DBA reject ' ~ role ~ ' in'
               ~ ' pg_hba.conf for every database but ' ~ database ~ '.',
               info=true) }}
    {%- endif -%}
    {{ log(('Created role ' if not found else 'Role ') ~ role ~ ' set up: in '
           ~ database ~ ' it may read the published marts, nothing else; one query'
           ~ ' may run ' ~ seconds ~ ' s at most.'
           ~ (' It has no password: set one, or grant the role to the login roles'
              ~ ' that use it.' if not found else ''), info=true) }}
{%- endmacro %}


{% macro bi_role_settings_query(role) -%}
    {#- The role's session defaults that it may change itself (pg_settings context
        'user'), one row each: database_name ('' for every database), setting
        ('name=value'), setting_name. The others only a superuser can have set
        (temp_file_limit, for one, a DBA's limit on the role): they stay. -#}
        select
            coalesce(databases.datname, '') as database_name,
            configs.setting,
            split_part(configs.setting, '=', 1) as setting_name
        from pg_catalog.pg_db_role_setting as settings
        inner join pg_catalog.pg_roles as roles on roles.oid = settings.setrole
        left join pg_catalog.pg_database as databases
            on databases.oid = settings.setdatabase
        cross join lateral unnest(settings.setconfig) as configs (setting)
        inner join pg_catalog.pg_settings as parameters
            on parameters.name = lower(split_part(configs.setting, '=', 1))
        where roles.rolname = '{{ role }}' and parameters.context = 'user'
{%- endmacro %}


{% macro bi_role_settings(role) -%}
    {#- The role's session defaults that it may change itself: [database ('' for
        every database), 'name=value'] each. -#}
    {%- set settings = [] -%}
    {%- for row in run_query(bi_role_settings_query(role)).rows -%}
        {%- do settings.append([row[0], row[1]]) -%}
    {%- endfor -%}
    {{ return(settings) }}
{%- endmacro %}


{% macro describe_role_settings(settings) -%}
    {#- 'a=1, b=2 in every database; c=3 in database x', in the words the
        publishing build uses (src/ook_uw_zaak/publish/postgres_role.py). -#}
    {%- set by_database = {} -%}
    {%- for database_name, setting in settings | sort -%}
        {%- do by_database.setdefault(database_name, []).append(setting) -%}
    {%- endfor -%}
    {%- set parts = [] -%}
    {%- for database_name, values in by_database.items() -%}
        {%- do parts.append(values | join(', ')
            ~ (' in every database' if database_name == ''
               else ' in database ' ~ database_name)) -%}
    {%- endfor -%}
    {{ return(parts | join('; ') if parts else 'no settings') }}
{%- endmacro %}


{% macro refuse_held_bi_role_settings(role) -%}
    {#- Stops with the sessions' names when sessions of the role hold a transaction
        id: a reader writes nothing, so such a session has changed the catalogue
        (its own settings) in a transaction still open, and resetting the
        settings would wait for it. -#}
    {%- set held_query -%}
        select
            activities.pid,
            coalesce(nullif(activities.application_name, ''), 'no application name')
                as application_name,
            coalesce(to_char(activities.xact_start, 'HH24:MI:SS TZ'), 'unknown')
                as transaction_start
        from pg_catalog.pg_stat_activity as activities
        where activities.usename = '{{ role }}'
            and exists (
                select 1 from pg_catalog.pg_locks as locks
                where locks.pid = activities.pid
                    and locks.locktype = 'transactionid'
                    and locks.granted
            )
        order by activities.pid
    {%- endset -%}
    {%- set held = [] -%}
    {%- for row in run_query(held_query).rows -%}
        {%- do held.append('pid ' ~ row[0] ~ ' (' ~ role ~ ', ' ~ row[1]
                           ~ ', transaction started ' ~ row[2] ~ ')') -%}
    {%- endfor -%}
    {%- if held -%}
        {{ exceptions.raise_compiler_error(
            'Sessions of ' ~ role ~ ' hold changes to its settings in transactions'
            ~ ' still open: ' ~ held | join('; ') ~ '. Resetting its settings would'
            ~ ' wait for them. End them (select pg_terminate_backend(pid)) and run'
            ~ ' this again.') }}
    {%- endif -%}
{%- endmacro %}


{% macro bi_role_other_databases(role, database) -%}
    {#- The other databases the role may connect to (through PUBLIC's default
        CONNECT or a grant of its own): `own`, those this user owns whose names
        follow the identifier rule (create_bi_role closes them); `others`, the
        rest (their owners must). -#}
    {%- set databases_query -%}
        select
            databases.datname as database_name,
            databases.datdba = (
                select oid from pg_catalog.pg_roles where rolname = current_user
            ) as is_own
        from pg_catalog.pg_database as databases
        where databases.datname <> '{{ database }}'
            and databases.datallowconn
            and (
                has_database_privilege('public', databases.oid, 'CONNECT')
                or exists (
                    select 1
                    from aclexplode(databases.datacl) as grants
                    inner join pg_catalog.pg_roles as grantees
                        on grantees.oid = grants.grantee
                    where grantees.rolname = '{{ role }}'
                        and grants.privilege_type = 'CONNECT'
                )
            )
        order by databases.datname
    {%- endset -%}
    {%- set databases = {'own': [], 'others': []} -%}
    {%- for row in run_query(databases_query).rows -%}
        {%- set kind = 'own' if row[1] and is_identifier(row[0]) else 'others' -%}
        {%- do databases[kind].append(row[0]) -%}
    {%- endfor -%}
    {{ return(databases) }}
{%- endmacro %}
