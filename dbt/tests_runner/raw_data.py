"""Small raw tables shaped like what dlt loads for the example pipelines.

Column names and types follow dlt's normalization on DuckDB (snake_case, nested objects flattened
with `__`, `_dlt_load_id` / `_dlt_id` added), so these tests do not depend on the ingestion code.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

RAW_SQL = """
create schema if not exists raw_jsonplaceholder;
create schema if not exists raw_orders_files;

create or replace table raw_jsonplaceholder.users (
    id bigint, name varchar, username varchar, email varchar,
    address__street varchar, address__suite varchar, address__city varchar, address__zipcode varchar,
    address__geo__lat varchar, address__geo__lng varchar,
    phone varchar, website varchar,
    company__name varchar, company__catch_phrase varchar, company__bs varchar,
    _dlt_load_id varchar not null, _dlt_id varchar not null
);
insert into raw_jsonplaceholder.users values
 (1, 'Leanne Graham', 'Bret', 'Sincere@april.biz', 'Kulas Light', 'Apt. 556', 'Gwenborough', '92998-3874',
  '-37.3159', '81.1496', '1-770-736-8031 x56442', 'hildegard.org', 'Romaguera-Crona', 'Multi-layered', 'harness', '1700000000.1', 'u1'),
 (2, 'Ervin Howell', 'Antonette', 'Shanna@melissa.tv', 'Victor Plains', 'Suite 879', 'Wisokyburgh', '90566-7771',
  '-43.9509', '-34.4618', '010-692-6593 x09125', 'anastasia.net', 'Deckow-Crist', 'Proactive', 'synergize', '1700000000.1', 'u2'),
 (3, 'Clementine Bauch', 'Samantha', 'Nathan@yesenia.net', 'Douglas Extension', 'Suite 847', 'McKenziehaven', '59590-4157',
  '-68.6102', '-47.0653', '1-463-123-4447', 'ramiro.info', 'Romaguera-Jacobson', 'Face to face', 'e-enable', '1700000000.1', 'u3');

create or replace table raw_jsonplaceholder.posts (
    user_id bigint, id bigint, title varchar, body varchar,
    _dlt_load_id varchar not null, _dlt_id varchar not null
);
insert into raw_jsonplaceholder.posts values
 (1, 1, 'sunt aut facere', 'quia et suscipit', '1700000000.1', 'p1'),
 (1, 2, 'qui est esse', 'est rerum tempore vitae', '1700000000.1', 'p2'),
 (2, 3, 'ea molestias', 'et iusto sed quo iure', '1700000000.1', 'p3'),
 (3, 4, 'eum et est', 'ullam et saepe', '1700000000.1', 'p4');

create or replace table raw_jsonplaceholder.comments (
    post_id bigint, id bigint, name varchar, email varchar, body varchar,
    _dlt_load_id varchar not null, _dlt_id varchar not null
);
insert into raw_jsonplaceholder.comments values
 (1, 1, 'id labore ex', 'Eliseo@gardner.biz', 'laudantium enim quasi', '1700000000.1', 'c1'),
 (1, 2, 'quo vero', 'Jayne_Kuhic@sydney.com', 'est natus enim nihil', '1700000000.1', 'c2'),
 (2, 3, 'odio adipisci', 'Nikita@garfield.biz', 'quia molestiae reprehenderit', '1700000000.1', 'c3'),
 (3, 4, 'alias odio', 'Lew@alysha.tv', 'non et atque', '1700000000.1', 'c4'),
 (3, 5, 'vero eaque', 'eliseo@gardner.biz', 'harum non quasi', '1700000000.1', 'c5');

create or replace table raw_orders_files.orders (
    order_id bigint, customer_id bigint, product_id bigint, quantity bigint, unit_price double,
    status varchar, ordered_at timestamp with time zone,
    _dlt_load_id varchar not null, _dlt_id varchar not null
);
insert into raw_orders_files.orders values
 (1001, 1, 10, 2, 9.99, 'placed',    '2024-05-01 08:15:00+00', '1700000001.2', 'o1'),
 (1002, 2, 11, 1, 24.50, 'shipped',  '2024-05-01 13:40:00+00', '1700000001.2', 'o2'),
 (1003, 1, 12, 3, 5.00, 'delivered', '2024-05-02 09:00:00+00', '1700000001.2', 'o3'),
 (1004, 3, 10, 1, 9.99, 'cancelled', '2024-05-02 17:30:00+00', '1700000001.2', 'o4'),
 (1005, 2, 11, 2, 24.50, 'returned', '2024-05-03 11:05:00+00', '1700000001.2', 'o5');
"""


def create_raw_warehouse(path: Path) -> Path:
    """Create (or reset) the raw schemas in the DuckDB file at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    execute(path, RAW_SQL)
    return path


def execute(path: Path, sql: str) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(sql)
    finally:
        con.close()
