// Names of PostgreSQL's built-in types by oid (format_type spelling), so most result columns
// need no catalog lookup. Oids of built-in types are fixed (src/include/catalog/pg_type.dat).
// A lookup table, kept as a grid:
// prettier-ignore
export const BUILTIN_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [16, 'boolean'], [17, 'bytea'], [18, '"char"'], [19, 'name'], [20, 'bigint'], [21, 'smallint'], [23, 'integer'],
  [24, 'regproc'], [25, 'text'], [26, 'oid'], [28, 'xid'], [114, 'json'], [142, 'xml'], [194, 'pg_node_tree'],
  [600, 'point'], [650, 'cidr'], [700, 'real'], [701, 'double precision'], [705, 'unknown'], [774, 'macaddr8'],
  [790, 'money'], [829, 'macaddr'], [869, 'inet'], [1000, 'boolean[]'], [1001, 'bytea[]'], [1005, 'smallint[]'],
  [1007, 'integer[]'], [1009, 'text[]'], [1014, 'character[]'], [1015, 'character varying[]'], [1016, 'bigint[]'],
  [1021, 'real[]'], [1022, 'double precision[]'], [1028, 'oid[]'], [1033, 'aclitem'], [1034, 'aclitem[]'],
  [1042, 'character'], [1043, 'character varying'], [1082, 'date'], [1083, 'time without time zone'],
  [1114, 'timestamp without time zone'], [1115, 'timestamp without time zone[]'], [1182, 'date[]'],
  [1184, 'timestamp with time zone'], [1185, 'timestamp with time zone[]'], [1186, 'interval'],
  [1231, 'numeric[]'], [1266, 'time with time zone'], [1560, 'bit'], [1562, 'bit varying'], [1700, 'numeric'],
  [2205, 'regclass'], [2206, 'regtype'], [2249, 'record'], [2278, 'void'], [2950, 'uuid'], [2951, 'uuid[]'],
  [3220, 'pg_lsn'], [3614, 'tsvector'], [3615, 'tsquery'], [3802, 'jsonb'], [3807, 'jsonb[]'], [3904, 'int4range'],
  [3906, 'numrange'], [3908, 'tsrange'], [3910, 'tstzrange'], [3912, 'daterange'], [3926, 'int8range'],
  [199, 'json[]'], [4089, 'regnamespace'], [4096, 'regrole'],
]);
